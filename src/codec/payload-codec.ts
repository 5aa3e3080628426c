/**
 * Encryption of Temporal payloads (workflow and activity inputs and results, query and update
 * arguments and answers, memo, failure details, heartbeat details) with AES-256-GCM, as a Temporal
 * `PayloadCodec`: the API's client and the workers encode every payload before it leaves the
 * process and decode it when it comes back, so the Temporal server, its database and anything
 * reading history directly (Web UI, `temporal workflow show`) see only ciphertext.
 * Search attributes are not payloads of the codec: they stay plain (see src/domain/search-attributes.ts).
 *
 * An encrypted payload (the layout of Temporal's encryption samples):
 * - `metadata.encoding` = `binary/encrypted`, `metadata["encryption-key-id"]` = the key's id;
 * - `data` = 12-byte IV ‖ ciphertext ‖ 16-byte tag, where the plaintext is the original payload
 *   (metadata and data) serialized as a `temporal.api.common.v1.Payload` protobuf and the key id
 *   is the additional authenticated data.
 * AES-GCM per NIST SP 800-38D: a fresh random 96-bit IV for every payload (§8.2.2; with random
 * IVs at most 2³² encryptions per key, §8.3: rotate keys long before that), 128-bit tag.
 *
 * The SDK runs payload codecs outside the workflow sandbox: the worker decodes an activation and
 * encodes its completion in its main thread (Worker's `WorkflowCodecRunner`) and only hands plain
 * payloads to the sandboxed workflow code, so node:crypto is available here.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type DataConverter, METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { type PayloadKey, PayloadKeysError, parsePayloadKeys } from './keys';

/** `metadata.encoding` of an encrypted payload. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata key naming the key that encrypted a payload. */
export const METADATA_KEY_ID = 'encryption-key-id';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const ALGORITHM = 'aes-256-gcm';

/** Why a payload could not be decrypted. */
export type DecryptionFailure = 'unknown-key' | 'tampered' | 'malformed';

/**
 * A payload that is marked encrypted but cannot be decrypted: its key id is not among the
 * configured keys (`unknown-key`), the data or its key id was altered or another key with the same
 * id encrypted it (`tampered`: the GCM tag does not verify), or it is not in the layout above
 * (`malformed`). The message names the key id, never key material.
 */
export class PayloadDecryptionError extends Error {
  override name = 'PayloadDecryptionError';
  constructor(
    readonly reason: DecryptionFailure,
    message: string,
  ) {
    super(message);
  }
}

const utf8 = (bytes: Uint8Array | null | undefined): string | undefined =>
  bytes === null || bytes === undefined ? undefined : Buffer.from(bytes).toString('utf8');

/** True when a payload carries the encrypted encoding (whatever its key). */
export function isEncryptedPayload(payload: Payload): boolean {
  return utf8(payload.metadata?.[METADATA_ENCODING_KEY]) === ENCRYPTED_ENCODING;
}

/**
 * AES-256-GCM payload codec over a list of keys: the first encrypts, all decrypt. A payload
 * without the encrypted encoding passes through {@link decode} unchanged (histories written before
 * encryption was turned on stay readable).
 */
export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly byId: ReadonlyMap<string, Buffer>;
  private readonly encryptWith: PayloadKey;

  /**
   * @param keys at least one key; ids unique (see ./keys.ts).
   * @throws {PayloadKeysError} for an empty list.
   */
  constructor(keys: readonly PayloadKey[]) {
    const [first] = keys;
    if (first === undefined) throw new PayloadKeysError('no payload key: give at least one <key-id>:<base64 key>');
    this.encryptWith = first;
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  /** Id of the key that encrypts new payloads. */
  get encryptKeyId(): string {
    return this.encryptWith.id;
  }

  /** Ids of every key that decrypts, in configuration order. */
  get keyIds(): string[] {
    return [...this.byId.keys()];
  }

  /** Encrypts every payload with the first key (a new random IV each). */
  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encrypt(payload));
  }

  /**
   * Decrypts the payloads marked `binary/encrypted`; others are returned as they are.
   * @throws {PayloadDecryptionError} for the first payload that cannot be decrypted.
   */
  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => (isEncryptedPayload(payload) ? this.decrypt(payload) : payload));
  }

  private encrypt(payload: Payload): Payload {
    const { id, key } = this.encryptWith;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(id, 'utf8'));
    const plaintext = temporal.api.common.v1.Payload.encode(payload).finish();
    const data = Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: {
        [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING, 'utf8'),
        [METADATA_KEY_ID]: Buffer.from(id, 'utf8'),
      },
      data,
    };
  }

  private decrypt(payload: Payload): Payload {
    const id = utf8(payload.metadata?.[METADATA_KEY_ID]);
    if (id === undefined || id === '') {
      throw new PayloadDecryptionError('malformed', `an encrypted payload has no ${METADATA_KEY_ID}`);
    }
    const key = this.byId.get(id);
    if (key === undefined) {
      throw new PayloadDecryptionError(
        'unknown-key',
        `a payload was encrypted with key id "${id}", which is not among the configured payload keys (${this.keyIds.join(', ')})`,
      );
    }
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) {
      throw new PayloadDecryptionError('malformed', `an encrypted payload (key id "${id}") is too short`);
    }
    const decipher = createDecipheriv(ALGORITHM, key, data.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(id, 'utf8'));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plaintext: Buffer;
    try {
      plaintext = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(
        'tampered',
        `a payload does not decrypt with key "${id}": its data or key id was altered, or another key with that id encrypted it`,
      );
    }
    try {
      const inner = temporal.api.common.v1.Payload.decode(plaintext);
      return { metadata: { ...inner.metadata }, data: inner.data };
    } catch {
      throw new PayloadDecryptionError('malformed', `a payload decrypted with key "${id}" is not a Temporal payload`);
    }
  }
}

/** The configuration this module reads. */
export interface PayloadKeysConfig {
  PAYLOAD_KEYS?: string | undefined;
  PAYLOAD_KEYS_FILE?: string | undefined;
}

/**
 * The codec of the configuration: from `PAYLOAD_KEYS`, or from the file named by
 * `PAYLOAD_KEYS_FILE` (same format; a Docker or Kubernetes secret), or none (no encryption).
 * @returns null when neither is set: payloads are stored in the clear.
 * @throws {PayloadKeysError} naming the variable when both are set, the file cannot be read, an
 *   entry is invalid or the file holds no key.
 */
export function payloadCodecFromConfig(config: PayloadKeysConfig): AesGcmPayloadCodec | null {
  if (config.PAYLOAD_KEYS !== undefined && config.PAYLOAD_KEYS_FILE !== undefined) {
    throw new PayloadKeysError('set PAYLOAD_KEYS or PAYLOAD_KEYS_FILE, not both');
  }
  const source = config.PAYLOAD_KEYS_FILE !== undefined ? 'PAYLOAD_KEYS_FILE' : 'PAYLOAD_KEYS';
  let text = config.PAYLOAD_KEYS;
  if (config.PAYLOAD_KEYS_FILE !== undefined) {
    try {
      text = readFileSync(config.PAYLOAD_KEYS_FILE, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new PayloadKeysError(`PAYLOAD_KEYS_FILE: cannot read ${config.PAYLOAD_KEYS_FILE} (${code})`);
    }
  }
  if (text === undefined) return null;
  let keys: PayloadKey[];
  try {
    keys = parsePayloadKeys(text);
  } catch (err) {
    throw new PayloadKeysError(`${source}: ${(err as Error).message}`);
  }
  if (keys.length === 0) throw new PayloadKeysError(`${source}: holds no key (<key-id>:<base64 key>)`);
  return new AesGcmPayloadCodec(keys);
}

/**
 * {@link payloadCodecFromConfig} for an entry point: on an invalid key configuration, prints the
 * message (which names the variable) and exits with status 2, as an invalid configuration does.
 */
export function payloadCodecFromConfigOrExit(config: PayloadKeysConfig): AesGcmPayloadCodec | null {
  try {
    return payloadCodecFromConfig(config);
  } catch (err) {
    if (!(err instanceof PayloadKeysError)) throw err;
    console.error(`invalid configuration:\n  ${err.message}`);
    process.exit(2);
  }
}

/** The SDK data converter of a codec: `{ payloadCodecs: [codec] }`, or the default one for none. */
export function dataConverterOf(codec: PayloadCodec | null): DataConverter {
  return codec === null ? {} : { payloadCodecs: [codec] };
}

/** Log fields saying whether payloads are encrypted and with which key ids (never key material). */
export function encryptionLogFields(codec: AesGcmPayloadCodec | null): Record<string, unknown> {
  return codec === null
    ? { payload_encryption: false }
    : { payload_encryption: true, encrypt_key_id: codec.encryptKeyId, decrypt_key_ids: codec.keyIds };
}

/**
 * Payload encryption keys: `PAYLOAD_KEYS` (or the file named by `PAYLOAD_KEYS_FILE`) lists
 * `<key-id>:<base64 of 32 random bytes>` entries separated by commas or white space. The first
 * entry encrypts new payloads; every entry decrypts (key rotation: put the new key first and keep
 * the old ones until no history encrypted with them is kept). Make a key with
 * `openssl rand -base64 32`. Messages name an entry by position and id, never its key material.
 */

/** One AES-256 key and the id written next to every payload it encrypts. */
export interface PayloadKey {
  /** 1–64 characters of `A–Z a–z 0–9 . _ -`; stored in each payload's `encryption-key-id`. */
  id: string;
  /** 32 bytes (AES-256). */
  key: Buffer;
}

/** Key ids: short, printable, no separator characters. */
export const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** Length of an AES-256 key, bytes. */
export const KEY_BYTES = 32;

/** Standard or URL-safe base64, padding optional. */
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** An invalid key list; the message names the entry (position and id) and what is wrong. */
export class PayloadKeysError extends Error {
  override name = 'PayloadKeysError';
}

/**
 * Parses a key list (`PAYLOAD_KEYS`, or the text of `PAYLOAD_KEYS_FILE`).
 * @param value entries `<key-id>:<base64 key>`, separated by commas or white space; `#` starts a
 *   comment that runs to the end of the line (for key files).
 * @returns the keys in their order (the first encrypts); empty for an empty or blank value.
 * @throws {PayloadKeysError} for an entry without `:`, a bad id, a key that is not base64 of
 *   exactly 32 bytes, or an id listed twice.
 */
export function parsePayloadKeys(value: string | undefined): PayloadKey[] {
  if (value === undefined) return [];
  const entries = value
    .split('\n')
    .map((line) => line.replace(/#.*$/, ''))
    .join('\n')
    .split(/[\s,]+/)
    .filter((entry) => entry !== '');
  const seen = new Set<string>();
  return entries.map((entry, index) => {
    const position = `entry ${index + 1}`;
    const colon = entry.indexOf(':');
    if (colon === -1) throw new PayloadKeysError(`${position} is not <key-id>:<base64 key>`);
    const id = entry.slice(0, colon);
    const encoded = entry.slice(colon + 1);
    if (!KEY_ID_PATTERN.test(id)) {
      throw new PayloadKeysError(`${position}: the key id must be 1-64 characters of A-Z a-z 0-9 . _ -`);
    }
    if (seen.has(id)) throw new PayloadKeysError(`${position}: key id "${id}" is listed twice`);
    seen.add(id);
    const key = BASE64.test(encoded) ? Buffer.from(encoded, 'base64') : null;
    if (key === null || key.length !== KEY_BYTES) {
      throw new PayloadKeysError(
        `${position} (id "${id}"): the key must be base64 of ${KEY_BYTES} bytes (openssl rand -base64 32)` +
          (key === null ? '' : `, got ${key.length} bytes`),
      );
    }
    return { id, key };
  });
}

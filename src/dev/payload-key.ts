/**
 * The payload encryption key of the one-machine stack (`npm start` with its embedded server):
 * created once as `<DATA_DIR>/payload-keys` (mode 0600, the PAYLOAD_KEYS_FILE format of
 * src/codec/keys.ts) and kept with the database it encrypts. Production sets PAYLOAD_KEYS or
 * PAYLOAD_KEYS_FILE instead.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Name of the key file in the data directory. */
export const DEV_PAYLOAD_KEYS_FILE = 'payload-keys';

/** The dev key file and what {@link ensureDevPayloadKey} did. */
export interface DevPayloadKey {
  /** Absolute path of the key file (PAYLOAD_KEYS_FILE of the worker and the API). */
  path: string;
  /** True when this call created the file; false when it was there from an earlier start. */
  created: boolean;
  /** True when an existing file was readable by others and was made 0600. */
  tightened: boolean;
}

/**
 * Returns the key file in `dataDir`, creating it with one new random 256-bit key (id
 * `dev-<yyyymmdd>`) when missing. An existing file is kept as it is (its keys decrypt the jobs in
 * the database), only its mode is narrowed to 0600 when group or others could read it.
 * @param dataDir absolute path of DATA_DIR (created when missing).
 * @param now clock, epoch ms (for the key id).
 * @throws {Error} when the folder or file cannot be created or read.
 */
export function ensureDevPayloadKey(dataDir: string, now = Date.now()): DevPayloadKey {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, DEV_PAYLOAD_KEYS_FILE);
  if (existsSync(path)) {
    const loose = (statSync(path).mode & 0o077) !== 0;
    if (loose) chmodSync(path, 0o600);
    return { path, created: false, tightened: loose };
  }
  const id = `dev-${new Date(now).toISOString().slice(0, 10).replaceAll('-', '')}`;
  const text = [
    "# Payload encryption key of this folder's Temporal database (npm start). Keep it with the",
    '# database: without it the jobs stored there cannot be read. Format: <key-id>:<base64 32 bytes>,',
    '# the first line encrypts; to rotate, add a new key on top and keep this one.',
    `${id}:${randomBytes(32).toString('base64')}`,
    '',
  ].join('\n');
  // `wx`: never overwrite a key another start has just written.
  writeFileSync(path, text, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  return { path, created: true, tightened: false };
}

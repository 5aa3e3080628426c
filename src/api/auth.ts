/**
 * API keys and the caller ("principal"). Keys are high-entropy random strings
 * (`sk_` + 32 random bytes, base64url); the server keeps only their SHA-256, so a
 * leaked key list cannot be replayed, and never logs a key. Each key is bound to a
 * `user_id` and a role: `user` sees and changes only its own jobs, `admin` sees all.
 * The middleware puts the caller on `res.locals.principal` for the routes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { RequestHandler, Response } from 'express';
import { z } from 'zod';
import { identifierSchema } from '../domain/job-spec';
import { ProblemError } from './problem';

export const ROLES = ['user', 'admin'] as const;
/** `user`: own jobs only. `admin`: every job, and `GET /jobs?user_id=` of anyone. */
export type Role = (typeof ROLES)[number];

/** The caller of a request, from its API key. */
export interface Principal {
  user_id: string;
  role: Role;
  /** Task queues (worker pools) besides the API's own that this caller's jobs may name in `queue`. */
  queues?: readonly string[];
}

/**
 * One stored key: its owner, role, the hex SHA-256 of the key, and the task queues its jobs may
 * name in `queue` (an admin may name any).
 */
export const apiKeyRecordSchema = z.strictObject({
  user_id: identifierSchema,
  role: z.enum(ROLES),
  key_sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits (sha256 of the key)'),
  queues: z.array(identifierSchema).max(100).optional(),
});
export type ApiKeyRecord = z.output<typeof apiKeyRecordSchema>;

/** Hex SHA-256 of a key, as stored in `API_KEYS` / `API_KEYS_FILE`. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A new random API key (`sk_` + 43 base64url characters, 256 bits). */
export function generateApiKey(): string {
  return `sk_${randomBytes(32).toString('base64url')}`;
}

/**
 * Parses `API_KEYS`: entries `user_id:role:sha256hex` or `user_id:role:sha256hex:queue1|queue2`
 * (the task queues granted to the key), separated by commas or whitespace.
 * @throws {Error} naming the bad entry (by position, never its hash).
 */
export function parseApiKeys(value: string | undefined): ApiKeyRecord[] {
  if (value === undefined || value.trim() === '') return [];
  return value
    .split(/[\s,]+/)
    .filter((entry) => entry !== '')
    .map((entry, index) => {
      const [user_id, role, key_sha256, ...rest] = entry.split(':');
      const queues = rest.length > 0 ? rest.join(':').split('|') : undefined;
      const parsed = apiKeyRecordSchema.safeParse({ user_id, role, key_sha256, ...(queues ? { queues } : {}) });
      if (!parsed.success) {
        throw new Error(
          `API_KEYS entry ${index + 1} is not user_id:role:sha256hex[:queue|queue…] (role user or admin)`,
        );
      }
      return parsed.data;
    });
}

/**
 * Whether `principal`'s jobs may run on task queue `queue`: an admin's on any, a user's on the
 * API's own (`defaultQueue`) and on the queues granted to its key.
 */
export function queueGranted(principal: Principal, queue: string, defaultQueue: string): boolean {
  return principal.role === 'admin' || queue === defaultQueue || (principal.queues ?? []).includes(queue);
}

/**
 * Refuses a task queue that {@link queueGranted} does not grant `principal` (nothing when `queue` is
 * undefined): for a job's `queue`, and for the `task_queue` whose workers `GET /workers` shows.
 * @param field the request field that named the queue.
 * @throws ProblemError 403 `queue-not-granted`, naming `field`.
 */
export function assertQueueGranted(
  principal: Principal,
  queue: string | undefined,
  defaultQueue: string,
  field: string,
  message = 'is not granted to this API key',
): void {
  if (queue === undefined || queueGranted(principal, queue, defaultQueue)) return;
  throw new ProblemError(403, 'Forbidden', `${field} "${queue}" is not granted to this API key`, 'queue-not-granted', {
    errors: [{ field, message }],
  });
}

/**
 * Reads an `API_KEYS_FILE`: a JSON array of `{ user_id, role, key_sha256, queues? }`.
 * @throws {Error} when the file cannot be read or an entry is invalid.
 */
export function readApiKeysFile(path: string): ApiKeyRecord[] {
  const parsed = z.array(apiKeyRecordSchema).safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    throw new Error(`API_KEYS_FILE ${path}: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')} invalid`);
  }
  return parsed.data;
}

/** How the API authenticates: a key table, or (explicitly) nobody. */
export type AuthOptions = { mode: 'keys'; keys: ApiKeyRecord[] } | { mode: 'disabled' };

/** The caller every request acts as when auth is disabled. */
export const ANONYMOUS_ADMIN: Principal = Object.freeze({ user_id: 'anonymous', role: 'admin' });

/** The key of a request: `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
function presentedKey(authorization: string | undefined, apiKeyHeader: string | undefined): string | undefined {
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match ? match[1] : undefined;
  }
  return apiKeyHeader;
}

/**
 * Middleware: authenticates the request by its API key and sets `res.locals.principal`.
 * @throws ProblemError 401 (`/problems/unauthorized`, with `WWW-Authenticate: Bearer`) when the
 *   key is missing or unknown.
 */
export function authenticate(options: AuthOptions): RequestHandler {
  const byHash = new Map<string, Principal>();
  if (options.mode === 'keys') {
    for (const record of options.keys) {
      byHash.set(record.key_sha256, {
        user_id: record.user_id,
        role: record.role,
        ...(record.queues !== undefined ? { queues: record.queues } : {}),
      });
    }
  }
  return (req, res, next) => {
    if (options.mode === 'disabled') {
      res.locals.principal = ANONYMOUS_ADMIN;
      next();
      return;
    }
    const key = presentedKey(req.get('authorization'), req.get('x-api-key'));
    const principal = key === undefined ? undefined : byHash.get(hashApiKey(key));
    if (principal === undefined) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      throw new ProblemError(
        401,
        'Unauthorized',
        key === undefined ? 'send an API key: Authorization: Bearer <key>' : 'the API key is not valid',
        'unauthorized',
      );
    }
    res.locals.principal = principal;
    next();
  };
}

/** The caller of a request that passed {@link authenticate}. @throws {Error} when the middleware did not run. */
export function principalOf(res: Response): Principal {
  const principal = res.locals.principal as Principal | undefined;
  if (principal === undefined) throw new Error('no principal: the authenticate middleware did not run');
  return principal;
}

/**
 * The auth options of the configuration: `AUTH_DISABLED=true`, or the keys of `API_KEYS` and
 * `API_KEYS_FILE` together. No key and auth not disabled means every API call is refused (401).
 * @throws {Error} for an invalid key entry or file.
 */
export function authOptionsFromConfig(config: {
  AUTH_DISABLED: boolean;
  API_KEYS?: string | undefined;
  API_KEYS_FILE?: string | undefined;
}): AuthOptions {
  if (config.AUTH_DISABLED) return { mode: 'disabled' };
  const keys = parseApiKeys(config.API_KEYS);
  if (config.API_KEYS_FILE !== undefined) keys.push(...readApiKeysFile(config.API_KEYS_FILE));
  return { mode: 'keys', keys };
}

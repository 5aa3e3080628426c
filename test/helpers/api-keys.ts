/**
 * Fixed API keys of the tests: two users and an admin. Only their SHA-256 reaches the
 * API's configuration (`API_KEYS` / createApp's `auth`), as in production.
 */
import express, { type Express, type RequestHandler } from 'express';
import { type AuthOptions, hashApiKey, type Role } from '../../src/api/auth';

/** A test caller: user id, role and the plain key it sends. */
export interface TestCaller {
  user_id: string;
  role: Role;
  key: string;
  /** Task queues granted to the key besides the API's own. */
  queues?: string[];
}

export const ALICE: TestCaller = { user_id: 'alice', role: 'user', key: 'sk_test_alice_0123456789abcdefghijklmnop' };
export const BOB: TestCaller = { user_id: 'bob', role: 'user', key: 'sk_test_bob_0123456789abcdefghijklmnopqrs' };
export const ADMIN: TestCaller = { user_id: 'root', role: 'admin', key: 'sk_test_admin_0123456789abcdefghijklmnop' };
/** A user whose key is granted the task queue `reports`. */
export const CAROL: TestCaller = {
  user_id: 'carol',
  role: 'user',
  key: 'sk_test_carol_0123456789abcdefghijklmnop',
  queues: ['reports'],
};

/** `Authorization` header value of a caller. */
export function bearer(caller: TestCaller): string {
  return `Bearer ${caller.key}`;
}

/** createApp's `auth` with the given callers (default: Alice, Bob and the admin). */
export function testAuth(callers: TestCaller[] = [ALICE, BOB, ADMIN]): AuthOptions {
  return {
    mode: 'keys',
    keys: callers.map((c) => ({
      user_id: c.user_id,
      role: c.role,
      key_sha256: hashApiKey(c.key),
      ...(c.queues ? { queues: c.queues } : {}),
    })),
  };
}

/** `API_KEYS` value (user_id:role:sha256[:queue|…]) of the given callers, for API processes. */
export function apiKeysEnv(callers: TestCaller[]): string {
  return callers
    .map((c) => `${c.user_id}:${c.role}:${hashApiKey(c.key)}${c.queues ? `:${c.queues.join('|')}` : ''}`)
    .join(',');
}

/** `api` wrapped so that every request acts as `caller` (sets its `Authorization` header). */
export function actingAs(caller: TestCaller, api: RequestHandler): Express {
  return express()
    .use((req, _res, next) => {
      req.headers.authorization = bearer(caller);
      next();
    })
    .use(api);
}

/**
 * The console's calls to the API (same origin): JSON in and out, the session's key as
 * `Authorization: Bearer <key>`, errors as {@link ApiError} carrying the problem+json body.
 * A 401 to the session's key forgets it and tells the app (event `console:unauthorized`) to show
 * the sign-in page; a key being checked at sign-in is just refused.
 */
import type { Problem } from './lib/problems';
import { clearApiKey, getApiKey } from './session';

/** An answer other than 2xx. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }
}

/** Fired on `window` when the API refused the key. */
export const UNAUTHORIZED_EVENT = 'console:unauthorized';

/**
 * Calls the API.
 * @param key overrides the session's key (sign-in checks a key before keeping it).
 * @returns the parsed JSON answer.
 * @throws ApiError for a non-2xx answer (its problem body, or a synthesised one); TypeError when the network fails.
 */
export async function api<T>(method: string, path: string, body?: unknown, key = getApiKey()): Promise<T> {
  const sessionKey = key !== null && key === getApiKey();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!response.ok) {
    const problem = (parsed as Problem | null) ?? { status: response.status, title: response.statusText };
    if (response.status === 401 && sessionKey) {
      clearApiKey();
      window.dispatchEvent(new Event(UNAUTHORIZED_EVENT));
    }
    throw new ApiError(response.status, problem);
  }
  return parsed as T;
}

/** The query string of the defined, non-empty values (`?a=1&b=x`), or ''. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') search.set(k, String(v));
  const s = search.toString();
  return s ? `?${s}` : '';
}

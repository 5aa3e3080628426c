/**
 * When and how long the client waits before trying a call again: answers 429 and 503 and calls
 * that got no answer are tried again, with exponential backoff and jitter, or after the answer's
 * `Retry-After`.
 */

/** How the client tries calls again. */
export interface RetryOptions {
  /** Tries in all, the first included (default 3; 1 = no retry). */
  attempts?: number;
  /** Wait before the second try, ms (default 200); it doubles for each further try. */
  initialDelayMs?: number;
  /**
   * Longest wait between two tries, ms (default 10 000). An answer whose `Retry-After` asks for
   * longer is not retried: its error is thrown.
   */
  maxDelayMs?: number;
  /** Random part of each backoff wait, 0 to 1 (default 0.2: the wait is 80 % to 100 % of its value). */
  jitter?: number;
}

/** {@link RetryOptions} with every default filled in. */
export type RetryPolicy = Required<RetryOptions>;

/** The defaults: 3 tries, 200 ms doubling, at most 10 s apart, 20 % jitter. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, initialDelayMs: 200, maxDelayMs: 10_000, jitter: 0.2 };

/** Statuses worth another try: rate limited, and unavailable (Temporal unreachable, or a restart). */
export const RETRY_STATUSES: readonly number[] = [429, 503];

/**
 * The policy of a client: the defaults, overridden by `options`; `false` means one try.
 * @throws RangeError when `attempts` is not a whole number of at least 1.
 */
export function retryPolicy(options: RetryOptions | false | undefined): RetryPolicy {
  if (options === false) return { ...DEFAULT_RETRY, attempts: 1 };
  const policy = { ...DEFAULT_RETRY, ...options };
  if (!Number.isInteger(policy.attempts) || policy.attempts < 1) {
    throw new RangeError('retry.attempts must be a whole number of at least 1');
  }
  return policy;
}

/**
 * `Retry-After` of an answer, in ms: delta-seconds or an HTTP date (RFC 9110 section 10.2.3).
 * @param nowMs the clock, epoch ms (for a date).
 * @returns null when absent or unreadable; 0 for a date already past.
 */
export function retryAfterMs(header: string | null, nowMs: number): number | null {
  if (header === null) return null;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs);
}

/**
 * The wait before try number `attempt + 1`, ms: `Retry-After` when the answer gave one, else
 * `initialDelayMs × 2^(attempt − 1)` less up to `jitter` of it, at most `maxDelayMs`.
 * @param attempt the try that just failed, 1-based.
 * @param retryAfter the answer's `Retry-After` in ms, or null.
 * @param random a number in [0, 1) (Math.random).
 * @returns the wait in ms, or null when the answer asks for longer than `maxDelayMs` (no retry).
 */
export function backoffMs(
  policy: RetryPolicy,
  attempt: number,
  retryAfter: number | null,
  random: number,
): number | null {
  if (retryAfter !== null) return retryAfter > policy.maxDelayMs ? null : retryAfter;
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (attempt - 1));
  return Math.round(base * (1 - policy.jitter * random));
}

/** Polling with a deadline, for tests: never a fixed sleep when a condition can be observed. */

/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** Give up after this long (default 30 s). */
  timeoutMs?: number;
  /** Pause between attempts (default 200 ms). */
  intervalMs?: number;
  /** What is awaited, for the timeout message. */
  what?: string;
}

/**
 * Calls `fn` until it returns a value other than `undefined`/`false` without throwing
 * (so `expect(...)` inside `fn` works: a failed expectation means "not yet").
 * @returns that value.
 * @throws {Error} after `timeoutMs`, with the last error or value seen.
 */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  { timeoutMs = 30_000, intervalMs = 200, what = 'condition' }: WaitForOptions = {},
): Promise<Exclude<T, undefined | false>> {
  const deadline = Date.now() + timeoutMs;
  let last: string = 'never attempted';
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined && value !== false) return value as Exclude<T, undefined | false>;
      last = `returned ${String(value)}`;
    } catch (err) {
      last = (err as Error).message ?? String(err);
    }
    if (Date.now() >= deadline) break;
    await sleep(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last attempt: ${last}`);
}

/** A plain pause: only for proving that something does NOT happen. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

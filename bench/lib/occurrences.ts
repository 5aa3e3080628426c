/**
 * Pure accounting of occurrences: which expected ones started (missed), which started more than
 * once (doubled), and the lag distribution. Unit-tested in test/unit/bench-stats.test.ts.
 */
import type { StartRecord } from './recorder';
import { type Distribution, distribution } from './stats';

/** What happened to a set of expected occurrences. */
export interface OccurrenceReport {
  /** Occurrences expected. */
  expected: number;
  /** Expected occurrences that started at least once. */
  started: number;
  /** Expected occurrences that never started. */
  missed: number;
  /** Expected occurrences that started more than once (any attempt). */
  doubled: number;
  /** Records whose key was not expected (e.g. outside the window); not in the figures. */
  unexpected: number;
  /** Lag of each expected occurrence's first start, ms (start − scheduled time). */
  lag: Distribution;
  /** Earliest and latest first start, epoch ms (NaN without starts). */
  firstStartMs: number;
  lastStartMs: number;
}

/**
 * Matches start records with expected occurrences.
 * @param expected scheduled time (epoch ms) of each expected occurrence by key.
 * @param records every start record (others are counted as `unexpected`).
 */
export function accountOccurrences(
  expected: ReadonlyMap<string, number>,
  records: readonly StartRecord[],
): OccurrenceReport {
  const firstStart = new Map<string, number>();
  const starts = new Map<string, number>();
  let unexpected = 0;
  for (const r of records) {
    if (!expected.has(r.key)) {
      unexpected++;
      continue;
    }
    starts.set(r.key, (starts.get(r.key) ?? 0) + 1);
    const first = firstStart.get(r.key);
    if (first === undefined || r.started_ms < first) firstStart.set(r.key, r.started_ms);
  }
  const lags: number[] = [];
  let firstStartMs = Number.POSITIVE_INFINITY;
  let lastStartMs = Number.NEGATIVE_INFINITY;
  for (const [key, started] of firstStart) {
    lags.push(started - (expected.get(key) as number));
    firstStartMs = Math.min(firstStartMs, started);
    lastStartMs = Math.max(lastStartMs, started);
  }
  let doubled = 0;
  for (const count of starts.values()) if (count > 1) doubled++;
  return {
    expected: expected.size,
    started: firstStart.size,
    missed: expected.size - firstStart.size,
    doubled,
    unexpected,
    lag: distribution(lags),
    firstStartMs: firstStart.size > 0 ? firstStartMs : Number.NaN,
    lastStartMs: firstStart.size > 0 ? lastStartMs : Number.NaN,
  };
}

/**
 * Occurrence times of a job spread `offsetS` seconds into every `periodS`-second period (periods
 * aligned to the epoch, so a 60 s period starts on the minute), in [fromMs, toMs).
 * @returns epoch ms, ascending.
 */
export function periodicTimes(offsetS: number, periodS: number, fromMs: number, toMs: number): number[] {
  const periodMs = periodS * 1000;
  const times: number[] = [];
  let t = Math.floor(fromMs / periodMs) * periodMs + offsetS * 1000;
  if (t < fromMs) t += periodMs;
  for (; t < toMs; t += periodMs) times.push(t);
  return times;
}

/**
 * The 6-field cron expression (seconds first) firing at second `offsetS` of every `periodS`-second
 * period of the minute; `periodS` must divide 60. `(7, 30)` → `7,37 * * * * *`.
 * @throws {RangeError} when periodS does not divide 60 or the offset is outside [0, periodS).
 */
export function spreadCron(offsetS: number, periodS: number): string {
  if (periodS <= 0 || 60 % periodS !== 0) throw new RangeError(`period ${periodS} s does not divide a minute`);
  if (!(offsetS >= 0 && offsetS < periodS)) throw new RangeError(`offset ${offsetS} s outside [0, ${periodS})`);
  const seconds: number[] = [];
  for (let s = offsetS; s < 60; s += periodS) seconds.push(s);
  return `${seconds.join(',')} * * * * *`;
}

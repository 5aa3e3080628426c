/**
 * Misfire (catch-up) policy: which of the occurrences a job missed run late, and which are skipped.
 * An occurrence is *missed* when the job handles it more than `catchup_window` after its scheduled
 * time (workers or the Temporal server were down), counting from the job's submission at the earliest
 * (an occurrence cannot be missed before the job existed: a `once` job submitted with a past time still
 * runs). Late occurrences within the window are not missed: they run, subject to the overlap policy.
 * Policies (like Temporal Schedules' catchup window, Quartz's misfire instructions):
 * - `skip`: none of the missed occurrences runs; the job goes on with the next one.
 * - `latest`: the most recent missed occurrence runs once; the older ones are skipped.
 * - `all`: every missed occurrence runs, one after the other, up to `max_catchup` (the most recent
 *   ones); older ones beyond the cap are skipped.
 * Pure and workflow-safe; instants are epoch milliseconds (UTC).
 */
import { parseDuration } from './duration';
import type { MisfirePolicy } from './job-spec';
import { nextOccurrence, occurrenceAtOrAfter, type ScheduleFields } from './schedule';

/** A run of consecutive occurrences: the oldest, the newest (epoch ms) and how many. */
export interface OccurrenceSpan {
  first: number;
  last: number;
  count: number;
}

/** Result of {@link walkOccurrencesBefore}. */
export interface OccurrenceWalk {
  /** Occurrences passed over (oldest first), null when none. */
  skipped: OccurrenceSpan | null;
  /** The newest `keep` occurrences seen (ascending), including those passed in as `kept`. */
  kept: number[];
  /** Where the walk stopped: the first occurrence not yet walked (null when the schedule ended). */
  next: number | null;
  /** False when the walk stopped at `limit` before reaching `beforeMs`: call again from `next`. */
  complete: boolean;
}

/** Occurrences one walk handles at most (croner takes ~0.1 ms per step; a workflow activation must stay short). */
export const WALK_LIMIT = 5_000;

/**
 * How many of the missed occurrences the policy runs (the most recent ones).
 * @param policy the job's `misfire_policy`.
 * @param maxCatchup the job's `max_catchup` (used by `all`).
 */
export function catchUpCount(policy: MisfirePolicy, maxCatchup: number): number {
  switch (policy) {
    case 'skip':
      return 0;
    case 'latest':
      return 1;
    case 'all':
      return maxCatchup;
  }
}

/**
 * The instant before which an occurrence counts as missed when handled at `nowMs`.
 * @param nowMs now, epoch ms.
 * @param catchupWindow the job's `catchup_window` duration string (e.g. `"1h"`).
 * @param createdAt the job's submission time, RFC 3339: nothing is missed before it.
 * @returns epoch ms; occurrences strictly before it are missed (`-Infinity`: none is).
 * @throws {RangeError} when `catchupWindow` is not a duration (validated at submit).
 */
export function missedBefore(nowMs: number, catchupWindow: string, createdAt: string): number {
  const cutoff = nowMs - parseDuration(catchupWindow);
  return Date.parse(createdAt) < cutoff ? cutoff : Number.NEGATIVE_INFINITY;
}

/**
 * Walks the schedule from occurrence `fromMs` over every occurrence strictly before `beforeMs`,
 * keeping the newest `keep` of them (to run) and passing over the older ones (to skip).
 * Used for misfires (`keep` from {@link catchUpCount}) and for occurrences that came due while
 * the job was paused (`keep` 0). Interval schedules are counted arithmetically; other schedules are
 * walked one occurrence at a time, at most `limit` per call.
 * @param spec schedule fields.
 * @param fromMs an occurrence of the schedule (the first one not yet handled), epoch ms.
 * @param beforeMs exclusive bound, epoch ms.
 * @param keep how many of the newest occurrences to keep (>= 0).
 * @param kept occurrences kept by the previous call of an unfinished walk (ascending), else `[]`.
 * @param limit most occurrences walked one by one in this call.
 */
export function walkOccurrencesBefore(
  spec: ScheduleFields,
  fromMs: number | null,
  beforeMs: number,
  keep: number,
  kept: readonly number[] = [],
  limit: number = WALK_LIMIT,
): OccurrenceWalk {
  const window = [...kept];
  let skipped: OccurrenceSpan | null = null;
  const pass = (ms: number, count = 1, lastMs = ms) => {
    skipped =
      skipped === null
        ? { first: ms, last: lastMs, count }
        : { ...skipped, last: lastMs, count: skipped.count + count };
  };
  const take = (ms: number) => {
    window.push(ms);
    if (window.length > keep) pass(window.shift() as number);
  };

  const bulk = fromMs === null ? null : intervalRun(spec, fromMs, beforeMs);
  if (bulk !== null && fromMs !== null && bulk.count > keep) {
    // The first (count - keep) occurrences are passed over; everything kept before them goes too.
    for (const ms of window.splice(0)) pass(ms);
    const passed = bulk.count - keep;
    pass(fromMs, passed, fromMs + (passed - 1) * bulk.every);
    for (let k = passed; k < bulk.count; k++) window.push(fromMs + k * bulk.every);
    return { skipped, kept: window, next: nextOccurrence(spec, bulk.last), complete: true };
  }

  let next = fromMs;
  for (let steps = 0; next !== null && next < beforeMs && steps < limit; steps++) {
    take(next);
    next = nextOccurrence(spec, next);
  }
  return { skipped, kept: window, next, complete: next === null || next >= beforeMs };
}

/**
 * An interval schedule's occurrences from `fromMs` strictly before `beforeMs`, counted arithmetically,
 * or null when that is not safe (not an interval, nothing to count, or the last one is not an
 * occurrence because the schedule ends earlier, e.g. at `end_at`: then the caller walks).
 */
function intervalRun(
  spec: ScheduleFields,
  fromMs: number,
  beforeMs: number,
): { count: number; last: number; every: number } | null {
  if (spec.frequency !== 'interval' || spec.every === undefined || fromMs >= beforeMs) return null;
  const every = parseDuration(spec.every);
  const count = Math.ceil((beforeMs - fromMs) / every);
  const last = fromMs + (count - 1) * every;
  return occurrenceAtOrAfter(spec, last) === last ? { count, last, every } : null;
}

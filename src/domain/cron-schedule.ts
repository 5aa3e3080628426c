/**
 * Cron expressions with Vixie cron / cronie semantics, including their clock-change
 * (DST) policy, on top of croner. Pure and workflow-safe (croner and Intl only).
 *
 * croner matches fields against a local wall-clock time; we let it do only that (it
 * runs on a "local time as if it were UTC" clock, so it never sees a clock change)
 * and map local times to instants ourselves with the zone's offset transitions
 * (./time-zone.ts), applying the policy of cronie's man page, section "Daylight
 * Saving Time and other time changes" (and Vixie cron's cron.c, which it describes):
 *
 * - A job is *wildcard* when its seconds, minute or hour field starts with `*`,
 *   otherwise *fixed-time* (`@hourly` = `0 * * * *` is wildcard, `@daily` is fixed-time).
 * - Clock jumps forward by d, 0 < d < 3 h: a fixed-time job whose local times in the
 *   skipped interval match runs once, at the transition instant; a wildcard job does
 *   not run for the skipped times.
 * - Clock jumps back by d, 0 < d < 3 h: a fixed-time job runs only on the first pass
 *   through the repeated local times; a wildcard job follows real time through both.
 * - Jumps of 3 h or more are clock corrections: every job follows real time (times
 *   skipped forward are not caught up; times repeated are run again).
 *
 * Day-of-month and day-of-week follow Vixie cron too: when either field starts with
 * `*` a day must match both, otherwise (both restricted) either one.
 */
import { Cron } from 'croner';
import { BoundedCache } from './bounded-cache';
import { nextTransition, type OffsetTransition, offsetAt, transitionsBetween } from './time-zone';

const SECOND_MS = 1_000;
/** Clock changes of this size or more are corrections, not DST (cronie: "more than 3 hours"; cron.c: < 3 h is DST). */
export const CLOCK_CORRECTION_MS = 3 * 3_600_000;

/**
 * More than any difference between two UTC offsets of one zone (offsets span -15:56 LMT to
 * +15:13 LMT in the tz database): see the skip in {@link cronOccurrenceAtOrAfter}.
 */
const SKIP_AHEAD_MS = 48 * 3_600_000;

/** A parsed cron expression. */
export interface CronSchedule {
  /** The expression as given (trimmed). */
  expression: string;
  /** The 6 fields (seconds first) after expanding a nickname and adding seconds `0` to 5 fields. */
  fields: readonly string[];
  /** Fixed-time (true) or wildcard (false) job, for the clock-change policy. */
  fixedTime: boolean;
  /** croner on a local-as-UTC clock. */
  local: Cron;
}

/** cronie's nicknames (crontab(5)); `@reboot` has no meaning for a scheduler and is refused. */
const NICKNAMES: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/**
 * Parsed crons by expression. A parse holds about 80 KB of heap (croner's table of 10,000 years),
 * so the cache keeps the 1,000 most recently used: at most about 80 MB per process.
 */
const cache = new BoundedCache<string, CronSchedule>(1_000);

/**
 * Parses a cron expression: 5 fields (minute hour day-of-month month day-of-week),
 * 6 fields (seconds first) or a nickname (`@yearly`, `@annually`, `@monthly`, `@weekly`,
 * `@daily`, `@midnight`, `@hourly`). Fields as in crontab(5) plus croner's `L`, `#` and `W`.
 * @param expression the cron expression.
 * @returns the parsed schedule (cached per expression).
 * @throws {RangeError} with the reason when the expression is not valid.
 */
export function parseCron(expression: string): CronSchedule {
  const trimmed = expression.trim();
  const cached = cache.get(trimmed);
  if (cached !== undefined) return cached;
  const expanded = trimmed.startsWith('@') ? NICKNAMES[trimmed.toLowerCase()] : trimmed;
  if (expanded === undefined) throw new RangeError(`unknown nickname "${trimmed}"`);
  const parts = expanded.split(/\s+/);
  if (parts.length !== 5 && parts.length !== 6) {
    throw new RangeError(`must have 5 or 6 fields (seconds first), found ${parts.length}`);
  }
  // croner reads "?" as "the current time": not deterministic, and not cron syntax.
  if (expanded.includes('?')) throw new RangeError('"?" is not supported; use "*"');
  const fields = parts.length === 5 ? ['0', ...parts] : parts;
  const [second, minute, hour, dayOfMonth, , dayOfWeek] = fields as [string, string, string, string, string, string];
  let local: Cron;
  try {
    local = new Cron(fields.join(' '), {
      utcOffset: 0,
      paused: true,
      mode: '6-part',
      // Vixie cron: a day matches both fields when either starts with "*"; croner ORs unless one is exactly "*".
      domAndDow: dayOfMonth.startsWith('*') || dayOfWeek.startsWith('*'),
    });
  } catch (err) {
    throw new RangeError(`is not a valid cron expression: ${(err as Error).message}`);
  }
  const fixedTime = ![second, minute, hour].some((field) => field.startsWith('*'));
  const schedule: CronSchedule = { expression: trimmed, fields, fixedTime, local };
  cache.set(trimmed, schedule);
  return schedule;
}

/** The first local time (local-as-UTC epoch ms) at or after `localMs` matching the fields, or null. */
function nextLocalMatch(cron: CronSchedule, localMs: number): number | null {
  // croner's nextRun(d) is the first whole-second match strictly after d.
  const next = cron.local.nextRun(new Date(localMs - 1));
  return next === null ? null : next.getTime();
}

/** A backward clock change (< 3 h) whose repeated local times `atMs` falls in, on the second pass. */
function secondPassOf(zone: string, atMs: number): OffsetTransition | undefined {
  return transitionsBetween(zone, atMs - CLOCK_CORRECTION_MS, atMs).find((t) => {
    const back = t.beforeMs - t.afterMs;
    return back > 0 && back < CLOCK_CORRECTION_MS && atMs < t.atMs + back;
  });
}

/**
 * True when `change` moves the clock forward by less than 3 h, the job is fixed-time, and one
 * of its times falls in the skipped local interval [change + before, change + after).
 */
function runsSkippedTimes(cron: CronSchedule, change: OffsetTransition): boolean {
  const forward = change.afterMs - change.beforeMs;
  if (!cron.fixedTime || forward <= 0 || forward >= CLOCK_CORRECTION_MS) return false;
  const skipped = nextLocalMatch(cron, change.atMs + change.beforeMs);
  return skipped !== null && skipped < change.atMs + change.afterMs;
}

/**
 * The first occurrence of a cron schedule at or after an instant, under the clock-change
 * policy described at the top of this module.
 * @param cron a parsed expression ({@link parseCron}).
 * @param zone IANA time zone the fields are read in (validated).
 * @param atMs epoch milliseconds (UTC).
 * @returns epoch milliseconds (a whole second), or null when the expression never fires again
 *   (croner searches local times up to the end of the year 2999).
 * @throws {RangeError} when Intl does not know the zone.
 */
export function cronOccurrenceAtOrAfter(cron: CronSchedule, zone: string, atMs: number): number | null {
  let from = Math.ceil(atMs / SECOND_MS) * SECOND_MS;
  // Each pass moves `from` to the next clock change or close to the candidate.
  for (;;) {
    if (cron.fixedTime) {
      const back = secondPassOf(zone, from);
      // Fixed-time jobs skip the second pass: local times before the change's old wall clock are repeats.
      if (back !== undefined) from = back.atMs + (back.beforeMs - back.afterMs);
    }
    // The clock jumps forward at `from` itself: skipped fixed times run now (as for a later change below).
    const [jump] = transitionsBetween(zone, from - 1, from);
    if (jump !== undefined && runsSkippedTimes(cron, jump)) return from;
    const offset = offsetAt(zone, from);
    const local = nextLocalMatch(cron, from + offset);
    if (local === null) return null;
    const candidate = local - offset;
    const horizon = Math.min(candidate, from + SKIP_AHEAD_MS);
    const change = nextTransition(zone, from, horizon);
    if (change === null) {
      if (candidate === horizon) return candidate;
      // No change within SKIP_AHEAD_MS of `from`, and the candidate lies beyond. After that long the
      // local clock is past local(from) whatever the offsets did, and before candidate - SKIP_AHEAD_MS
      // it is short of the candidate's local time, so nothing in between can match (nor be a
      // skipped match of a clock change): resume just before the candidate. Keeps a rare
      // expression (29 February on a Sunday) from walking every clock change of 28 years.
      from = candidate - SKIP_AHEAD_MS;
      continue;
    }
    // The offset changes before the candidate: the candidate is not valid; look at the change.
    if (runsSkippedTimes(cron, change)) return change.atMs;
    from = change.atMs;
  }
}

/**
 * Schedule math: when does a job fire? Pure and workflow-safe (croner uses
 * only Intl, no Node APIs). All instants are epoch milliseconds (UTC);
 * wall-clock rules (daily, cron) are evaluated in the job's IANA time zone.
 * Resolution: one second.
 */
import { BoundedCache } from './bounded-cache';
import { cronOccurrenceAtOrAfter, parseCron } from './cron-schedule';
import { parseDuration } from './duration';

/** The fields of a job spec that define its schedule. */
export interface ScheduleFields {
  frequency: 'once' | 'daily' | 'weekly' | 'cron' | 'interval';
  /** `weekly`: local days it runs on (default: the weekday of `execution_time`). */
  days_of_week?: readonly ('mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun')[] | undefined;
  start_at?: string | undefined;
  end_at?: string | undefined;
  /** RFC 3339; required for once and daily, the start for cron, the anchor for interval. */
  execution_time?: string | undefined;
  cron?: string | undefined;
  every?: string | undefined;
  timezone: string;
  /** RFC 3339 submission time: the anchor of `interval` when `execution_time` is absent. */
  created_at: string;
}

/**
 * Zones {@link isTimeZone} found valid, the 1,000 most recently used: the runtime's IANA data has a
 * few hundred, but Intl also accepts their spellings in any letter case.
 */
const knownZones = new BoundedCache<string, true>(1_000);

/**
 * True when `zone` is an IANA time zone name known to this runtime's Intl data. Valid names are
 * remembered (building an Intl.DateTimeFormat costs about 0.3 ms); invalid ones are not, so
 * arbitrary input cannot grow the memory.
 */
export function isTimeZone(zone: string): boolean {
  if (knownZones.get(zone) === true) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    return false;
  }
  if (zone.length === 0) return false;
  knownZones.set(zone, true);
  return true;
}

/**
 * Checks a cron expression: 5 fields (minute first), 6 fields (second first),
 * or a nickname (`@yearly`, `@monthly`, `@weekly`, `@daily`, `@hourly`); see ./cron-schedule.ts.
 * @returns true, or the reason the expression is refused (also when it never fires).
 */
export function isCronExpression(expression: string, timezone: string): true | string {
  try {
    const cron = parseCron(expression);
    if (cronOccurrenceAtOrAfter(cron, timezone, 0) === null) return 'never fires';
    return true;
  } catch (err) {
    return (err as Error).message;
  }
}

/** The cron pattern of a `daily` job: the time of day of `execution_time` in `timezone`. */
export function dailyPattern(executionTime: string, timezone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    hourCycle: 'h23',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(executionTime));
  const field = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return `${field('second')} ${field('minute')} ${field('hour')} * * *`;
}

const CRON_WEEKDAY = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } as const;

/**
 * The cron pattern of a `weekly` job: the local time of day of `execution_time` on `days`
 * (default: the local weekday of `execution_time`) in `timezone`.
 */
export function weeklyPattern(executionTime: string, timezone: string, days?: ScheduleFields['days_of_week']): string {
  const weekday = new Intl.DateTimeFormat('en-US', { timeZone: timezone, weekday: 'short' })
    .format(new Date(executionTime))
    .toLowerCase() as keyof typeof CRON_WEEKDAY;
  const list = [...new Set((days ?? [weekday]).map((d) => CRON_WEEKDAY[d]))].sort((a, b) => a - b);
  return `${dailyPattern(executionTime, timezone).replace(/ \*$/, '')} ${list.join(',')}`;
}

/** Cron patterns of daily and weekly schedules by their fields: the 10,000 most recently used. */
const patterns = new BoundedCache<string, string>(10_000);

/**
 * The cron pattern of a `daily`, `weekly` or `cron` schedule (daily and weekly are crons at a
 * time of day). Memoised: building Intl formatters per occurrence would dominate the walk.
 */
function cronPattern(spec: ScheduleFields): string {
  if (spec.frequency === 'cron') return spec.cron as string;
  const key = `${spec.frequency}|${spec.execution_time}|${spec.timezone}|${spec.days_of_week?.join(',')}`;
  let pattern = patterns.get(key);
  if (pattern === undefined) {
    pattern =
      spec.frequency === 'weekly'
        ? weeklyPattern(spec.execution_time as string, spec.timezone, spec.days_of_week)
        : dailyPattern(spec.execution_time as string, spec.timezone);
    patterns.set(key, pattern);
  }
  return pattern;
}

/** No occurrence after 9999-12-31T23:59:59Z: RFC 3339 has four-digit years (croner stops there too). */
export const LAST_OCCURRENCE_MS = Date.UTC(9999, 11, 31, 23, 59, 59);

/**
 * The first occurrence of the job's schedule at or after `atMs`, within [`start_at`, `end_at`].
 * `daily`, `weekly` and `cron` schedules follow the clock-change (DST) policy of Vixie cron /
 * cronie (see ./cron-schedule.ts); `interval` is a fixed rate in real time, `once` one instant.
 * @param spec the schedule fields (see {@link ScheduleFields}).
 * @param atMs epoch milliseconds.
 * @returns epoch milliseconds, or null when the schedule has no occurrence at or after `atMs`
 *   (a `once` job after its time, a cron that never fires again, past `end_at`).
 * @throws {RangeError} on an invalid duration, cron expression or time zone (validated at submit).
 */
export function occurrenceAtOrAfter(spec: ScheduleFields, atMs: number): number | null {
  const from = spec.start_at === undefined ? atMs : Math.max(atMs, Date.parse(spec.start_at));
  const next = unboundedOccurrenceAtOrAfter(spec, from);
  const end = spec.end_at === undefined ? LAST_OCCURRENCE_MS : Math.min(Date.parse(spec.end_at), LAST_OCCURRENCE_MS);
  return next === null || next > end ? null : next;
}

function unboundedOccurrenceAtOrAfter(spec: ScheduleFields, atMs: number): number | null {
  switch (spec.frequency) {
    case 'once': {
      const at = Date.parse(spec.execution_time as string);
      return at >= atMs ? at : null;
    }
    case 'interval': {
      const every = parseDuration(spec.every as string);
      const anchor = intervalAnchor(spec);
      if (atMs <= anchor) return anchor;
      return anchor + Math.ceil((atMs - anchor) / every) * every;
    }
    case 'daily':
    case 'weekly':
    case 'cron':
      return cronOccurrenceAtOrAfter(parseCron(cronPattern(spec)), spec.timezone, atMs);
  }
}

/** Anchor of an `interval` schedule, epoch ms: `execution_time`, else the submission time, in whole seconds. */
function intervalAnchor(spec: ScheduleFields): number {
  return Math.floor(Date.parse(spec.execution_time ?? spec.created_at) / 1000) * 1000;
}

/**
 * First occurrence of a new job, epoch ms (UTC), or null if it never fires: the first
 * occurrence at or after both the submission time and `execution_time`.
 * A `once` job whose `execution_time` has passed fires at that (past) time, i.e. at once,
 * unless it lies outside [`start_at`, `end_at`].
 */
export function firstOccurrence(spec: ScheduleFields): number | null {
  if (spec.frequency === 'once') {
    // A past execution_time still runs (at once), unless start_at/end_at exclude it.
    const at = Date.parse(spec.execution_time as string);
    return occurrenceAtOrAfter(spec, Math.min(at, Date.parse(spec.created_at))) === at ? at : null;
  }
  // An interval job without execution_time runs now: at its anchor, the submission second.
  const createdMs = Date.parse(spec.created_at);
  const created = spec.frequency === 'interval' ? Math.floor(createdMs / 1000) * 1000 : createdMs;
  const start = spec.execution_time === undefined ? created : Math.max(created, Date.parse(spec.execution_time));
  return occurrenceAtOrAfter(spec, start);
}

/**
 * The occurrence that follows `scheduledMs`, epoch milliseconds, or null when there is none.
 * Fixed rate: the next occurrence depends only on the schedule, never on how long a run took.
 */
export function nextOccurrence(spec: ScheduleFields, scheduledMs: number): number | null {
  return occurrenceAtOrAfter(spec, scheduledMs + 1);
}

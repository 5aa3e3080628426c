/**
 * Clock changes (daylight saving time) around the run times of a schedule, in the job's zone: a
 * run whose UTC offset differs from the previous run's (the clocks changed in between, so a run
 * may move off its usual local time, e.g. 02:30 that does not exist on the day clocks go forward),
 * and a run whose local time happens twice (the hour repeated when clocks go back). Offsets come
 * from Intl.DateTimeFormat (`timeZoneName: 'shortOffset'`). Pure: unit-tested in
 * test/unit/console-lib.test.ts.
 */
import { formatTime } from './format';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** How far back from the first run a clock change still gets a note. */
const FIRST_RUN_LOOKBACK_MS = DAY;
/** Clock changes move the offset by at most this much (Lord Howe: 30 min; most zones: 1 h). */
const MAX_SHIFT_MS = 3 * HOUR;

const offsetFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * The UTC offset of `timeZone` at the instant `ms`, in minutes east of UTC (Berlin in summer: 120).
 * @throws RangeError for an unknown time zone (Intl).
 */
export function utcOffsetMinutes(ms: number, timeZone: string): number {
  let format = offsetFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'shortOffset' });
    offsetFormats.set(timeZone, format);
  }
  const name = format.formatToParts(new Date(ms)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const match = name.match(/^(?:GMT|UTC)(?:([+-])(\d{1,2})(?::?(\d{2}))?)?$/);
  if (!match?.[1]) return 0;
  const minutes = Number(match[2]) * 60 + Number(match[3] ?? 0);
  return match[1] === '-' ? -minutes : minutes;
}

/** `UTC+2`, `UTC-4`, `UTC+5:30`, `UTC`. */
export function formatOffset(minutes: number): string {
  if (minutes === 0) return 'UTC';
  const abs = Math.abs(minutes);
  const rest = abs % 60;
  return `UTC${minutes < 0 ? '-' : '+'}${Math.floor(abs / 60)}${rest ? `:${String(rest).padStart(2, '0')}` : ''}`;
}

/**
 * The zone's short name at an instant as people know it (`CEST`, `EDT`, `BST`), or its offset
 * (`UTC+5:30`) where there is no common abbreviation.
 */
export function zoneAbbreviation(ms: number, timeZone: string): string {
  for (const locale of ['en-US', 'en-GB']) {
    const name = new Intl.DateTimeFormat(locale, { timeZone, timeZoneName: 'short' })
      .formatToParts(new Date(ms))
      .find((p) => p.type === 'timeZoneName')?.value;
    if (name && !/^(GMT|UTC)([+-]|$)/.test(name)) return name;
  }
  return formatOffset(utcOffsetMinutes(ms, timeZone));
}

/** The first instant in (`from`, `to`] whose offset is not `from`'s (to the minute), by bisection. */
function changeBetween(from: number, to: number, timeZone: string): number {
  const before = utcOffsetMinutes(from, timeZone);
  let lo = from;
  let hi = to;
  while (hi - lo > MINUTE) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (utcOffsetMinutes(mid, timeZone) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** Local `HH:MM` (with `:SS` when not zero) of an instant in a zone. */
function localClock(ms: number, timeZone: string): string {
  const time = formatTime(new Date(ms).toISOString(), timeZone).slice(11);
  return time.endsWith(':00') ? time.slice(0, 5) : time;
}

/** Local `YYYY-MM-DD` of an instant in a zone. */
function localDate(ms: number, timeZone: string): string {
  return formatTime(new Date(ms).toISOString(), timeZone).slice(0, 10);
}

/**
 * The other instant whose local wall time in the zone equals `ms`'s, when the clocks went back
 * around it (the repeated hour), else null.
 */
function twinInstant(ms: number, timeZone: string): number | null {
  const here = utcOffsetMinutes(ms, timeZone);
  for (const probe of [ms - MAX_SHIFT_MS, ms + MAX_SHIFT_MS]) {
    const other = utcOffsetMinutes(probe, timeZone);
    if (other === here) continue;
    // Same wall time under the other offset: local = ms + here = twin + other.
    const twin = ms + (here - other) * MINUTE;
    if (twin !== ms && utcOffsetMinutes(twin, timeZone) === other) return twin;
  }
  return null;
}

/**
 * A short note for each run time that a clock change affects, or null:
 * - its UTC offset differs from the previous run's (for the first run: from the offset a day
 *   before it): `Clocks change on 2027-03-28: this run is at 03:30 CEST`;
 * - its local time happens twice that day (clocks go back):
 *   `02:30 happens twice on 2027-10-31 (clocks go back): this run is the first, at 02:30 CEST`.
 * @param runTimes ISO-8601 instants, ascending (as `POST /schedules/preview` answers).
 * @param timeZone the IANA zone the schedule is read in.
 * @returns one entry per run time, in order; all null for UTC, an unknown zone or unreadable times.
 */
export function clockChangeNotes(runTimes: readonly string[], timeZone: string): (string | null)[] {
  const none = runTimes.map(() => null);
  try {
    utcOffsetMinutes(0, timeZone);
  } catch {
    return none;
  }
  let previous: number | null = null;
  return runTimes.map((iso) => {
    const ms = Date.parse(iso);
    if (Number.isNaN(ms)) return null;
    const from = previous ?? ms - FIRST_RUN_LOOKBACK_MS;
    previous = ms;
    const notes: string[] = [];
    const offset = utcOffsetMinutes(ms, timeZone);
    const at = `${localClock(ms, timeZone)} ${zoneAbbreviation(ms, timeZone)}`;
    if (from < ms && utcOffsetMinutes(from, timeZone) !== offset) {
      const change = changeBetween(from, ms, timeZone);
      notes.push(`Clocks change on ${localDate(change, timeZone)}: this run is at ${at}`);
    }
    const twin = twinInstant(ms, timeZone);
    if (twin !== null) {
      notes.push(
        `${localClock(ms, timeZone)} happens twice on ${localDate(ms, timeZone)} (clocks go back): this run is the ${
          twin > ms ? 'first' : 'second'
        }, at ${at}`,
      );
    }
    return notes.length > 0 ? notes.join('. ') : null;
  });
}

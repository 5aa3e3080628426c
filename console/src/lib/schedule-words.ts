/**
 * A job's schedule in words, e.g. `at 02:00 every day, Asia/Shanghai`, `every 2 seconds, UTC`,
 * `every 10m`. Cron expressions are described by cronstrue (24-hour clock); the zone the schedule
 * is read in follows after a comma. Pure: unit-tested in test/unit/console-lib.test.ts.
 */
import { toString as cronToString } from 'cronstrue';
import { formatTime } from './format';

/** The schedule fields of a job spec (or of the form), as the API names them. */
export interface ScheduleLike {
  frequency: string;
  /** RFC 3339 with a zone. */
  execution_time?: string | undefined;
  cron?: string | undefined;
  every?: string | undefined;
  days_of_week?: readonly string[] | undefined;
  /** IANA zone; default UTC. */
  timezone?: string | undefined;
}

const NICKNAMES: Record<string, string> = {
  '@yearly': 'at 00:00 on 1 January',
  '@annually': 'at 00:00 on 1 January',
  '@monthly': 'at 00:00 on day 1 of the month',
  '@weekly': 'at 00:00 on Sunday',
  '@daily': 'at 00:00 every day',
  '@midnight': 'at 00:00 every day',
  '@hourly': 'every hour, at minute 0',
};

const DAY_NAMES: Record<string, string> = {
  mon: 'Mon',
  tue: 'Tue',
  wed: 'Wed',
  thu: 'Thu',
  fri: 'Fri',
  sat: 'Sat',
  sun: 'Sun',
};

/**
 * Local wall-clock time of day of an instant in a zone: `02:00`, or `02:00:30` with seconds.
 * @returns null when the instant or the zone is invalid.
 */
export function localTimeOfDay(iso: string, timeZone: string): string | null {
  try {
    const full = formatTime(iso, timeZone); // YYYY-MM-DD HH:MM:SS
    if (!/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(full)) return null;
    const time = full.slice(11);
    return time.endsWith(':00') ? time.slice(0, 5) : time;
  } catch {
    return null;
  }
}

/** Local weekday (`mon` … `sun`) of an instant in a zone, or null. */
export function localWeekday(iso: string, timeZone: string): string | null {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return null;
  try {
    const day = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short' }).format(new Date(ms));
    return day.slice(0, 3).toLowerCase();
  } catch {
    return null;
  }
}

/** A cron expression in words (cronstrue, 24-hour clock), first letter lower case; null when unreadable. */
export function cronInWords(expression: string): string | null {
  const trimmed = expression.trim();
  const nickname = NICKNAMES[trimmed.toLowerCase()];
  if (nickname) return nickname;
  try {
    const text = cronToString(trimmed, { use24HourTimeFormat: true, throwExceptionOnParseError: true });
    return text.charAt(0).toLowerCase() + text.slice(1);
  } catch {
    return null;
  }
}

/**
 * The schedule in words. Never throws: incomplete or invalid fields give a plain fallback
 * (`cron <expression>`, `daily (no time set)`).
 */
export function describeSchedule(schedule: ScheduleLike): string {
  const zone = schedule.timezone || 'UTC';
  const time = schedule.execution_time ? localTimeOfDay(schedule.execution_time, zone) : null;
  switch (schedule.frequency) {
    case 'once':
      return schedule.execution_time
        ? `once at ${safeFormat(schedule.execution_time, zone)}, ${zone}`
        : 'once (no time set)';
    case 'daily':
      return time ? `at ${time} every day, ${zone}` : 'daily (no time set)';
    case 'weekly': {
      if (!time || !schedule.execution_time) return 'weekly (no time set)';
      const days = schedule.days_of_week?.length
        ? schedule.days_of_week
        : [localWeekday(schedule.execution_time, zone) ?? ''];
      return `at ${time} on ${days.map((d) => DAY_NAMES[d] ?? d).join(', ')}, ${zone}`;
    }
    case 'cron': {
      if (!schedule.cron) return 'cron (no expression)';
      const words = cronInWords(schedule.cron);
      return words ? `${words}, ${zone}` : `cron ${schedule.cron}, ${zone}`;
    }
    case 'interval':
      return schedule.every ? `every ${schedule.every}` : 'interval (no period set)';
    default:
      return schedule.frequency;
  }
}

function safeFormat(iso: string, zone: string): string {
  try {
    return formatTime(iso, zone).slice(0, 16);
  } catch {
    return iso;
  }
}

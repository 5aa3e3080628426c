/**
 * Display formats of the console: times are shown in UTC or in a job's IANA zone, durations in
 * ms / s / min. Pure functions (no DOM), unit-tested in test/unit/console-lib.test.ts.
 */

/**
 * A UTC RFC 3339 instant as `YYYY-MM-DD HH:MM:SS` in `timeZone` (default UTC), 24-hour clock.
 * @returns `—` for null/undefined, the input itself when it is not a date.
 * @throws RangeError for an unknown time zone (Intl).
 */
export function formatTime(iso: string | null | undefined, timeZone = 'UTC'): string {
  if (iso === null || iso === undefined) return '—';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(ms));
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}:${part('second')}`;
}

/** True when `timeZone` is an IANA zone this browser knows. */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/**
 * A duration in milliseconds, short: `850 ms`, `2.4 s`, `3 min 5 s`, `2 h 10 min`.
 * @returns `—` for null or a negative value.
 */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || ms < 0 || Number.isNaN(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  if (ms < 3_600_000) {
    const s = Math.round((ms % 60_000) / 1000);
    return `${Math.floor(ms / 60_000)} min${s ? ` ${s} s` : ''}`;
  }
  const min = Math.round((ms % 3_600_000) / 60_000);
  return `${Math.floor(ms / 3_600_000)} h${min ? ` ${min} min` : ''}`;
}

/**
 * Milliseconds between two RFC 3339 instants (`to - from`).
 * @returns null when either is missing or not a date.
 */
export function between(from: string | null | undefined, to: string | null | undefined): number | null {
  if (!from || !to) return null;
  const a = Date.parse(from);
  const b = Date.parse(to);
  return Number.isNaN(a) || Number.isNaN(b) ? null : b - a;
}

/**
 * How far an instant is from `nowMs`, in words: `in 5 s`, `3 min ago`, `now`.
 * @returns `—` for null or a non-date.
 */
export function relativeTime(iso: string | null | undefined, nowMs: number): string {
  const ms = iso ? Date.parse(iso) : Number.NaN;
  if (Number.isNaN(ms)) return '—';
  const delta = ms - nowMs;
  if (Math.abs(delta) < 1000) return 'now';
  const text = formatDuration(Math.abs(delta));
  return delta > 0 ? `in ${text}` : `${text} ago`;
}

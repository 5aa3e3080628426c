/**
 * An independent oracle for cron schedules under Vixie cron / cronie's clock-change policy:
 * its own parser of the crontab(5) field syntax, its own UTC offsets straight from Intl
 * (`timeZoneName: 'longOffset'`), and a brute-force walk over real time minute by minute.
 * It shares no code with src/domain (no croner, no transition table), so the property tests
 * compare two implementations of the same rules:
 *
 * - local minute L at real instant s matches the fields → an occurrence at s + each second,
 *   except for a fixed-time job when L was already seen less than 3 h of real time earlier
 *   (the clock went back by less than 3 h: second pass);
 * - the local clock jumps from P to L > P + 1 min by less than 3 h → a fixed-time job runs
 *   once at s if any skipped local minute (P, L) matches.
 *
 * Supported syntax: `*`, numbers, `a-b`, steps on `*` and ranges, lists, month and weekday
 * names, weekday 7 = Sunday, the nicknames. Not `L`, `#`, `W` (fixed vectors test those).
 */

const MINUTE = 60_000;
const HOUR = 3_600_000;
const CORRECTION = 3 * HOUR;

interface Fields {
  seconds: number[];
  minutes: Set<number>;
  hours: Set<number>;
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
  /** Vixie's DOM_STAR / DOW_STAR: the field starts with `*`. */
  dayStar: boolean;
  weekdayStar: boolean;
  fixedTime: boolean;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const NICKNAMES: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

function value(text: string, names: string[] | undefined, base: number): number {
  const index = names?.indexOf(text.toLowerCase()) ?? -1;
  if (index >= 0) return index + base;
  if (!/^\d+$/.test(text)) throw new Error(`oracle: bad value ${text}`);
  return Number(text);
}

function field(text: string, min: number, max: number, names?: string[], base = 0): Set<number> {
  const out = new Set<number>();
  for (const item of text.split(',')) {
    const [range, stepText] = item.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    let lo: number;
    let hi: number;
    if (range === '*') {
      lo = min;
      hi = max;
    } else if (range.includes('-')) {
      const [a, b] = range.split('-') as [string, string];
      lo = value(a, names, base);
      hi = value(b, names, base);
    } else {
      lo = value(range, names, base);
      hi = stepText === undefined ? lo : max;
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

/** Parses an expression (5 or 6 fields or a nickname) the way crontab(5) describes. */
export function parseOracle(expression: string): Fields {
  const text = expression.trim();
  const parts = (NICKNAMES[text.toLowerCase()] ?? text).split(/\s+/);
  const [sec, min, hour, dom, month, dow] = (parts.length === 5 ? ['0', ...parts] : parts) as string[] as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const weekdays = field(dow, 0, 7, DAYS);
  if (weekdays.has(7)) weekdays.add(0);
  return {
    seconds: [...field(sec, 0, 59)].sort((a, b) => a - b),
    minutes: field(min, 0, 59),
    hours: field(hour, 0, 23),
    days: field(dom, 1, 31),
    months: field(month, 1, 12, MONTHS, 1),
    weekdays,
    dayStar: dom.startsWith('*'),
    weekdayStar: dow.startsWith('*'),
    fixedTime: ![sec, min, hour].some((f) => f.startsWith('*')),
  };
}

/** Does local minute `localMs` (local time written as UTC epoch ms) match all fields but seconds? */
function matchesMinute(f: Fields, localMs: number): boolean {
  const minutes = Math.floor(localMs / MINUTE);
  if (!f.minutes.has(((minutes % 60) + 60) % 60)) return false;
  const d = new Date(localMs);
  if (!f.minutes.has(d.getUTCMinutes()) || !f.hours.has(d.getUTCHours()) || !f.months.has(d.getUTCMonth() + 1)) {
    return false;
  }
  const day = f.days.has(d.getUTCDate());
  const weekday = f.weekdays.has(d.getUTCDay());
  return f.dayStar || f.weekdayStar ? day && weekday : day || weekday;
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();
const offsetCache = new Map<string, Map<number, number>>();

/** UTC offset (ms) of `zone` at `instantMs`, read from Intl's "GMT+05:45" text. */
function intlOffset(zone: string, instantMs: number): number {
  let formatter = offsetFormatters.get(zone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    offsetFormatters.set(zone, formatter);
  }
  const name = formatter.formatToParts(new Date(instantMs)).find((p) => p.type === 'timeZoneName')?.value;
  const match = /^GMT(?:([+-−])(\d\d):(\d\d))?$/.exec(name ?? '');
  if (match === null) throw new Error(`oracle: cannot read offset "${name}"`);
  const sign = match[1] === '+' ? 1 : -1;
  return match[1] === undefined ? 0 : sign * (Number(match[2]) * HOUR + Number(match[3]) * MINUTE);
}

function cached(zone: string, key: number, compute: () => number): number {
  let byKey = offsetCache.get(zone);
  if (byKey === undefined) {
    byKey = new Map();
    offsetCache.set(zone, byKey);
  }
  let offset = byKey.get(key);
  if (offset === undefined) {
    offset = compute();
    byKey.set(key, offset);
  }
  return offset;
}

/**
 * UTC offset (ms) of `zone` at minute `atMs`: from the quarter-hour buckets around it, and minute
 * by minute inside a bucket whose two ends differ (a change not on a quarter hour, e.g.
 * St. John's at 00:01 local until 2011). Assumes at most one change per quarter hour.
 */
let last = { zone: '', bucket: Number.NaN, offset: 0 };

export function oracleOffset(zone: string, atMs: number): number {
  const QUARTER = 15 * MINUTE;
  const bucket = Math.floor(atMs / QUARTER);
  if (zone === last.zone && bucket === last.bucket) return last.offset;
  const start = cached(zone, bucket * QUARTER, () => intlOffset(zone, bucket * QUARTER));
  const end = cached(zone, (bucket + 1) * QUARTER, () => intlOffset(zone, (bucket + 1) * QUARTER));
  if (start === end) {
    last = { zone, bucket, offset: start };
    return start;
  }
  const minute = Math.floor(atMs / MINUTE) * MINUTE;
  return cached(zone, minute, () => intlOffset(zone, minute));
}

/**
 * The occurrences in [atMs, atMs + horizonMs], ascending, at most `max`, by brute force.
 * Offsets are assumed to be whole minutes (true for the tested zones since 1970).
 */
export function oracleOccurrences(
  expression: string,
  zone: string,
  atMs: number,
  horizonMs: number,
  max: number,
): number[] {
  const f = parseOracle(expression);
  const out: number[] = [];
  const push = (instant: number) => {
    if (instant >= atMs && instant <= atMs + horizonMs && out.at(-1) !== instant && out.length < max) out.push(instant);
  };
  const firstMinute = Math.floor(atMs / MINUTE) * MINUTE;
  // Start 3 h earlier to know which local minutes were already seen (second-pass rule).
  const firstSeen = new Map<number, number>();
  const seenOrder: number[] = [];
  let previousLocal: number | undefined;
  for (let s = firstMinute - CORRECTION; s <= atMs + horizonMs && out.length < max; s += MINUTE) {
    const local = s + oracleOffset(zone, s);
    if (f.fixedTime && previousLocal !== undefined && local - previousLocal > MINUTE) {
      // The clock jumped forward by `jump`: a fixed-time job whose skipped minute matches runs now, once.
      const jump = local - previousLocal - MINUTE;
      let skippedMatch = false;
      for (let m = previousLocal + MINUTE; jump < CORRECTION && m < local && !skippedMatch; m += MINUTE) {
        skippedMatch = matchesMinute(f, m);
      }
      if (skippedMatch) push(s);
    }
    const seenAt = firstSeen.get(local);
    if (seenAt === undefined) {
      firstSeen.set(local, s);
      seenOrder.push(local);
    }
    // Forget local minutes first seen 3 h or more ago (they no longer make a second pass).
    while (seenOrder.length > 0 && (firstSeen.get(seenOrder[0] as number) as number) <= s - CORRECTION) {
      firstSeen.delete(seenOrder.shift() as number);
    }
    const secondPass = seenAt !== undefined && s - seenAt < CORRECTION;
    if (matchesMinute(f, local) && !(f.fixedTime && secondPass)) {
      for (const second of f.seconds) push(s + second * 1000);
    }
    previousLocal = local;
  }
  return out;
}

/**
 * UTC offsets of IANA time zones and the instants where they change (DST and
 * other clock changes), read from the runtime's Intl time zone data only, so it
 * is workflow-safe (no Node APIs) and deterministic for a given tz database.
 *
 * Transitions are found per UTC calendar year by sampling the offset once a day
 * and bisecting each change to the second, then cached: the first lookup in a
 * zone-year costs ~370 Intl calls, later ones a few array reads. Limitation: two
 * changes less than a day apart that cancel out are not seen (none in the tz
 * database since 1970).
 */

import { BoundedCache } from './bounded-cache';

const SECOND_MS = 1_000;
const SAMPLE_MS = 86_400_000;

/** One change of a zone's UTC offset. Offsets are local minus UTC, in milliseconds. */
export interface OffsetTransition {
  /** First instant (epoch ms, whole second) with the new offset. */
  atMs: number;
  /** Offset before `atMs`, ms. */
  beforeMs: number;
  /** Offset from `atMs` on, ms. */
  afterMs: number;
}

interface YearTable {
  /** Offset at the first instant of the UTC year. */
  startOffsetMs: number;
  /** Transitions with `atMs` in (start of the year, start of the next year], ascending. */
  transitions: OffsetTransition[];
}

/** Intl formatters by zone: the 1,000 most recently used (the tz database has about 600 zones). */
const formatters = new BoundedCache<string, Intl.DateTimeFormat>(1_000);
/** Offset tables by `<zone>|<UTC year>`: the 10,000 most recently used, a few hundred bytes each. */
const tables = new BoundedCache<string, YearTable>(10_000);

function formatterOf(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/**
 * The UTC offset of `zone` at an instant, straight from Intl (uncached).
 * @param zone IANA time zone name.
 * @param atMs epoch milliseconds (truncated to the second).
 * @returns local time minus UTC, milliseconds (e.g. 3_600_000 for CET).
 * @throws {RangeError} when Intl does not know the zone.
 */
export function intlOffsetMs(zone: string, atMs: number): number {
  const instant = Math.floor(atMs / SECOND_MS) * SECOND_MS;
  const field = { year: 0, month: 1, day: 1, hour: 0, minute: 0, second: 0 };
  for (const part of formatterOf(zone).formatToParts(new Date(instant))) {
    if (part.type in field) field[part.type as keyof typeof field] = Number(part.value);
  }
  const date = new Date(0);
  date.setUTCFullYear(field.year, field.month - 1, field.day);
  date.setUTCHours(field.hour, field.minute, field.second, 0);
  return date.getTime() - instant;
}

function yearStart(year: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, 0, 1);
  return date.getTime();
}

function yearTable(zone: string, year: number): YearTable {
  const key = `${zone}|${year}`;
  const cached = tables.get(key);
  if (cached !== undefined) return cached;
  const start = yearStart(year);
  const end = yearStart(year + 1);
  const table: YearTable = { startOffsetMs: intlOffsetMs(zone, start), transitions: [] };
  let from = start;
  let fromOffset = table.startOffsetMs;
  while (from < end) {
    const to = Math.min(from + SAMPLE_MS, end);
    const toOffset = intlOffsetMs(zone, to);
    if (toOffset === fromOffset) {
      from = to;
      continue;
    }
    // Bisect (from, to] to the first second whose offset differs from fromOffset.
    let lo = from;
    let hi = to;
    while (hi - lo > SECOND_MS) {
      const mid = lo + Math.floor((hi - lo) / 2 / SECOND_MS) * SECOND_MS;
      if (intlOffsetMs(zone, mid) === fromOffset) lo = mid;
      else hi = mid;
    }
    const afterMs = intlOffsetMs(zone, hi);
    table.transitions.push({ atMs: hi, beforeMs: fromOffset, afterMs });
    from = hi;
    fromOffset = afterMs;
  }
  tables.set(key, table);
  return table;
}

function utcYear(atMs: number): number {
  return new Date(atMs).getUTCFullYear();
}

/**
 * The UTC offset of `zone` at an instant (cached transition table).
 * @param zone IANA time zone name (validated: see `isTimeZone`).
 * @param atMs epoch milliseconds.
 * @returns local time minus UTC, milliseconds.
 * @throws {RangeError} when Intl does not know the zone.
 */
export function offsetAt(zone: string, atMs: number): number {
  const table = yearTable(zone, utcYear(atMs));
  let offset = table.startOffsetMs;
  for (const transition of table.transitions) {
    if (transition.atMs > atMs) break;
    offset = transition.afterMs;
  }
  return offset;
}

/**
 * The transitions of `zone` with `fromMs < atMs <= toMs`, ascending.
 * @param zone IANA time zone name.
 * @param fromMs epoch ms, exclusive.
 * @param toMs epoch ms, inclusive.
 */
export function transitionsBetween(zone: string, fromMs: number, toMs: number): OffsetTransition[] {
  const out: OffsetTransition[] = [];
  // A transition at the first instant of a year is kept in the previous year's table.
  for (let year = utcYear(fromMs); year <= utcYear(toMs); year++) {
    for (const transition of yearTable(zone, year).transitions) {
      if (transition.atMs > fromMs && transition.atMs <= toMs) out.push(transition);
    }
  }
  return out;
}

/**
 * The first transition of `zone` after `fromMs` and at or before `toMs`, or null.
 * Cost grows with the number of UTC years between the two instants.
 */
export function nextTransition(zone: string, fromMs: number, toMs: number): OffsetTransition | null {
  for (let year = utcYear(fromMs); year <= utcYear(toMs); year++) {
    for (const transition of yearTable(zone, year).transitions) {
      if (transition.atMs > toMs) return null;
      if (transition.atMs > fromMs) return transition;
    }
  }
  return null;
}

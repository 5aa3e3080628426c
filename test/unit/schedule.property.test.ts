/**
 * Property tests of the schedule walk against an independent brute-force oracle
 * (test/helpers/cron-oracle.ts: own field parser, own Intl offsets, minute-by-minute real
 * time, Vixie cron / cronie clock-change policy). Random expressions (5 and 6 fields, fixed-time
 * and wildcard), zones with 30-minute, 2-hour, 24-hour and midnight clock changes, and instants
 * both anywhere in 1975–2037 and within days of a clock change. Seeds are fixed so a failure
 * reproduces; fast-check prints the shrunk counterexample. Also: midnight changes (Havana,
 * Santiago), Ramadan suspensions (Casablanca), 30-minute zone shifts (Caracas, Pyongyang), a 24-hour
 * jump (Kiritimati 1995) and Dublin's negative DST.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCron } from '../../src/domain/cron-schedule';
import { planOccurrences } from '../../src/domain/preview';
import { type ScheduleFields } from '../../src/domain/schedule';
import { oracleOccurrences, parseOracle } from '../helpers/cron-oracle';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** How far the oracle looks ahead; a schedule with nothing in it must have nothing in it either. */
const HORIZON_MS = 14 * DAY;
/** Occurrences compared per generated case (the walk continues from each one). */
const WALK = 12;

/** Zones, each with instants (UTC) near some of its clock changes. */
const ZONES: Record<string, string[]> = {
  UTC: ['2026-01-01T00:00:00Z'],
  'America/New_York': ['2026-03-08T07:00:00Z', '2026-11-01T06:00:00Z', '1987-04-05T07:00:00Z', '2007-11-04T06:00:00Z'],
  'Europe/Berlin': ['2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z', '1996-10-27T01:00:00Z'],
  'Australia/Lord_Howe': ['2026-04-04T15:00:00Z', '2026-10-03T15:30:00Z'],
  'America/Sao_Paulo': ['2018-11-04T03:00:00Z', '2019-02-17T02:00:00Z'],
  'Pacific/Apia': ['2011-12-30T10:00:00Z', '2011-09-24T14:00:00Z', '2012-04-01T14:00:00Z'],
  'Antarctica/Troll': ['2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z'],
  'Pacific/Chatham': ['2026-04-04T14:00:00Z', '2026-09-26T14:00:00Z'],
  'America/St_Johns': ['2026-03-08T05:30:00Z', '2026-11-01T04:30:00Z'],
  'Australia/Adelaide': ['2026-04-04T16:30:00Z', '2026-10-03T16:30:00Z'],
  'Asia/Tehran': ['2021-03-21T20:30:00Z', '2021-09-21T19:30:00Z'],
  'Asia/Kathmandu': ['1985-12-31T18:30:00Z'],
  'America/Havana': ['2026-03-08T05:00:00Z', '2026-11-01T05:00:00Z'],
  'America/Santiago': ['2026-04-05T03:00:00Z', '2026-09-06T04:00:00Z'],
  'Africa/Casablanca': ['2026-02-15T02:00:00Z', '2026-03-22T02:00:00Z'],
  'Pacific/Kiritimati': ['1994-12-31T10:00:00Z'],
  'America/Caracas': ['2007-12-09T07:00:00Z', '2016-05-01T07:00:00Z'],
  'Asia/Pyongyang': ['2015-08-14T15:00:00Z', '2018-05-04T14:30:00Z'],
  'Europe/Dublin': ['2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z'],
};

const pick = <T>(...values: T[]) => fc.constantFrom(...values);
const int = (min: number, max: number) => fc.integer({ min, max });

/** One cron field over [min, max]: `*`, a step, a value, a range (with step), a list. */
function cronField(min: number, max: number, star: number, hot?: fc.Arbitrary<number>): fc.Arbitrary<string> {
  const v = hot === undefined ? int(min, max) : fc.oneof(int(min, max), hot);
  const range = fc.tuple(v, v).map(([a, b]) => (a <= b ? `${a}-${b}` : `${b}-${a}`));
  return fc.oneof(
    { weight: star, arbitrary: fc.constant('*') },
    { weight: 2, arbitrary: int(2, Math.max(2, Math.floor((max - min + 1) / 2))).map((k) => `*/${k}`) },
    { weight: 3, arbitrary: v.map(String) },
    { weight: 2, arbitrary: range },
    { weight: 1, arbitrary: fc.tuple(range, int(2, 5)).map(([r, k]) => `${r}/${k}`) },
    { weight: 2, arbitrary: fc.uniqueArray(v, { minLength: 2, maxLength: 4 }).map((xs) => xs.join(',')) },
  );
}

/** Random cron expressions; hours around midnight to 03:00 are favoured (where clocks change). */
const expressionArb: fc.Arbitrary<string> = fc
  .record({
    seconds: fc.option(cronField(0, 59, 2), { freq: 3 }),
    minute: cronField(0, 59, 2, pick(0, 15, 23, 30, 45, 59)),
    hour: cronField(0, 23, 2, int(0, 3)),
    day: fc.oneof({ weight: 6, arbitrary: fc.constant('*') }, { weight: 2, arbitrary: cronField(1, 31, 0) }),
    month: fc.oneof(
      { weight: 8, arbitrary: fc.constant('*') },
      { weight: 1, arbitrary: cronField(1, 12, 0) },
      { weight: 1, arbitrary: pick('jan-jun', 'mar,oct,nov', 'sep-dec', 'APR-OCT/2') },
    ),
    weekday: fc.oneof(
      { weight: 6, arbitrary: fc.constant('*') },
      { weight: 2, arbitrary: cronField(0, 7, 0) },
      { weight: 1, arbitrary: pick('mon-fri', 'sun', 'SAT,sun', '*/2') },
    ),
  })
  .map(({ seconds, minute, hour, day, month, weekday }) =>
    [...(seconds === null ? [] : [seconds]), minute, hour, day, month, weekday].join(' '),
  );

const zoneArb = fc.constantFrom(...Object.keys(ZONES));

/** An instant: anywhere in 1975–2037, or within 3 days of one of the zone's clock changes. */
function instantArb(zone: string): fc.Arbitrary<number> {
  const near = (ZONES[zone] as string[]).map(Date.parse);
  return fc.oneof(
    {
      weight: 1,
      arbitrary: fc.integer({ min: Date.parse('1975-01-01T00:00:00Z'), max: Date.parse('2037-12-31T00:00:00Z') }),
    },
    { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...near), int(-3 * DAY, 3 * DAY)).map(([t, d]) => t + d) },
  );
}

const caseArb = fc
  .tuple(expressionArb, zoneArb)
  .chain(([expression, zone]) => instantArb(zone).map((at) => ({ expression, zone, at })));

function cronSpec(expression: string, zone: string): ScheduleFields {
  return { frequency: 'cron', cron: expression, timezone: zone, created_at: '1970-01-01T00:00:00Z' };
}

const iso = (values: number[]) => values.map((v) => new Date(v).toISOString());

/** The production walk: successive occurrences from `at`, within the oracle's horizon. */
function productionWalk(spec: ScheduleFields, at: number, max: number): number[] {
  return planOccurrences(spec, at, max).filter((t) => t <= at + HORIZON_MS);
}

const tally = {
  walkCases: 0,
  walkOccurrences: 0,
  walkCasesWithNoOccurrence: 0,
  walkCasesNearClockChange: 0,
  nicknameOccurrences: 0,
  windowCases: 0,
};

/** More runs for a one-off deeper check: SCHEDULE_PROPERTY_RUNS=20000 SCHEDULE_PROPERTY_SEED=1 npx vitest run … */
const RUNS = Number(process.env.SCHEDULE_PROPERTY_RUNS ?? 1000);
const SEED = Number(process.env.SCHEDULE_PROPERTY_SEED ?? 20261123);

afterAll(() => {
  // The figures for the report (occurrences checked per run of this file).
  console.log(`schedule property tests: ${JSON.stringify(tally)}`);
});

describe('cron schedule walk = brute-force oracle (Vixie cron / cronie DST policy)', () => {
  it('gives the same successive occurrences for random expressions, zones and instants', () => {
    fc.assert(
      fc.property(caseArb, ({ expression, zone, at }) => {
        // Every generated expression is one both parsers accept (a refusal would be a bug too).
        parseOracle(expression);
        parseCron(expression);
        const spec = cronSpec(expression, zone);
        const expected = oracleOccurrences(expression, zone, at, HORIZON_MS, WALK);
        const actual = productionWalk(spec, at, WALK);
        expect(iso(actual)).toEqual(iso(expected));
        tally.walkCases++;
        tally.walkOccurrences += expected.length;
        if (expected.length === 0) tally.walkCasesWithNoOccurrence++;
        if ((ZONES[zone] as string[]).some((t) => Math.abs(Date.parse(t) - at) <= 3 * DAY)) {
          tally.walkCasesNearClockChange++;
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('nicknames match the oracle in every zone', () => {
    // From 20 December: 45 days hold a new year, two months, weeks, days and hours.
    const at = Date.parse('2025-12-20T00:00:00Z');
    for (const nickname of ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']) {
      for (const zone of Object.keys(ZONES)) {
        const expected = oracleOccurrences(nickname, zone, at, 45 * DAY, 3);
        const actual = planOccurrences(cronSpec(nickname, zone), at, 3).filter((t) => t <= at + 45 * DAY);
        expect(iso(actual), `${nickname} in ${zone}`).toEqual(iso(expected));
        expect(expected.length).toBeGreaterThan(0);
        tally.nicknameOccurrences += expected.length;
      }
    }
  });
});

describe('rare expressions (months between occurrences) = oracle over 10 months', () => {
  // Each next occurrence lies far beyond the clock changes in between (the walk skips ahead).
  const EXPRESSIONS = ['30 2 29 3 *', '30 2 25 10 *', '*/20 2 8 3 *', '15 1 1 11 *', '45 1 5 4 *'];
  const FROM = Date.parse('2026-02-01T00:00:00Z');
  it.each(['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe'])('%s', (zone) => {
    for (const expression of EXPRESSIONS) {
      const expected = oracleOccurrences(expression, zone, FROM, 300 * DAY, 3);
      const actual = planOccurrences(cronSpec(expression, zone), FROM, 3).filter((t) => t <= FROM + 300 * DAY);
      expect(iso(actual), `${expression} in ${zone}`).toEqual(iso(expected));
    }
  });
});

describe('walk invariants', () => {
  it('start_at and end_at cut the unbounded walk without moving it', () => {
    fc.assert(
      fc.property(caseArb, int(0, 5 * DAY), int(HOUR, 10 * DAY), ({ expression, zone, at }, startIn, length) => {
        const startAt = at + startIn;
        const endAt = startAt + length;
        const bounded = {
          ...cronSpec(expression, zone),
          start_at: new Date(startAt).toISOString(),
          end_at: new Date(endAt).toISOString(),
        };
        const unbounded = planOccurrences(cronSpec(expression, zone), startAt, 50).filter((t) => t <= endAt);
        expect(iso(planOccurrences(bounded, at, 50))).toEqual(iso(unbounded));
        tally.windowCases++;
      }),
      { numRuns: Math.ceil(RUNS * 0.2), seed: SEED + 2 },
    );
  });
});

/**
 * Clock-change (DST) vectors with fixed timestamps: the Vixie cron / cronie policy on real
 * tz-database transitions, including the two cases croner 11.0.1 gets wrong on its own
 * (Berlin fall-back twice, New York spring-forward dropped), a 30-minute shift (Lord Howe),
 * a midnight gap (São Paulo 2018) and a 24-hour jump (Apia 2011), plus cron day syntax.
 */
import { describe, expect, it } from 'vitest';
import { parseCron } from '../../src/domain/cron-schedule';
import { planOccurrences } from '../../src/domain/preview';
import { isCronExpression, type ScheduleFields } from '../../src/domain/schedule';
import { offsetAt, transitionsBetween } from '../../src/domain/time-zone';

const CREATED_AT = '2000-01-01T00:00:00Z';

function cron(expression: string, timezone: string): ScheduleFields {
  return { frequency: 'cron', cron: expression, timezone, created_at: CREATED_AT };
}

/** The next `count` occurrences from `from`, as UTC ISO strings. */
function plan(spec: ScheduleFields, from: string, count: number): string[] {
  return planOccurrences(spec, Date.parse(from), count).map((t) => new Date(t).toISOString().replace('.000Z', 'Z'));
}

describe('Europe/Berlin', () => {
  it('23 0-20/2 * * * runs 02:23 once on 2026-10-25 (CEST), not again at 02:23 CET', () => {
    expect(plan(cron('23 0-20/2 * * *', 'Europe/Berlin'), '2026-10-24T21:00:00Z', 4)).toEqual([
      '2026-10-24T22:23:00Z', // 00:23 CEST
      '2026-10-25T00:23:00Z', // 02:23 CEST, first pass
      '2026-10-25T03:23:00Z', // 04:23 CET (02:23 CET at 01:23Z is the second pass: skipped)
      '2026-10-25T05:23:00Z',
    ]);
  });

  it('a wildcard job follows real time through both passes of 02:00-03:00', () => {
    expect(plan(cron('*/30 * * * *', 'Europe/Berlin'), '2026-10-24T23:30:00Z', 6)).toEqual([
      '2026-10-24T23:30:00Z', // 01:30 CEST
      '2026-10-25T00:00:00Z', // 02:00 CEST
      '2026-10-25T00:30:00Z', // 02:30 CEST
      '2026-10-25T01:00:00Z', // 02:00 CET
      '2026-10-25T01:30:00Z', // 02:30 CET
      '2026-10-25T02:00:00Z', // 03:00 CET
    ]);
  });

  it('fixed times in the skipped hour of 2026-03-29 run once, at 03:00 CEST', () => {
    expect(plan(cron('0,30 2 * * *', 'Europe/Berlin'), '2026-03-28T12:00:00Z', 3)).toEqual([
      '2026-03-29T01:00:00Z', // 02:00 and 02:30 do not exist: once at 03:00 CEST
      '2026-03-30T00:00:00Z', // 02:00 CEST
      '2026-03-30T00:30:00Z',
    ]);
  });
});

describe('America/New_York', () => {
  it('23 0-20/2 * * * runs the 02:23 job of 2026-03-08 at 03:00 EDT', () => {
    expect(plan(cron('23 0-20/2 * * *', 'America/New_York'), '2026-03-08T04:00:00Z', 3)).toEqual([
      '2026-03-08T05:23:00Z', // 00:23 EST
      '2026-03-08T07:00:00Z', // 02:23 EST does not exist: 03:00 EDT, the transition
      '2026-03-08T08:23:00Z', // 04:23 EDT
    ]);
  });

  it('a skipped time and a time due at the transition are one occurrence', () => {
    expect(plan(cron('0 2,3 * * *', 'America/New_York'), '2026-03-08T00:00:00Z', 3)).toEqual([
      '2026-03-08T07:00:00Z', // 02:00 skipped + 03:00 EDT: once
      '2026-03-09T06:00:00Z',
      '2026-03-09T07:00:00Z',
    ]);
  });

  it('a wildcard job does not run for the skipped minutes', () => {
    expect(plan(cron('*/30 * * * *', 'America/New_York'), '2026-03-08T06:00:00Z', 4)).toEqual([
      '2026-03-08T06:00:00Z', // 01:00 EST
      '2026-03-08T06:30:00Z', // 01:30 EST
      '2026-03-08T07:00:00Z', // 03:00 EDT (02:00 and 02:30 skipped)
      '2026-03-08T07:30:00Z',
    ]);
  });

  it('a fixed-time job in the repeated hour of 2026-11-01 runs on the first pass only', () => {
    expect(plan(cron('30 1 * * *', 'America/New_York'), '2026-10-31T12:00:00Z', 3)).toEqual([
      '2026-11-01T05:30:00Z', // 01:30 EDT
      '2026-11-02T06:30:00Z', // 01:30 EST next day
      '2026-11-03T06:30:00Z',
    ]);
  });

  it('@hourly (wildcard hour) runs at 01:00 EDT and again at 01:00 EST', () => {
    expect(plan(cron('@hourly', 'America/New_York'), '2026-11-01T04:30:00Z', 3)).toEqual([
      '2026-11-01T05:00:00Z',
      '2026-11-01T06:00:00Z',
      '2026-11-01T07:00:00Z',
    ]);
  });

  it('a weekly job at 02:30 on Sundays runs at 03:00 EDT on the spring-forward Sunday', () => {
    const weekly: ScheduleFields = {
      frequency: 'weekly',
      execution_time: '2026-03-01T02:30:00-05:00',
      timezone: 'America/New_York',
      created_at: CREATED_AT,
    };
    expect(plan(weekly, '2026-03-01T00:00:00Z', 3)).toEqual([
      '2026-03-01T07:30:00Z',
      '2026-03-08T07:00:00Z',
      '2026-03-15T06:30:00Z',
    ]);
  });

  it('6-field expressions: a fixed second in the gap also runs at the transition', () => {
    expect(plan(cron('30 23 2 * * *', 'America/New_York'), '2026-03-08T00:00:00Z', 2)).toEqual([
      '2026-03-08T07:00:00Z',
      '2026-03-09T06:23:30Z',
    ]);
  });
});

describe('Australia/Lord_Howe (30-minute shift)', () => {
  it('02:15 on 2026-10-04 (02:00 → 02:30) runs at 02:30 +11', () => {
    expect(plan(cron('15 2 * * *', 'Australia/Lord_Howe'), '2026-10-03T00:00:00Z', 2)).toEqual([
      '2026-10-03T15:30:00Z',
      '2026-10-04T15:15:00Z',
    ]);
  });

  it('a wildcard job skips 02:00-02:29 in spring and repeats 01:30-01:59 in autumn', () => {
    expect(plan(cron('*/10 * * * *', 'Australia/Lord_Howe'), '2026-10-03T15:20:00Z', 3)).toEqual([
      '2026-10-03T15:20:00Z', // 01:50 +10:30
      '2026-10-03T15:30:00Z', // 02:30 +11
      '2026-10-03T15:40:00Z',
    ]);
    expect(plan(cron('*/15 * * * *', 'Australia/Lord_Howe'), '2026-04-04T14:30:00Z', 5)).toEqual([
      '2026-04-04T14:30:00Z', // 01:30 +11
      '2026-04-04T14:45:00Z', // 01:45 +11
      '2026-04-04T15:00:00Z', // 01:30 +10:30
      '2026-04-04T15:15:00Z', // 01:45 +10:30
      '2026-04-04T15:30:00Z', // 02:00 +10:30
    ]);
  });

  it('a fixed-time job runs 01:45 once on the autumn night', () => {
    expect(plan(cron('45 1 * * *', 'Australia/Lord_Howe'), '2026-04-04T12:00:00Z', 2)).toEqual([
      '2026-04-04T14:45:00Z',
      '2026-04-05T15:15:00Z',
    ]);
  });
});

describe('America/Sao_Paulo 2018 (midnight gap)', () => {
  it('a daily midnight job runs at 01:00 -02 on 2018-11-04, when midnight does not exist', () => {
    const daily: ScheduleFields = {
      frequency: 'daily',
      execution_time: '2018-11-01T00:00:00-03:00',
      timezone: 'America/Sao_Paulo',
      created_at: CREATED_AT,
    };
    expect(plan(daily, '2018-11-03T00:00:00Z', 3)).toEqual([
      '2018-11-03T03:00:00Z',
      '2018-11-04T03:00:00Z', // 01:00 -02, the transition
      '2018-11-05T02:00:00Z',
    ]);
    expect(plan(cron('30 0 * * *', 'America/Sao_Paulo'), '2018-11-03T12:00:00Z', 1)).toEqual(['2018-11-04T03:00:00Z']);
  });
});

describe('Pacific/Apia 2011 (24-hour jump)', () => {
  it('skips 2011-12-30 without catching anything up', () => {
    expect(plan(cron('0 12 * * *', 'Pacific/Apia'), '2011-12-28T12:00:00Z', 3)).toEqual([
      '2011-12-28T22:00:00Z', // 12:00 -10, 28 December
      '2011-12-29T22:00:00Z', // 12:00 -10, 29 December
      '2011-12-30T22:00:00Z', // 12:00 +14, 31 December (30 December never happened)
    ]);
    // 05:30 of 30 December never existed and is not caught up at the jump (10:00Z): 31 December.

    expect(plan(cron('30 5 * * *', 'Pacific/Apia'), '2011-12-29T16:00:00Z', 1)).toEqual(['2011-12-30T15:30:00Z']);
  });
});

describe('America/St_Johns 2008 (clock change at 00:01 local, not on a quarter hour)', () => {
  it('00:30 on 2008-03-09 (00:01 → 01:01) runs at the transition, 01:01 NDT', () => {
    expect(plan(cron('30 0 * * *', 'America/St_Johns'), '2008-03-08T12:00:00Z', 2)).toEqual([
      '2008-03-09T03:31:00Z',
      '2008-03-10T03:00:00Z', // 00:30 NDT
    ]);
  });
});

describe('day fields', () => {
  it('day-of-month OR day-of-week when both are restricted (Vixie cron)', () => {
    expect(plan(cron('0 0 13 * 5', 'UTC'), '2026-02-01T00:00:00Z', 4)).toEqual([
      '2026-02-06T00:00:00Z', // Friday
      '2026-02-13T00:00:00Z', // 13th (and Friday)
      '2026-02-20T00:00:00Z',
      '2026-02-27T00:00:00Z',
    ]);
  });

  it('AND when either starts with "*" (*/2 days and Fridays: odd-numbered Fridays)', () => {
    expect(plan(cron('0 0 */2 * fri', 'UTC'), '2026-02-01T00:00:00Z', 2)).toEqual([
      '2026-02-13T00:00:00Z',
      '2026-02-27T00:00:00Z',
    ]);
  });

  it('L, # and W (croner): last day, nth weekday, nearest weekday', () => {
    expect(plan(cron('0 0 L * *', 'UTC'), '2026-01-15T00:00:00Z', 2)).toEqual([
      '2026-01-31T00:00:00Z',
      '2026-02-28T00:00:00Z',
    ]);
    expect(plan(cron('0 9 * * 5#2', 'UTC'), '2026-01-01T00:00:00Z', 2)).toEqual([
      '2026-01-09T09:00:00Z',
      '2026-02-13T09:00:00Z',
    ]);
    // 15 August 2026 is a Saturday: the nearest weekday is Friday the 14th.
    expect(plan(cron('0 9 15W * *', 'UTC'), '2026-08-01T00:00:00Z', 1)).toEqual(['2026-08-14T09:00:00Z']);
    expect(plan(cron('0 0 * * 5L', 'UTC'), '2026-01-01T00:00:00Z', 1)).toEqual(['2026-01-30T00:00:00Z']);
  });

  it('weekday 7 is Sunday, names are case-insensitive', () => {
    expect(plan(cron('0 0 * * 7', 'UTC'), '2026-01-01T00:00:00Z', 1)).toEqual(['2026-01-04T00:00:00Z']);
    expect(plan(cron('0 0 1 JAN,jul *', 'UTC'), '2026-02-01T00:00:00Z', 1)).toEqual(['2026-07-01T00:00:00Z']);
  });
});

describe('expression checks', () => {
  it('refuses what cron cannot mean', () => {
    expect(isCronExpression('0 0 30 2 *', 'UTC')).toBe('never fires');
    expect(isCronExpression('@reboot', 'UTC')).toMatch(/unknown nickname/);
    expect(isCronExpression('0 0 ? * *', 'UTC')).toMatch(/"\?" is not supported/);
    expect(isCronExpression('0 0 0 1 1 * 2030', 'UTC')).toMatch(/5 or 6 fields/);
    expect(isCronExpression('0 0 1 1 * *', 'UTC')).toBe(true);
  });

  it('classifies fixed-time and wildcard jobs as cron.c does (minute, hour or seconds starting with *)', () => {
    expect(parseCron('23 0-20/2 * * *').fixedTime).toBe(true);
    expect(parseCron('@daily').fixedTime).toBe(true);
    expect(parseCron('@hourly').fixedTime).toBe(false);
    expect(parseCron('0 */2 * * *').fixedTime).toBe(false);
    expect(parseCron('*/5 0 2 * * *').fixedTime).toBe(false);
    expect(parseCron('0-59 2 * * *').fixedTime).toBe(true);
  });
});

describe('zone offsets', () => {
  it('finds the transitions of a year to the second', () => {
    const changes = transitionsBetween(
      'Europe/Berlin',
      Date.parse('2026-01-01T00:00:00Z'),
      Date.parse('2027-01-01T00:00:00Z'),
    );
    expect(changes).toEqual([
      { atMs: Date.parse('2026-03-29T01:00:00Z'), beforeMs: 3_600_000, afterMs: 7_200_000 },
      { atMs: Date.parse('2026-10-25T01:00:00Z'), beforeMs: 7_200_000, afterMs: 3_600_000 },
    ]);
    expect(offsetAt('Australia/Lord_Howe', Date.parse('2026-07-01T00:00:00Z'))).toBe(37_800_000);
    expect(offsetAt('Pacific/Apia', Date.parse('2011-12-30T09:59:59Z'))).toBe(-36_000_000);
    expect(offsetAt('Pacific/Apia', Date.parse('2011-12-30T10:00:00Z'))).toBe(50_400_000);
  });
});

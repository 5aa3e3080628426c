/**
 * Schedule math with fixed instants only (never the real clock), so failures reproduce.
 */
import { describe, expect, it } from 'vitest';
import {
  dailyPattern,
  isCronExpression,
  isTimeZone,
  nextOccurrence,
  occurrenceAtOrAfter,
  type ScheduleFields,
} from '../../src/domain/schedule';

const SECOND = 1_000;

/** Epoch ms of an RFC 3339 string. */
const ms = (text: string): number => {
  const value = Date.parse(text);
  if (Number.isNaN(value)) throw new Error(`bad test timestamp ${text}`);
  return value;
};
/** ISO string of epoch ms (null stays null), for readable failures. */
const iso = (value: number | null): string | null => (value === null ? null : new Date(value).toISOString());

const CREATED_AT = '2026-01-01T00:00:00Z';

function spec(fields: Partial<ScheduleFields> & Pick<ScheduleFields, 'frequency'>): ScheduleFields {
  return { timezone: 'UTC', created_at: CREATED_AT, ...fields };
}

/** `count` consecutive occurrences, starting with the first at or after `from`. */
function occurrences(schedule: ScheduleFields, from: string, count: number): Array<string | null> {
  const out: Array<string | null> = [];
  let current = occurrenceAtOrAfter(schedule, ms(from));
  for (let i = 0; i < count; i++) {
    out.push(iso(current));
    if (current === null) break;
    current = nextOccurrence(schedule, current);
  }
  return out;
}

describe('once', () => {
  const once = spec({ frequency: 'once', execution_time: '2026-03-01T12:00:00Z' });

  it('occurs at execution_time when asked before it', () => {
    expect(iso(occurrenceAtOrAfter(once, ms('2026-02-01T00:00:00Z')))).toBe('2026-03-01T12:00:00.000Z');
  });

  it('occurs at execution_time when asked exactly at it', () => {
    expect(iso(occurrenceAtOrAfter(once, ms('2026-03-01T12:00:00Z')))).toBe('2026-03-01T12:00:00.000Z');
  });

  it('has no occurrence after execution_time', () => {
    expect(occurrenceAtOrAfter(once, ms('2026-03-01T12:00:00.001Z'))).toBeNull();
  });

  it('has no next occurrence', () => {
    expect(nextOccurrence(once, ms('2026-03-01T12:00:00Z'))).toBeNull();
  });
});

describe('interval', () => {
  it('is anchored at execution_time when given', () => {
    const every15 = spec({ frequency: 'interval', every: '15m', execution_time: '2026-01-01T10:05:00Z' });
    expect(iso(occurrenceAtOrAfter(every15, ms('2026-01-01T00:00:00Z')))).toBe('2026-01-01T10:05:00.000Z');
    expect(iso(occurrenceAtOrAfter(every15, ms('2026-01-01T10:05:00Z')))).toBe('2026-01-01T10:05:00.000Z');
  });

  it('is anchored at created_at without execution_time', () => {
    const every15 = spec({ frequency: 'interval', every: '15m', created_at: '2026-01-01T10:07:00Z' });
    expect(iso(occurrenceAtOrAfter(every15, ms('2026-01-01T10:07:00Z')))).toBe('2026-01-01T10:07:00.000Z');
    expect(iso(occurrenceAtOrAfter(every15, ms('2026-01-01T10:08:00Z')))).toBe('2026-01-01T10:22:00.000Z');
  });

  it('at or after a time between ticks gives the next tick of the grid', () => {
    const every15 = spec({ frequency: 'interval', every: '15m', execution_time: '2026-01-01T10:00:00Z' });
    expect(iso(occurrenceAtOrAfter(every15, ms('2026-01-01T10:00:00.001Z')))).toBe('2026-01-01T10:15:00.000Z');
    expect(iso(occurrenceAtOrAfter(every15, ms('2026-01-01T11:07:30Z')))).toBe('2026-01-01T11:15:00.000Z');
    expect(iso(occurrenceAtOrAfter(every15, ms('2026-01-01T11:15:00Z')))).toBe('2026-01-01T11:15:00.000Z');
  });

  it('is fixed rate: the next of a scheduled time is that time plus every', () => {
    const every90s = spec({ frequency: 'interval', every: '90s', execution_time: '2026-01-01T10:00:00Z' });
    const scheduled = ms('2026-01-01T10:03:00Z');
    expect(nextOccurrence(every90s, scheduled)).toBe(scheduled + 90 * SECOND);
    expect(occurrences(every90s, '2026-01-01T10:00:00Z', 4)).toEqual([
      '2026-01-01T10:00:00.000Z',
      '2026-01-01T10:01:30.000Z',
      '2026-01-01T10:03:00.000Z',
      '2026-01-01T10:04:30.000Z',
    ]);
  });

  it('supports compound durations', () => {
    const every = spec({ frequency: 'interval', every: '1h30m', execution_time: '2026-01-01T00:00:00Z' });
    expect(iso(nextOccurrence(every, ms('2026-01-01T00:00:00Z')))).toBe('2026-01-01T01:30:00.000Z');
  });
});

describe('cron', () => {
  it('5 fields: minute first', () => {
    const quarterHours = spec({ frequency: 'cron', cron: '*/15 * * * *' });
    expect(occurrences(quarterHours, '2026-01-01T10:01:00Z', 3)).toEqual([
      '2026-01-01T10:15:00.000Z',
      '2026-01-01T10:30:00.000Z',
      '2026-01-01T10:45:00.000Z',
    ]);
  });

  it('at or after a matching instant is that instant', () => {
    const hourly = spec({ frequency: 'cron', cron: '0 * * * *' });
    expect(iso(occurrenceAtOrAfter(hourly, ms('2026-01-01T10:00:00Z')))).toBe('2026-01-01T10:00:00.000Z');
    expect(iso(occurrenceAtOrAfter(hourly, ms('2026-01-01T10:00:00.001Z')))).toBe('2026-01-01T11:00:00.000Z');
    expect(iso(nextOccurrence(hourly, ms('2026-01-01T10:00:00Z')))).toBe('2026-01-01T11:00:00.000Z');
  });

  it('6 fields: seconds first; "*/1 * * * * *" gives consecutive seconds', () => {
    const everySecond = spec({ frequency: 'cron', cron: '*/1 * * * * *' });
    expect(occurrences(everySecond, '2026-01-01T10:00:00Z', 4)).toEqual([
      '2026-01-01T10:00:00.000Z',
      '2026-01-01T10:00:01.000Z',
      '2026-01-01T10:00:02.000Z',
      '2026-01-01T10:00:03.000Z',
    ]);
    // Resolution is one second: between seconds, the next whole second.
    expect(iso(occurrenceAtOrAfter(everySecond, ms('2026-01-01T10:00:00.500Z')))).toBe('2026-01-01T10:00:01.000Z');
  });

  it('6 fields: a seconds field other than 0', () => {
    const at30s = spec({ frequency: 'cron', cron: '30 0 12 * * *' });
    expect(iso(occurrenceAtOrAfter(at30s, ms('2026-01-01T00:00:00Z')))).toBe('2026-01-01T12:00:30.000Z');
  });

  it('a nickname (@hourly)', () => {
    const hourly = spec({ frequency: 'cron', cron: '@hourly' });
    expect(iso(occurrenceAtOrAfter(hourly, ms('2026-01-01T10:00:01Z')))).toBe('2026-01-01T11:00:00.000Z');
  });

  it('is evaluated in the job time zone: "0 9 * * *" in Asia/Shanghai is 01:00Z', () => {
    const nineShanghai = spec({ frequency: 'cron', cron: '0 9 * * *', timezone: 'Asia/Shanghai' });
    expect(occurrences(nineShanghai, '2026-01-01T00:00:00Z', 2)).toEqual([
      '2026-01-01T01:00:00.000Z',
      '2026-01-02T01:00:00.000Z',
    ]);
  });

  it('ORs day-of-month and day-of-week, as Vixie cron does', () => {
    // 2026-01-02 and 2026-01-09 are Fridays; 2026-01-13 is a Tuesday.
    const fridayOr13th = spec({ frequency: 'cron', cron: '0 0 13 * 5' });
    expect(occurrences(fridayOr13th, '2026-01-01T00:00:00Z', 4)).toEqual([
      '2026-01-02T00:00:00.000Z',
      '2026-01-09T00:00:00.000Z',
      '2026-01-13T00:00:00.000Z',
      '2026-01-16T00:00:00.000Z',
    ]);
  });
});

describe('daily', () => {
  it('occurs at the time of day of execution_time in the job time zone', () => {
    const daily = spec({ frequency: 'daily', execution_time: '2026-01-01T09:30:15Z' });
    expect(occurrences(daily, '2026-01-01T10:00:00Z', 2)).toEqual([
      '2026-01-02T09:30:15.000Z',
      '2026-01-03T09:30:15.000Z',
    ]);
  });

  it('keeps 09:00 local across the March DST change in America/New_York', () => {
    // 09:00 EST = 14:00Z; clocks go forward on 2026-03-08; 09:00 EDT = 13:00Z.
    const nineNewYork = spec({
      frequency: 'daily',
      execution_time: '2026-03-01T14:00:00Z',
      timezone: 'America/New_York',
    });
    expect(occurrences(nineNewYork, '2026-03-06T00:00:00Z', 4)).toEqual([
      '2026-03-06T14:00:00.000Z',
      '2026-03-07T14:00:00.000Z',
      '2026-03-08T13:00:00.000Z',
      '2026-03-09T13:00:00.000Z',
    ]);
  });

  it('keeps 09:00 local across the October DST change in Europe/Berlin', () => {
    // 09:00 CEST = 07:00Z; clocks go back on 2026-10-25; 09:00 CET = 08:00Z.
    const nineBerlin = spec({ frequency: 'daily', execution_time: '2026-10-20T07:00:00Z', timezone: 'Europe/Berlin' });
    expect(occurrences(nineBerlin, '2026-10-23T00:00:00Z', 4)).toEqual([
      '2026-10-23T07:00:00.000Z',
      '2026-10-24T07:00:00.000Z',
      '2026-10-25T08:00:00.000Z',
      '2026-10-26T08:00:00.000Z',
    ]);
  });

  it('fires once, not twice, on the day an hour repeats (01:30 America/New_York, 2026-11-01)', () => {
    const halfPastOne = spec({
      frequency: 'daily',
      execution_time: '2026-10-30T05:30:00Z',
      timezone: 'America/New_York',
    });
    expect(occurrences(halfPastOne, '2026-10-31T00:00:00Z', 3)).toEqual([
      '2026-10-31T05:30:00.000Z',
      '2026-11-01T05:30:00.000Z',
      '2026-11-02T06:30:00.000Z',
    ]);
  });
});

describe('dailyPattern', () => {
  it('is a 6-field cron of the local time of day', () => {
    expect(dailyPattern('2026-01-01T09:30:15Z', 'UTC')).toBe('15 30 9 * * *');
    expect(dailyPattern('2026-01-01T14:00:00Z', 'America/New_York')).toBe('0 0 9 * * *');
    expect(dailyPattern('2026-01-01T01:00:00Z', 'Asia/Shanghai')).toBe('0 0 9 * * *');
  });

  it('uses hours 0-23 (midnight is 0, not 24)', () => {
    expect(dailyPattern('2026-01-01T00:00:00Z', 'UTC')).toBe('0 0 0 * * *');
    expect(dailyPattern('2026-01-01T23:59:59Z', 'UTC')).toBe('59 59 23 * * *');
  });
});

describe('isTimeZone', () => {
  it.each(['UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Shanghai'])('accepts %j', (zone) => {
    expect(isTimeZone(zone)).toBe(true);
  });

  it.each(['Mars/Base', '', 'Not a zone'])('refuses %j', (zone) => {
    expect(isTimeZone(zone)).toBe(false);
  });
});

describe('isCronExpression', () => {
  it.each(['*/5 * * * *', '0 9 * * 1-5', '*/1 * * * * *', '0 */1 * * * *', '@hourly', '@daily'])(
    'accepts %j',
    (expression) => {
      expect(isCronExpression(expression, 'UTC')).toBe(true);
    },
  );

  it('refuses 4 fields, saying how many it found', () => {
    expect(isCronExpression('* * * *', 'UTC')).toBe('must have 5 or 6 fields (seconds first), found 4');
  });

  it('refuses 7 fields, saying how many it found', () => {
    expect(isCronExpression('* * * * * * *', 'UTC')).toBe('must have 5 or 6 fields (seconds first), found 7');
  });

  it('refuses an out-of-range minute', () => {
    const why = isCronExpression('61 * * * *', 'UTC');
    expect(why).not.toBe(true);
    expect(why).toMatch(/is not a valid cron expression/);
  });

  it('refuses an expression that never fires (30 February)', () => {
    expect(isCronExpression('0 0 30 2 *', 'UTC')).toBe('never fires');
  });
});

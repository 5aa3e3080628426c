/**
 * start_at / end_at, weekly schedules and the
 * first occurrence of a new job, with fixed instants only.
 */
import { describe, expect, it } from 'vitest';
import { jobSubmissionSchema } from '../../src/domain/job-spec';
import { planOccurrences } from '../../src/domain/preview';
import { firstOccurrence, occurrenceAtOrAfter, type ScheduleFields, weeklyPattern } from '../../src/domain/schedule';

const ms = (text: string): number => Date.parse(text);
const iso = (value: number | null): string | null => (value === null ? null : new Date(value).toISOString());

function spec(fields: Partial<ScheduleFields> & Pick<ScheduleFields, 'frequency'>): ScheduleFields {
  return { timezone: 'UTC', created_at: '2026-01-01T00:00:00Z', ...fields };
}

describe('start_at and end_at', () => {
  const hourly = spec({
    frequency: 'cron',
    cron: '0 * * * *',
    start_at: '2026-03-01T10:30:00Z',
    end_at: '2026-03-01T13:00:00Z',
  });

  it('no occurrence before start_at: the walk starts at the first one after it', () => {
    expect(iso(occurrenceAtOrAfter(hourly, ms('2026-01-01T00:00:00Z')))).toBe('2026-03-01T11:00:00.000Z');
  });

  it('no occurrence after end_at (an occurrence exactly at end_at is kept)', () => {
    expect(planOccurrences(hourly, ms('2026-01-01T00:00:00Z'), 10).map(iso)).toEqual([
      '2026-03-01T11:00:00.000Z',
      '2026-03-01T12:00:00.000Z',
      '2026-03-01T13:00:00.000Z',
    ]);
    expect(occurrenceAtOrAfter(hourly, ms('2026-03-01T13:00:00.001Z'))).toBeNull();
  });

  it('an interval keeps its grid: start_at only hides the ticks before it', () => {
    const every = spec({
      frequency: 'interval',
      every: '15m',
      execution_time: '2026-03-01T10:05:00Z',
      start_at: '2026-03-01T11:00:00Z',
    });
    expect(iso(occurrenceAtOrAfter(every, ms('2026-03-01T10:00:00Z')))).toBe('2026-03-01T11:05:00.000Z');
  });

  it('a once job outside the window never fires; inside it fires even when past', () => {
    const once = spec({
      frequency: 'once',
      execution_time: '2026-03-01T09:00:00Z',
      created_at: '2026-03-02T00:00:00Z',
    });
    expect(iso(firstOccurrence(once))).toBe('2026-03-01T09:00:00.000Z');
    expect(firstOccurrence({ ...once, start_at: '2026-03-01T10:00:00Z' })).toBeNull();
    expect(firstOccurrence({ ...once, end_at: '2026-03-01T08:00:00Z' })).toBeNull();
  });
});

describe('weekly', () => {
  it('defaults to the local weekday of execution_time (Sunday 23:30 UTC is Monday in Tokyo)', () => {
    expect(weeklyPattern('2026-03-01T23:30:00Z', 'Asia/Tokyo')).toBe('0 30 8 * * 1');
  });

  it('runs on each chosen day at the local time of day', () => {
    const weekly = spec({
      frequency: 'weekly',
      execution_time: '2026-03-02T09:00:00+01:00',
      days_of_week: ['fri', 'mon', 'mon'],
      timezone: 'Europe/Berlin',
    });
    expect(planOccurrences(weekly, ms('2026-03-03T00:00:00Z'), 4).map(iso)).toEqual([
      '2026-03-06T08:00:00.000Z',
      '2026-03-09T08:00:00.000Z',
      '2026-03-13T08:00:00.000Z',
      '2026-03-16T08:00:00.000Z',
    ]);
  });
});

describe('schedule checks at submit (jobSubmissionSchema)', () => {
  const base = { name: 'report', payload: { type: 'handler', name: 'demo.echo' } };
  const fieldsOf = (body: Record<string, unknown>) =>
    jobSubmissionSchema.safeParse({ ...base, ...body }).error?.issues.map((i) => i.path.join('.')) ?? [];

  it('accepts a schedule with an occurrence in its window', () => {
    expect(
      fieldsOf({
        frequency: 'cron',
        cron: '0 0 1 1 *',
        start_at: '2026-12-01T00:00:00Z',
        end_at: '2027-02-01T00:00:00Z',
      }),
    ).toEqual([]);
  });

  it('names end_at when the window holds no occurrence, cron when it never fires', () => {
    expect(
      fieldsOf({
        frequency: 'cron',
        cron: '0 0 1 1 *',
        start_at: '2026-02-01T00:00:00Z',
        end_at: '2026-12-01T00:00:00Z',
      }),
    ).toEqual(['end_at']);
    expect(
      fieldsOf({ frequency: 'daily', execution_time: '2026-03-01T09:00:00Z', end_at: '2026-03-01T08:00:00Z' }),
    ).toEqual(['end_at']);
    expect(fieldsOf({ frequency: 'cron', cron: '0 0 31 6 *' })).toEqual(['cron']);
  });

  it('reports a bad field once, without a second "never fires" issue', () => {
    expect(fieldsOf({ frequency: 'once', execution_time: 'tomorrow', end_at: '2026-01-01T00:00:00Z' })).toEqual([
      'execution_time',
    ]);
    expect(fieldsOf({ frequency: 'cron', cron: '0 0 * * *', timezone: 'Mars/Base' })).toEqual(['timezone']);
  });
});

describe('the end of time', () => {
  it('has no occurrence after 9999-12-31T23:59:59Z (RFC 3339 years have four digits)', () => {
    const every = spec({ frequency: 'interval', every: '366d', execution_time: '9999-01-01T00:00:00Z' });
    expect(planOccurrences(every, ms('9999-01-01T00:00:00Z'), 3).map(iso)).toEqual(['9999-01-01T00:00:00.000Z']);
  });
});

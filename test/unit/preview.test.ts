import { describe, expect, it } from 'vitest';
import { jitterOffsetMs } from '../../src/domain/jitter';
import { fireTime, planOccurrences } from '../../src/domain/preview';

const hourly = { frequency: 'cron', cron: '0 * * * *', timezone: 'UTC', created_at: '2026-01-01T00:00:00Z' } as const;

describe('planOccurrences', () => {
  it('lists the next occurrences at or after from, ascending', () => {
    const times = planOccurrences(hourly, Date.parse('2026-01-01T10:00:00Z'), 3).map((t) => new Date(t).toISOString());
    expect(times).toEqual(['2026-01-01T10:00:00.000Z', '2026-01-01T11:00:00.000Z', '2026-01-01T12:00:00.000Z']);
  });
  it('stops where the schedule ends', () => {
    const once = {
      frequency: 'once',
      execution_time: '2026-01-01T10:00:00Z',
      timezone: 'UTC',
      created_at: '2026-01-01T00:00:00Z',
    } as const;
    expect(planOccurrences(once, Date.parse('2026-01-01T00:00:00Z'), 5)).toEqual([Date.parse('2026-01-01T10:00:00Z')]);
  });
});

describe('jitter', () => {
  it('is stable, within the bound, and differs across jobs', () => {
    const at = Date.parse('2026-01-01T00:00:00Z');
    const offsets = Array.from({ length: 200 }, (_, i) => jitterOffsetMs(`job-${i}`, at, 60_000));
    expect(offsets.every((o) => o >= 0 && o < 60_000 && Number.isInteger(o))).toBe(true);
    expect(new Set(offsets).size).toBeGreaterThan(190);
    expect(jitterOffsetMs('job-1', at, 60_000)).toBe(offsets[1]);
    expect(jitterOffsetMs('job-1', at, 0)).toBe(0);
  });
  it('fireTime adds the offset only when a jitter is set', () => {
    const at = Date.parse('2026-01-01T00:00:00Z');
    expect(fireTime('j', at, undefined)).toBe(at);
    expect(fireTime('j', at, 0)).toBe(at);
    expect(fireTime('j', at, 30_000)).toBe(at + jitterOffsetMs('j', at, 30_000));
  });
});

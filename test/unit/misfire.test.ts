import { describe, expect, it } from 'vitest';
import { catchUpCount, missedBefore, walkOccurrencesBefore } from '../../src/domain/misfire';

const ms = (iso: string) => Date.parse(iso);
const iso = (t: number) => new Date(t).toISOString();
const HOUR = 3_600_000;
const MINUTE = 60_000;

const hourlyCron = {
  frequency: 'cron',
  cron: '0 * * * *',
  timezone: 'UTC',
  created_at: '2026-01-01T00:00:00Z',
} as const;
const everyTenMinutes = {
  frequency: 'interval',
  every: '10m',
  execution_time: '2026-01-01T00:00:00Z',
  timezone: 'UTC',
  created_at: '2026-01-01T00:00:00Z',
} as const;

describe('catchUpCount', () => {
  it('runs none (skip), the latest (latest) or up to max_catchup (all) of the missed occurrences', () => {
    expect(catchUpCount('skip', 100)).toBe(0);
    expect(catchUpCount('latest', 100)).toBe(1);
    expect(catchUpCount('all', 7)).toBe(7);
  });
});

describe('missedBefore', () => {
  it('is now minus the catch-up window', () => {
    expect(missedBefore(ms('2026-01-02T10:00:00Z'), '1h', '2026-01-01T00:00:00Z')).toBe(ms('2026-01-02T09:00:00Z'));
    expect(missedBefore(ms('2026-01-02T10:00:00Z'), '90s', '2026-01-01T00:00:00Z')).toBe(ms('2026-01-02T09:58:30Z'));
  });
  it('misses nothing while the job is younger than the window (a past one-time job still runs)', () => {
    expect(missedBefore(ms('2026-01-02T10:00:00Z'), '1h', '2026-01-02T09:30:00Z')).toBe(Number.NEGATIVE_INFINITY);
  });
});

describe('walkOccurrencesBefore', () => {
  it('skip: passes over every missed occurrence of a cron schedule and stops at the first one not missed', () => {
    const walk = walkOccurrencesBefore(hourlyCron, ms('2026-01-01T01:00:00Z'), ms('2026-01-01T04:30:00Z'), 0);
    expect(walk.skipped).toEqual({ first: ms('2026-01-01T01:00:00Z'), last: ms('2026-01-01T04:00:00Z'), count: 4 });
    expect(walk.kept).toEqual([]);
    expect(iso(walk.next as number)).toBe('2026-01-01T05:00:00.000Z');
    expect(walk.complete).toBe(true);
  });

  it('latest: keeps the most recent missed occurrence', () => {
    const walk = walkOccurrencesBefore(hourlyCron, ms('2026-01-01T01:00:00Z'), ms('2026-01-01T04:30:00Z'), 1);
    expect(walk.skipped).toEqual({ first: ms('2026-01-01T01:00:00Z'), last: ms('2026-01-01T03:00:00Z'), count: 3 });
    expect(walk.kept.map(iso)).toEqual(['2026-01-01T04:00:00.000Z']);
  });

  it('all: keeps up to the cap, the most recent ones, and skips the older', () => {
    const all = walkOccurrencesBefore(hourlyCron, ms('2026-01-01T01:00:00Z'), ms('2026-01-01T04:30:00Z'), 100);
    expect(all.skipped).toBeNull();
    expect(all.kept).toHaveLength(4);
    const capped = walkOccurrencesBefore(hourlyCron, ms('2026-01-01T01:00:00Z'), ms('2026-01-01T04:30:00Z'), 2);
    expect(capped.skipped?.count).toBe(2);
    expect(capped.kept.map(iso)).toEqual(['2026-01-01T03:00:00.000Z', '2026-01-01T04:00:00.000Z']);
  });

  it('walks nothing when the cursor is not missed, or the schedule has ended', () => {
    const none = walkOccurrencesBefore(hourlyCron, ms('2026-01-01T05:00:00Z'), ms('2026-01-01T04:30:00Z'), 1);
    expect(none).toEqual({ skipped: null, kept: [], next: ms('2026-01-01T05:00:00Z'), complete: true });
    expect(walkOccurrencesBefore(hourlyCron, null, ms('2026-01-01T04:30:00Z'), 1)).toEqual({
      skipped: null,
      kept: [],
      next: null,
      complete: true,
    });
  });

  it('stops at the limit and resumes from where it stopped, carrying the kept occurrences', () => {
    const before = ms('2026-01-01T10:30:00Z');
    const first = walkOccurrencesBefore(hourlyCron, ms('2026-01-01T01:00:00Z'), before, 2, [], 4);
    expect(first.complete).toBe(false);
    expect(first.skipped?.count).toBe(2);
    expect(iso(first.next as number)).toBe('2026-01-01T05:00:00.000Z');
    const second = walkOccurrencesBefore(hourlyCron, first.next, before, 2, first.kept, 100);
    expect(second.complete).toBe(true);
    // 10 occurrences (01:00 … 10:00): 8 skipped over the two calls, the newest 2 kept.
    expect((first.skipped?.count ?? 0) + (second.skipped?.count ?? 0)).toBe(8);
    expect(second.kept.map(iso)).toEqual(['2026-01-01T09:00:00.000Z', '2026-01-01T10:00:00.000Z']);
  });

  it('counts interval schedules arithmetically: a year of a per-second job in one call', () => {
    const perSecond = { ...everyTenMinutes, every: '1s' };
    const from = ms('2026-01-01T00:00:00Z');
    const before = ms('2027-01-01T00:00:00Z');
    const walk = walkOccurrencesBefore(perSecond, from, before, 1, [], 10);
    expect(walk.complete).toBe(true);
    expect(walk.skipped).toEqual({ first: from, last: before - 2000, count: 365 * 86_400 - 1 });
    expect(walk.kept).toEqual([before - 1000]);
    expect(walk.next).toBe(before);
  });

  it('interval: an occurrence exactly at the bound is not missed; kept ones from an earlier call are skipped first', () => {
    const from = ms('2026-01-01T00:00:00Z');
    const walk = walkOccurrencesBefore(everyTenMinutes, from, from + 60 * MINUTE, 2, [from - 10 * MINUTE]);
    // Earlier kept 23:50, then 00:00 … 00:50 (6): keep 00:40 and 00:50.
    expect(walk.skipped).toEqual({ first: from - 10 * MINUTE, last: from + 30 * MINUTE, count: 5 });
    expect(walk.kept).toEqual([from + 40 * MINUTE, from + 50 * MINUTE]);
    expect(walk.next).toBe(from + 60 * MINUTE);
  });

  it('interval: keeps all when fewer than keep were missed (no arithmetic needed)', () => {
    const from = ms('2026-01-01T00:00:00Z');
    const walk = walkOccurrencesBefore(everyTenMinutes, from, from + 25 * MINUTE, 5);
    expect(walk.skipped).toBeNull();
    expect(walk.kept).toEqual([from, from + 10 * MINUTE, from + 20 * MINUTE]);
  });

  it('interval ending before the bound (end_at) is walked one by one and ends with next = null', () => {
    const ending = { ...everyTenMinutes, end_at: '2026-01-01T00:30:00Z' };
    const from = ms('2026-01-01T00:00:00Z');
    const walk = walkOccurrencesBefore(ending, from, from + 5 * HOUR, 0);
    // The walk itself follows part A's end_at rule; whatever the schedule yields is skipped exactly once.
    expect(walk.complete).toBe(true);
    expect(walk.next === null || walk.next >= from + 5 * HOUR).toBe(true);
    expect(walk.skipped?.first).toBe(from);
  });
});

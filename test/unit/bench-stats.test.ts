/** The pure parts of the benchmarks (bench/lib): percentiles, min/median/max, occurrence accounting, cron spread. */
import { describe, expect, it } from 'vitest';
import { accountOccurrences, periodicTimes, spreadCron } from '../../bench/lib/occurrences';
import { distribution, percentile, ratio, spread, spreadByName } from '../../bench/lib/stats';

describe('percentile (nearest rank)', () => {
  const sorted = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
  it('picks the smallest sample with p % at or below it', () => {
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 95)).toBe(95);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile(sorted, 0)).toBe(1);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([1, 2, 3], 50)).toBe(2);
  });
  it('is NaN without samples and refuses p outside [0, 100]', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile(sorted, 101)).toThrow(RangeError);
    expect(() => percentile(sorted, Number.NaN)).toThrow(RangeError);
  });
});

describe('distribution', () => {
  it('sorts a copy and summarises', () => {
    const samples = [30, 10, 20, 40];
    const d = distribution(samples);
    expect(d).toEqual({ count: 4, min: 10, p50: 20, p95: 40, p99: 40, max: 40, mean: 25 });
    expect(samples).toEqual([30, 10, 20, 40]);
  });
  it('is all NaN for no samples', () => {
    const d = distribution([]);
    expect(d.count).toBe(0);
    expect(d.p50).toBeNaN();
    expect(d.max).toBeNaN();
  });
});

describe('spread (min / median / max over runs)', () => {
  it('takes the middle run, or the mean of the two middle ones', () => {
    expect(spread([3, 1, 2])).toEqual({ n: 3, min: 1, median: 2, max: 3 });
    expect(spread([4, 1, 2, 3])).toEqual({ n: 4, min: 1, median: 2.5, max: 4 });
    expect(spread([5])).toEqual({ n: 1, min: 5, median: 5, max: 5 });
  });
  it('leaves NaN runs out', () => {
    expect(spread([Number.NaN, 2, 4])).toEqual({ n: 2, min: 2, median: 3, max: 4 });
    expect(spread([Number.NaN]).n).toBe(0);
  });
  it('groups by name', () => {
    const out = spreadByName([{ a: 1, b: 10 }, { a: 3 }, { a: 2, b: 20 }]);
    expect(Object.keys(out)).toEqual(['a', 'b']);
    expect(out.a).toEqual({ n: 3, min: 1, median: 2, max: 3 });
    expect(out.b).toEqual({ n: 2, min: 10, median: 15, max: 20 });
  });
  it('ratio is NaN for a zero or missing divisor', () => {
    expect(ratio(3, 2)).toBe(1.5);
    expect(ratio(3, 0)).toBeNaN();
    expect(ratio(Number.NaN, 2)).toBeNaN();
  });
});

describe('occurrence accounting', () => {
  const expected = new Map([
    ['a:1', 1_000],
    ['b:1', 1_000],
    ['c:1', 2_000],
  ]);
  it('counts missed, doubled and unexpected, and lags of first starts', () => {
    const report = accountOccurrences(expected, [
      { key: 'a:1', scheduled_ms: 1_000, started_ms: 1_010, worker: 'w1' },
      { key: 'a:1', scheduled_ms: 1_000, started_ms: 1_500, worker: 'w2' },
      { key: 'c:1', scheduled_ms: 2_000, started_ms: 2_030, worker: 'w1' },
      { key: 'z:9', scheduled_ms: 0, started_ms: 5, worker: 'w1' },
    ]);
    expect(report).toMatchObject({ expected: 3, started: 2, missed: 1, doubled: 1, unexpected: 1 });
    expect(report.lag.max).toBe(30);
    expect(report.lag.min).toBe(10);
    expect(report.firstStartMs).toBe(1_010);
    expect(report.lastStartMs).toBe(2_030);
  });
  it('has NaN start times without starts', () => {
    const report = accountOccurrences(expected, []);
    expect(report.missed).toBe(3);
    expect(report.firstStartMs).toBeNaN();
  });
  it('spreads jobs over the period with a 6-field cron and lists their times', () => {
    expect(spreadCron(7, 60)).toBe('7 * * * * *');
    expect(spreadCron(7, 30)).toBe('7,37 * * * * *');
    expect(spreadCron(0, 20)).toBe('0,20,40 * * * * *');
    expect(() => spreadCron(0, 7)).toThrow(RangeError);
    expect(() => spreadCron(30, 30)).toThrow(RangeError);
    const minute = Date.UTC(2026, 0, 1, 0, 0);
    expect(periodicTimes(7, 30, minute, minute + 60_000)).toEqual([minute + 7_000, minute + 37_000]);
    expect(periodicTimes(7, 30, minute + 8_000, minute + 37_000)).toEqual([]);
    expect(periodicTimes(0, 60, minute, minute + 120_000)).toEqual([minute, minute + 60_000]);
  });
});

import { describe, expect, it } from 'vitest';
import { type ExecutionRecord, type JobProgress, MAX_RECORDED_EXECUTIONS } from '../../src/domain/job-state';
import {
  appendToLedger,
  emptyCounts,
  emptyProgress,
  ledgerPage,
  occurrencesOf,
  skippedEntry,
} from '../../src/domain/ledger';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const SECOND = 1000;

function progress(): JobProgress {
  return emptyProgress();
}

function ran(atMs: number, status: 'succeeded' | 'failed' | 'cancelled' = 'succeeded'): ExecutionRecord {
  const time = new Date(atMs).toISOString();
  return {
    execution_id: `job-1:${time}`,
    scheduled_time: time,
    started_at: time,
    finished_at: time,
    status,
    attempts: 1,
    worker_id: 'w',
  };
}

const span = (first: number, count: number) => ({ first, last: first + (count - 1) * SECOND, count });

describe('skippedEntry', () => {
  it('describes a run of skipped occurrences: oldest scheduled_time, newest last_scheduled_time, count', () => {
    const entry = skippedEntry('job-1', span(T0, 3), 'misfire', T0 + 10 * SECOND);
    expect(entry).toMatchObject({
      execution_id: 'job-1:2026-01-01T00:00:00.000Z',
      scheduled_time: '2026-01-01T00:00:00.000Z',
      last_scheduled_time: '2026-01-01T00:00:02.000Z',
      status: 'skipped',
      reason: 'misfire',
      trigger: 'schedule',
      count: 3,
      attempts: 0,
      finished_at: '2026-01-01T00:00:10.000Z',
    });
    expect(skippedEntry('job-1', span(T0, 1), 'overlap', T0)).not.toHaveProperty('last_scheduled_time');
  });
});

describe('appendToLedger', () => {
  it('numbers entries, counts each outcome (a skip entry counts each occurrence it stands for)', () => {
    const p = progress();
    appendToLedger(p, ran(T0));
    appendToLedger(p, ran(T0 + SECOND, 'failed'));
    appendToLedger(p, skippedEntry('job-1', span(T0 + 2 * SECOND, 4), 'misfire', T0));
    appendToLedger(p, ran(T0 + 6 * SECOND, 'cancelled'));
    expect(p.counts).toEqual({ succeeded: 1, failed: 1, skipped: 4, cancelled: 1 });
    expect(p.executions.map((e) => e.seq)).toEqual([4, 3, 2, 1]);
    expect(p.ledger_seq).toBe(4);
  });

  it('merges consecutive skips with the same reason into one entry, not across reasons or runs', () => {
    const p = progress();
    appendToLedger(p, skippedEntry('job-1', span(T0, 1), 'overlap', T0));
    appendToLedger(p, skippedEntry('job-1', span(T0 + SECOND, 1), 'overlap', T0 + SECOND));
    appendToLedger(p, skippedEntry('job-1', span(T0 + 2 * SECOND, 5), 'overlap', T0 + 2 * SECOND));
    expect(p.executions).toHaveLength(1);
    expect(p.executions[0]).toMatchObject({
      count: 7,
      scheduled_time: '2026-01-01T00:00:00.000Z',
      last_scheduled_time: '2026-01-01T00:00:06.000Z',
      finished_at: '2026-01-01T00:00:02.000Z',
      seq: 1,
    });
    appendToLedger(p, skippedEntry('job-1', span(T0 + 7 * SECOND, 1), 'paused', T0));
    appendToLedger(p, ran(T0 + 8 * SECOND));
    appendToLedger(p, skippedEntry('job-1', span(T0 + 9 * SECOND, 1), 'paused', T0));
    expect(p.executions.map((e) => [e.status, e.reason, occurrencesOf(e)])).toEqual([
      ['skipped', 'paused', 1],
      ['succeeded', undefined, 1],
      ['skipped', 'paused', 1],
      ['skipped', 'overlap', 7],
    ]);
    expect(p.counts).toEqual({ ...emptyCounts(), succeeded: 1, skipped: 9 });
  });

  it('keeps a bounded window of the newest entries while the counts cover everything', () => {
    const p = progress();
    for (let k = 0; k < MAX_RECORDED_EXECUTIONS + 30; k++) appendToLedger(p, ran(T0 + k * SECOND));
    expect(p.executions).toHaveLength(MAX_RECORDED_EXECUTIONS);
    expect(p.executions[0]?.seq).toBe(MAX_RECORDED_EXECUTIONS + 30);
    expect(p.counts?.succeeded).toBe(MAX_RECORDED_EXECUTIONS + 30);
  });
});

describe('ledgerPage', () => {
  const p = progress();
  for (let k = 0; k < 7; k++) appendToLedger(p, ran(T0 + k * SECOND));
  // An entry from an earlier version, without seq, at the old end of the window.
  const window = [...p.executions, ran(T0 - SECOND)];

  it('pages newest first by seq and ends with null', () => {
    const first = ledgerPage(window, 3);
    expect(first.executions.map((e) => e.seq)).toEqual([7, 6, 5]);
    expect(first.next_before_seq).toBe(5);
    const second = ledgerPage(window, 3, first.next_before_seq as number);
    expect(second.executions.map((e) => e.seq)).toEqual([4, 3, 2]);
    const third = ledgerPage(window, 3, second.next_before_seq as number);
    expect(third.executions.map((e) => e.seq)).toEqual([1, undefined]);
    expect(third.next_before_seq).toBeNull();
  });

  it('is stable when new entries arrive between pages', () => {
    const first = ledgerPage(window, 4);
    const grown = [{ ...ran(T0 + 100 * SECOND), seq: 8 }, ...window];
    const second = ledgerPage(grown, 4, first.next_before_seq as number);
    expect(second.executions.map((e) => e.seq)).toEqual([3, 2, 1, undefined]);
    expect(second.next_before_seq).toBeNull();
  });
});

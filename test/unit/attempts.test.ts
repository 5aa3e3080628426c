/** The attempt list of an occurrence (src/domain/attempts.ts), fixed timestamps. */
import { describe, expect, it } from 'vitest';
import {
  type AttemptEndedEvent as AttemptEndedSignal,
  type AttemptStartedEvent as AttemptStartedSignal,
  closedAttempts,
  MAX_WORKER_IDS,
  withEnded,
  withStarted,
  withWorker,
} from '../../src/domain/attempts';
import type { AttemptRecord } from '../../src/domain/job-state';
import { searchAttributeFlags } from '../../src/domain/search-attributes';

const KEY = 'job_1:2026-01-01T00:00:00.000Z';
const T = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const started = (attempt: number, worker: string, s: number): AttemptStartedSignal => ({
  execution_id: KEY,
  attempt,
  worker_id: worker,
  started_at: T(s),
});
const ended = (attempt: number, s: number, status: AttemptEndedSignal['status'] = 'failed'): AttemptEndedSignal => ({
  execution_id: KEY,
  attempt,
  worker_id: 'w1',
  finished_at: T(s),
  status,
  ...(status === 'failed' ? { error: { message: 'boom', type: 'Error', non_retryable: false } } : {}),
});

describe('withStarted', () => {
  it('adds a running attempt', () => {
    expect(withStarted([], started(1, 'w1', 0))).toEqual([
      { attempt: 1, worker_id: 'w1', started_at: T(0), finished_at: null, status: 'running' },
    ]);
  });

  it('marks an older running attempt worker_lost, ended at the new start', () => {
    const list = withStarted(withStarted([], started(1, 'w1', 0)), started(2, 'w2', 5));
    expect(list.map((a) => [a.attempt, a.worker_id, a.status, a.finished_at])).toEqual([
      [1, 'w1', 'worker_lost', T(5)],
      [2, 'w2', 'running', null],
    ]);
    expect(list[0]?.error).toMatchObject({ type: 'WorkerLost', non_retryable: false });
  });

  it('ignores a duplicate start and keeps ended attempts as they are', () => {
    const list = withEnded(withStarted([], started(1, 'w1', 0)), ended(1, 1));
    expect(withStarted(list, started(1, 'w1', 9))).toEqual(list);
    expect(withStarted(list, started(2, 'w1', 2))[0]?.status).toBe('failed');
  });

  it('adds earlier attempts that left no record as worker_lost with an unknown worker', () => {
    const list = withStarted(withStarted([], started(1, 'w1', 0)), started(3, 'w2', 5));
    expect(list.map((a) => [a.attempt, a.worker_id, a.status])).toEqual([
      [1, 'w1', 'worker_lost'],
      [2, null, 'worker_lost'],
      [3, 'w2', 'running'],
    ]);
    expect(list[1]?.error?.message).toMatch(/left no record/);
  });
});

describe('withEnded', () => {
  it('ends a running attempt with its status and error', () => {
    const list = withEnded(withStarted([], started(1, 'w1', 0)), ended(1, 3));
    expect(list).toEqual([
      {
        attempt: 1,
        worker_id: 'w1',
        started_at: T(0),
        finished_at: T(3),
        status: 'failed',
        error: { message: 'boom', type: 'Error', non_retryable: false },
      },
    ]);
  });

  it('does not revive an attempt given up as worker_lost', () => {
    const list = withStarted(withStarted([], started(1, 'w1', 0)), started(2, 'w2', 5));
    expect(withEnded(list, ended(1, 6, 'succeeded'))[0]?.status).toBe('worker_lost');
  });

  it('keeps attempts sorted when an end without a start arrives', () => {
    const list = withEnded(withStarted([], started(1, 'w1', 0)), ended(3, 4, 'succeeded'));
    expect(list.map((a) => a.attempt)).toEqual([1, 3]);
  });

  it('records an end without a start, starting at its end', () => {
    expect(withEnded([], ended(2, 4, 'succeeded'))).toEqual([
      { attempt: 2, worker_id: 'w1', started_at: T(4), finished_at: T(4), status: 'succeeded' },
    ]);
  });
});

describe('closedAttempts', () => {
  const running = (attempt: number): AttemptRecord => ({
    attempt,
    worker_id: 'w',
    started_at: T(attempt),
    finished_at: null,
    status: 'running',
  });
  const outcome = (status: 'succeeded' | 'failed' | 'cancelled', type?: string, attempts: number | null = 1) => ({
    status,
    attempts,
    finished_at: T(30),
    ...(type ? { error: { message: 'm', type, non_retryable: false } } : {}),
  });

  it.each([
    ['succeeded', undefined, 'succeeded'],
    ['cancelled', 'Cancelled', 'cancelled'],
    ['failed', 'Timeout', 'timed_out'],
    ['failed', 'HttpError', 'failed'],
  ] as const)('a last running attempt of a %s occurrence (%s) becomes %s', (status, type, expected) => {
    const [closed] = closedAttempts([running(1)], outcome(status, type));
    expect(closed).toMatchObject({ status: expected, finished_at: T(30) });
    expect(closed?.error !== undefined).toBe(expected !== 'succeeded');
  });

  it('earlier running attempts, or one older than the reported attempt, are worker_lost', () => {
    const closed = closedAttempts([running(1), running(2)], outcome('succeeded', undefined, 2));
    expect(closed.map((a) => a.status)).toEqual(['worker_lost', 'succeeded']);
    expect(closedAttempts([running(1)], outcome('failed', 'Timeout', 3))[0]?.status).toBe('worker_lost');
  });

  it('an occurrence without attempts has none', () => {
    expect(closedAttempts([], outcome('succeeded'))).toEqual([]);
  });

  it('leaves ended attempts alone', () => {
    const done: AttemptRecord = { ...running(1), status: 'failed', finished_at: T(2) };
    expect(closedAttempts([done], outcome('failed', 'Error'))).toEqual([done]);
  });
});

describe('withWorker', () => {
  it('moves the worker to the end and keeps the newest MAX_WORKER_IDS', () => {
    expect(withWorker(['a', 'b'], 'a')).toEqual(['b', 'a']);
    const many = Array.from({ length: MAX_WORKER_IDS }, (_, i) => `w${i}`);
    expect(withWorker(many, 'new')).toEqual([...many.slice(1), 'new']);
  });
});

describe('search attributes of the execution service', () => {
  it('are registered with the others, with their types', () => {
    expect(searchAttributeFlags()).toEqual(expect.arrayContaining(['WorkerIds=KeywordList', 'LastRunTime=Datetime']));
    expect(searchAttributeFlags()).toContain('NextRunTime=Datetime');
  });
});

import { describe, expect, it } from 'vitest';
import {
  healthAfterRun,
  healthAt,
  initialHealth,
  type JobHealth,
  lateDeadlineMs,
  startLatenessMs,
} from '../../src/domain/health';
import type { ExecutionRecord } from '../../src/domain/job-state';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

function record(status: ExecutionRecord['status'], scheduledMs: number, bodyStartMs = scheduledMs): ExecutionRecord {
  return {
    execution_id: `job:${iso(scheduledMs)}`,
    scheduled_time: iso(scheduledMs),
    started_at: iso(scheduledMs - 2_000),
    finished_at: iso(bodyStartMs + 1_000),
    status,
    attempts: 1,
    worker_id: 'w1',
    attempt_history: [
      {
        attempt: 1,
        worker_id: 'w1',
        started_at: iso(bodyStartMs),
        finished_at: iso(bodyStartMs + 1_000),
        status: 'succeeded',
      },
    ],
    ...(status === 'failed' ? { error: { message: 'boom', type: 'HandlerError', non_retryable: false } } : {}),
  };
}

describe('health', () => {
  it('a first success is ok with no alert; a first failure is failing with a `failed` alert', () => {
    const ok = healthAfterRun(initialHealth(), record('succeeded', T0), {});
    expect(ok.health).toEqual({
      state: 'ok',
      consecutive_failures: 0,
      last_success_time: iso(T0 + 1_000),
      last_failure: null,
    });
    expect(ok.transition).toBeNull();
    const failed = healthAfterRun(ok.health, record('failed', T0 + 60_000), {});
    expect(failed.health.state).toBe('failing');
    expect(failed.health.consecutive_failures).toBe(1);
    expect(failed.health.last_success_time).toBe(iso(T0 + 1_000));
    expect(failed.health.last_failure).toEqual({
      scheduled_time: iso(T0 + 60_000),
      error: { message: 'boom', type: 'HandlerError', non_retryable: false },
    });
    expect(failed.transition).toMatchObject({ event: 'failed', scheduled_time: iso(T0 + 60_000) });
  });

  it('counts consecutive failures without alerting again, and a success recovers', () => {
    let health: JobHealth = initialHealth();
    const events: string[] = [];
    for (let k = 0; k < 3; k++) {
      const next = healthAfterRun(health, record('failed', T0 + k * 60_000), {});
      health = next.health;
      if (next.transition) events.push(next.transition.event);
    }
    expect(health.consecutive_failures).toBe(3);
    const recovered = healthAfterRun(health, record('succeeded', T0 + 180_000), {});
    if (recovered.transition) events.push(recovered.transition.event);
    expect(events).toEqual(['failed', 'recovered']);
    expect(recovered.health.consecutive_failures).toBe(0);
  });

  it('skipped and cancelled records leave the health unchanged', () => {
    const health = healthAfterRun(initialHealth(), record('failed', T0), {}).health;
    for (const status of ['skipped', 'cancelled'] as const) {
      expect(healthAfterRun(health, record(status, T0 + 60_000), {})).toEqual({ health, transition: null });
    }
  });

  it('max_lateness: a run whose body started later than it turns the job late; an on-time success recovers', () => {
    expect(startLatenessMs(record('succeeded', T0, T0 + 45_000))).toBe(45_000);
    const late = healthAfterRun(initialHealth(), record('succeeded', T0, T0 + 45_000), { max_lateness: '30s' });
    expect(late.health.state).toBe('late');
    expect(late.transition).toMatchObject({ event: 'late' });
    const again = healthAfterRun(late.health, record('succeeded', T0 + 60_000, T0 + 100_000), { max_lateness: '30s' });
    expect(again.transition).toBeNull();
    const onTime = healthAfterRun(again.health, record('succeeded', T0 + 120_000, T0 + 120_010), {
      max_lateness: '30s',
    });
    expect(onTime.health.state).toBe('ok');
    expect(onTime.transition).toMatchObject({ event: 'recovered' });
  });

  it('expected_within: late once the deadline from the last success (or creation) passes; not while failing', () => {
    const rules = { expected_within: '1h' };
    const created = iso(T0);
    expect(lateDeadlineMs(initialHealth(), rules, created)).toBe(T0 + 3_600_000);
    expect(healthAt(initialHealth(), rules, created, T0 + 3_599_999).transition).toBeNull();
    const late = healthAt(initialHealth(), rules, created, T0 + 3_600_000);
    expect(late.health.state).toBe('late');
    expect(late.transition).toEqual({ event: 'late', scheduled_time: null, error: null });
    expect(lateDeadlineMs(late.health, rules, created)).toBeNull();
    const ok = healthAfterRun(initialHealth(), record('succeeded', T0 + 600_000), rules).health;
    expect(lateDeadlineMs(ok, rules, created)).toBe(T0 + 601_000 + 3_600_000);
    const failing = healthAfterRun(ok, record('failed', T0 + 700_000), rules).health;
    expect(lateDeadlineMs(failing, rules, created)).toBeNull();
    expect(lateDeadlineMs(ok, {}, created)).toBeNull();
  });
});

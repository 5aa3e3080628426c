/**
 * The execution interceptor on its own, with a stand-in activity context: fire lag only for
 * first attempts (0 when started early), retries, checkpoints (heartbeats with details), statuses
 * succeeded / failed / cancelled, and one log line at start and end with the execution's fields.
 * Activities that are not job executions pass through uncounted.
 */
import type { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, test } from 'vitest';
import { executionInterceptor } from '../../src/observability/execution-interceptor';
import { createExecutionMetrics } from '../../src/observability/execution-metrics';
import { sampleValue } from '../helpers/prometheus';

const SCHEDULED = '2026-11-23T10:00:00.000Z';
const SCHEDULED_MS = Date.parse(SCHEDULED);

function setup() {
  const registry = new Registry();
  const metrics = createExecutionMetrics(registry);
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  let clock = SCHEDULED_MS + 250;
  const factory = executionInterceptor({ metrics, logger, workerIdentity: 'w-1', now: () => clock });
  const heartbeats: unknown[] = [];
  const run = async (
    attempt: number,
    body: (ctx: Context) => Promise<unknown>,
    args: unknown[] = [],
    activityType = 'runPayload',
  ) => {
    const controller = new AbortController();
    const ctx = {
      info: { attempt, activityType },
      cancellationSignal: controller.signal,
      heartbeatFn: (details?: unknown) => heartbeats.push(details),
      heartbeat(details?: unknown) {
        (this as unknown as { heartbeatFn: (d?: unknown) => void }).heartbeatFn(details);
      },
    } as unknown as Context;
    const input = {
      args:
        args.length > 0
          ? args
          : [{ job_id: 'job_1', scheduled_time: SCHEDULED, idempotency_key: `job_1:${SCHEDULED}` }],
      headers: {},
    };
    const execute = factory(ctx as never).inbound?.execute;
    if (!execute) throw new Error('no inbound interceptor');
    return execute(input, async () => {
      clock += 1_000;
      return body(ctx);
    });
  };
  return { registry, lines, heartbeats, run, setClock: (ms: number) => (clock = ms) };
}

describe('executionInterceptor', () => {
  test('counts statuses, retries, checkpoints and first-attempt fire lag', async () => {
    const { registry, heartbeats, run, setClock } = setup();
    // Heartbeat details as the activity sends them: the attempt records, and the checkpoint once
    // the handler saved one. Only a new checkpoint counts, not the records nor a repeated checkpoint.
    const attempts = [{ attempt: 1 }];
    const first = { offset: 10 };
    await run(1, async (ctx) => {
      ctx.heartbeat({ attempts });
      ctx.heartbeat({ attempts, checkpoint: first });
      ctx.heartbeat({ attempts, checkpoint: first });
      ctx.heartbeat({ attempts, checkpoint: { offset: 20 } });
      return 'ok';
    });
    await expect(run(2, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    setClock(SCHEDULED_MS - 400); // started early to hold until the scheduled second
    await run(1, async () => 'ok');
    await expect(run(3, async () => Promise.reject(new CancelledFailure('cancelled')))).rejects.toThrow();

    const text = await registry.metrics();
    expect(sampleValue(text, 'scheduler_executions_total', { status: 'succeeded' })).toBe(2);
    expect(sampleValue(text, 'scheduler_executions_total', { status: 'failed' })).toBe(1);
    expect(sampleValue(text, 'scheduler_executions_total', { status: 'cancelled' })).toBe(1);
    expect(sampleValue(text, 'scheduler_execution_retries_total')).toBe(2);
    expect(sampleValue(text, 'scheduler_execution_checkpoints_total')).toBe(2);
    expect(heartbeats).toEqual([
      { attempts },
      { attempts, checkpoint: first },
      { attempts, checkpoint: first },
      { attempts, checkpoint: { offset: 20 } },
    ]); // still delivered
    expect(sampleValue(text, 'scheduler_execution_fire_lag_seconds_count')).toBe(2);
    expect(sampleValue(text, 'scheduler_execution_fire_lag_seconds_sum')).toBeCloseTo(0.25, 6); // 250 ms + 0
    expect(sampleValue(text, 'scheduler_execution_fire_lag_seconds_bucket', { le: '0.005' })).toBe(1);
    expect(sampleValue(text, 'scheduler_execution_duration_seconds_sum', { status: 'succeeded' })).toBeCloseTo(2, 6);
  });

  test('fire lag of a held attempt: its body start (from the attempt list it returns) minus the fire time', async () => {
    const { registry, run, setClock } = setup();
    setClock(SCHEDULED_MS - 2_000); // dispatched 2 s ahead, held until the scheduled time
    const bodyStart = new Date(SCHEDULED_MS + 7).toISOString();
    await run(1, async () => ({ attempt: 1, worker_id: 'w-1', attempts: [{ attempt: 1, started_at: bodyStart }] }));
    const text = await registry.metrics();
    expect(sampleValue(text, 'scheduler_execution_fire_lag_seconds_count')).toBe(1);
    expect(sampleValue(text, 'scheduler_execution_fire_lag_seconds_sum')).toBeCloseTo(0.007, 6);
  });

  test('logs start and end with job id, occurrence, attempt and worker', async () => {
    const { lines, run } = setup();
    await expect(run(2, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(lines.map((l) => l.msg)).toEqual(['execution started', 'execution ended']);
    for (const line of lines) {
      expect(line).toMatchObject({ job_id: 'job_1', occurrence: SCHEDULED, attempt: 2, worker: 'w-1' });
      expect(line.idempotency_key).toBe(`job_1:${SCHEDULED}`);
    }
    expect(lines[1]).toMatchObject({ status: 'failed', duration_ms: 1000, error: 'boom', level: 40 });
  });

  test('other activities pass through uncounted', async () => {
    const { registry, lines, run } = setup();
    expect(await run(1, async () => 'plain', [{ something: 'else' }])).toBe('plain');
    // An alert carries job_id and scheduled_time too, but it is not an execution of the job.
    const alert = { event: 'failed', job_id: 'job_1', scheduled_time: SCHEDULED, idempotency_key: 'job_1:alert' };
    expect(await run(1, async () => ({ sent: true }), [alert], 'sendAlert')).toEqual({ sent: true });
    expect(
      sampleValue(await registry.metrics(), 'scheduler_executions_total', { status: 'succeeded' }),
    ).toBeUndefined();
    expect(lines).toEqual([]);
  });
});

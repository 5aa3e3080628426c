/** GET /workers views from worker heartbeats and GET /job/executions query building, pure parts. */
import pino from 'pino';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app';
import { attemptsOnWorker, executionsVisibilityQuery } from '../../src/api/executions/service';
import { runningAttemptOf } from '../../src/api/jobs/service';
import { createTemporalClient } from '../../src/api/temporal-client';
import { workerView } from '../../src/api/workers/service';
import type { ExecutionRecord } from '../../src/domain/job-state';
import { ALICE, testAuth } from '../helpers/api-keys';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const ts = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 });

type Heartbeat = Parameters<typeof workerView>[0];
/** A worker heartbeat as ListWorkers answers it (seconds as numbers, where protobuf types say Long). */
const heartbeat = (ageMs: number, status = 1): Heartbeat =>
  ({
    workerIdentity: 'w1',
    workerInstanceKey: 'k1',
    hostInfo: { hostName: 'host-a', processId: '42', currentHostCpuUsage: 0.5, currentHostMemUsage: 0.25 },
    taskQueue: 'jobs',
    sdkName: 'temporal-typescript',
    sdkVersion: '1.24.0',
    status,
    startTime: ts(NOW - 60_000),
    heartbeatTime: ts(NOW - ageMs),
    elapsedSinceLastHeartbeat: { seconds: 1, nanos: 0 },
    activityTaskSlotsInfo: { currentAvailableSlots: 3, currentUsedSlots: 1 },
  }) as unknown as Heartbeat;

describe('workerView', () => {
  it('reads identity, host, capacity and load; healthy within 3 heartbeats', () => {
    expect(workerView(heartbeat(2_500), NOW)).toEqual({
      worker_id: 'w1',
      instance_key: 'k1',
      host: 'host-a',
      process_id: '42',
      task_queue: 'jobs',
      status: 'healthy',
      temporal_status: 'RUNNING',
      last_heartbeat: new Date(NOW - 2_500).toISOString(),
      heartbeat_age_ms: 2_500,
      heartbeat_interval_ms: 1_000,
      started_at: new Date(NOW - 60_000).toISOString(),
      capacity: 4,
      load: 1,
      cpu_usage: 0.5,
      memory_usage: 0.25,
      sdk: 'temporal-typescript@1.24.0',
    });
  });

  it('unhealthy after 3 missed heartbeats; stopped after a shutdown', () => {
    expect(workerView(heartbeat(3_001), NOW).status).toBe('unhealthy');
    expect(workerView(heartbeat(0, 3), NOW)).toMatchObject({ status: 'stopped', temporal_status: 'SHUTDOWN' });
  });

  it('copes with a heartbeat that lacks everything optional', () => {
    expect(workerView({}, NOW)).toMatchObject({
      worker_id: '',
      host: null,
      status: 'unhealthy',
      last_heartbeat: null,
      heartbeat_age_ms: null,
      started_at: null,
      capacity: null,
      load: null,
      temporal_status: 'UNSPECIFIED',
    });
  });
});

describe('executions by worker', () => {
  it('builds the visibility query: running jobs whose fire time has come, or jobs the worker ran', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(executionsVisibilityQuery({ worker_id: "w'1", status: 'running' }, now)).toBe(
      "WorkflowType = 'jobWorkflow' AND ExecutionStatus = 'Running' AND JobStatus = 'pending' AND NextRunTime <= '2026-01-01T00:00:00.000Z'",
    );
    expect(executionsVisibilityQuery({ worker_id: 'w1', status: 'succeeded', user_id: 'u1' })).toBe(
      "WorkflowType = 'jobWorkflow' AND WorkerIds = 'w1' AND UserId = 'u1'",
    );
  });

  it('reads the attempt in flight from the pending activity, null without one', () => {
    const description = (pendingActivities: unknown[]) =>
      ({ raw: { pendingActivities } }) as unknown as Parameters<typeof runningAttemptOf>[0];
    expect(runningAttemptOf(description([]))).toBeNull();
    expect(
      runningAttemptOf(
        description([
          {
            activityId: 'j:2026-01-01T00:00:00.000Z',
            attempt: 2,
            state: 2,
            lastWorkerIdentity: 'w1',
            lastStartedTime: { seconds: 1767225600, nanos: 5_000_000 },
            lastHeartbeatTime: { seconds: 1767225601 },
            lastFailure: { message: 'boom' },
          },
        ]),
      ),
    ).toEqual({
      execution_id: 'j:2026-01-01T00:00:00.000Z',
      attempt: 2,
      state: 'started',
      worker_id: 'w1',
      started_at: '2026-01-01T00:00:00.005Z',
      last_heartbeat_at: '2026-01-01T00:00:01.000Z',
      last_failure: 'boom',
    });
    expect(runningAttemptOf(description([{ activityId: 'j:t', state: 1 }]))).toMatchObject({
      state: 'scheduled',
      attempt: 1,
      worker_id: null,
      started_at: null,
    });
  });

  it('picks the attempts of one worker with one status, newest end first', () => {
    const record = (id: string, attempts: ExecutionRecord['attempt_history']): ExecutionRecord => ({
      execution_id: id,
      scheduled_time: 't',
      started_at: 't',
      finished_at: 't',
      status: 'succeeded',
      attempts: 1,
      worker_id: 'w1',
      ...(attempts ? { attempt_history: attempts } : {}),
    });
    const job = { job_id: 'j', name: 'n', user_id: 'u' };
    const error = { message: 'gone', type: 'WorkerLost', non_retryable: false };
    const rows = attemptsOnWorker(
      job,
      [
        record('j:1', [
          { attempt: 1, worker_id: 'w1', started_at: 'a', finished_at: '2', status: 'worker_lost', error },
          { attempt: 2, worker_id: 'w2', started_at: 'b', finished_at: '3', status: 'succeeded' },
        ]),
        record('j:2', [{ attempt: 1, worker_id: 'w1', started_at: 'c', finished_at: '5', status: 'worker_lost' }]),
        record('j:3', undefined),
      ],
      'w1',
      'worker_lost',
    );
    expect(rows.map((r) => [r.execution_id, r.attempt, r.finished_at])).toEqual([
      ['j:2', 1, '5'],
      ['j:1', 1, '2'],
    ]);
    expect(rows[1]).toMatchObject({ ...job, worker_id: 'w1', status: 'worker_lost', error });
  });
});

describe('routes: validation before Temporal', () => {
  const client = createTemporalClient('127.0.0.1:1', 'default');
  const app = createApp({ client, taskQueue: 'test', logger: pino({ level: 'silent' }), auth: testAuth() });
  afterAll(async () => {
    await client.connection.close();
  });

  it.each([
    ['/job/executions', 'worker_id'],
    ['/job/executions?worker_id=w1&status=lost', 'status'],
    ['/job/executions?worker_id=w1&limit=0', 'limit'],
    ["/job/executions?worker_id=w'1", 'worker_id'],
    ['/workers?task_queue=a%20b', 'task_queue'],
    ['/workers/w1?task_queue=a%20b', 'task_queue'],
  ])('GET %s is a 400 naming %s', async (path, field) => {
    const res = await request(app).get(path).set('Authorization', `Bearer ${ALICE.key}`);
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  });
});

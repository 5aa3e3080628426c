/**
 * The control routes resolve a job once per request: on the app (supertest) with a Temporal client
 * whose workflow handles are scripted, each route's Temporal calls are counted. A PATCH makes two
 * before its update (the description, the `describe` query), pause, resume and trigger one; an
 * ended job is a 409 and another user's job a 404 after that one call.
 */
import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app';
import { createTemporalClient } from '../../src/api/temporal-client';
import { jobSubmissionSchema, toJobSpec } from '../../src/domain/job-spec';
import type { JobDescription } from '../../src/domain/job-state';
import { ALICE, BOB, bearer, testAuth } from '../helpers/api-keys';

const client = createTemporalClient('127.0.0.1:1', 'default');
afterAll(() => client.connection.close());

const spec = toJobSpec(
  jobSubmissionSchema.parse({
    name: 'report',
    frequency: 'cron',
    cron: '0 9 * * *',
    payload: { type: 'handler', name: 'demo.echo' },
  }),
  'job_1',
  Date.parse('2026-01-01T00:00:00Z'),
  'alice',
);

function state(overrides: Partial<JobDescription> = {}): JobDescription {
  return {
    job_id: 'job_1',
    spec,
    status: 'pending',
    next_run_time: '2026-01-02T09:00:00.000Z',
    last_run_time: null,
    retry_count: 0,
    executions: [],
    generation: 0,
    counts: { succeeded: 0, failed: 0, skipped: 0, cancelled: 0 },
    next_occurrence: '2026-01-02T09:00:00.000Z',
    paused: false,
    scheduled_runs: 0,
    ledger_seq: 0,
    waiting: [],
    health: { state: 'unknown', consecutive_failures: 0, last_success_time: null, last_failure: null },
    last_execution: null,
    ...overrides,
  };
}

/** Temporal calls made through the scripted handles, in order. */
const calls: string[] = [];
let workflowStatus = 'RUNNING';

const handle = {
  describe: async () => {
    calls.push('describe');
    return {
      type: 'jobWorkflow',
      runId: 'run_1',
      status: { name: workflowStatus },
      startTime: new Date(0),
      memo: {},
      raw: {},
      typedSearchAttributes: { get: (key: { name: string }) => (key.name === 'UserId' ? 'alice' : undefined) },
    };
  },
  query: async (definition: { name: string }) => {
    calls.push(`query ${definition.name}`);
    return definition.name === 'describe' ? state() : [];
  },
  executeUpdate: async (definition: { name: string }, options?: { args: [{ spec?: typeof spec }] }) => {
    calls.push(`update ${definition.name}`);
    if (definition.name === 'trigger') {
      return { execution_id: 'job_1:manual:t', scheduled_time: '2026-01-01T10:00:00.000Z', status: 'started' };
    }
    return state({
      paused: definition.name === 'pause',
      ...(options?.args[0].spec ? { spec: options.args[0].spec } : {}),
    });
  },
};
// Every handle the API asks for is the scripted one.
client.workflow.getHandle = (() => handle) as unknown as typeof client.workflow.getHandle;

const app = createApp({ client, taskQueue: 'jobs', logger: pino({ level: 'silent' }), auth: testAuth() });
const as = (caller = ALICE) => ({
  post: (path: string) => request(app).post(path).set('Authorization', bearer(caller)),
  patch: (path: string) => request(app).patch(path).set('Authorization', bearer(caller)),
});

beforeEach(() => {
  calls.length = 0;
  workflowStatus = 'RUNNING';
});

describe('one check per request', () => {
  it('PATCH: the description and the describe query, then the update', async () => {
    const res = await as().patch('/jobs/job_1').send({ cron: '0 10 * * *', jitter: null });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.spec).toMatchObject({ cron: '0 10 * * *', user_id: 'alice', job_id: 'job_1' });
    expect(res.body.next_run_times).toHaveLength(5);
    expect(calls).toEqual(['describe', 'query describe', 'update patch']);
  });

  it('pause, resume and trigger: the description, then the update', async () => {
    for (const action of ['pause', 'resume', 'trigger']) {
      calls.length = 0;
      const res = await as().post(`/jobs/job_1/${action}`);
      expect(res.status, action).toBe(action === 'trigger' ? 202 : 200);
      expect(calls).toEqual(['describe', `update ${action}`]);
    }
  });

  it('the ledger: the description, then the executions query', async () => {
    const res = await request(app).get('/jobs/job_1/executions').set('Authorization', bearer(ALICE));
    expect(res.body).toEqual({ job_id: 'job_1', executions: [], next_page_token: null });
    expect(calls).toEqual(['describe', 'query executions']);
  });

  it("an ended job is a 409, another user's job a 404, a refused field a 400: nothing after the description", async () => {
    workflowStatus = 'COMPLETED';
    const ended = await as().patch('/jobs/job_1').send({ cron: '0 10 * * *' });
    expect(ended.status).toBe(409);
    expect(ended.body).toMatchObject({ type: '/problems/job-ended' });
    expect((await as().post('/jobs/job_1/pause')).status).toBe(409);
    workflowStatus = 'RUNNING';
    expect((await as(BOB).patch('/jobs/job_1').send({ cron: '0 10 * * *' })).status).toBe(404);
    const owner = await as().patch('/jobs/job_1').send({ user_id: 'bob' });
    expect(owner.body.errors).toEqual([{ field: 'user_id', message: 'cannot be changed' }]);
    const notObject = await as().patch('/jobs/job_1').send([1]);
    expect(notObject.body.errors).toEqual([{ field: 'body', message: 'must be a JSON object of fields to change' }]);
    expect(calls).toEqual(['describe', 'describe', 'describe', 'describe', 'describe']);
  });
});

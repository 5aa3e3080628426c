/**
 * Job health, alerts and what a run did, on the real stack (embedded Temporal dev server, worker
 * and API as separate processes): a job whose runs fail turns `failing` in GET /jobs/{id}, its
 * row and the overview; `GET /jobs?health=failing` lists exactly the caller's failing jobs; the
 * alert receiver (test/helpers/alert-receiver.ts, on 127.0.0.1) gets exactly one signed `failed`
 * alert with its Idempotency-Key, then, after a PATCH to a handler that succeeds, exactly one
 * `recovered` alert and the job turns `ok`; a run's output and attempts come from
 * GET /jobs/{id}/executions/{execution_id}; GET /handlers lists what the worker registers; a real
 * worker outage longer than catchup_window sends one `missed` alert.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  type AlertReceiver,
  type ReceivedAlert,
  signatureVerifies,
  startAlertReceiver,
} from '../helpers/alert-receiver';
import { ALICE, BOB } from '../helpers/api-keys';
import { type Json, type Stack, startStack } from '../helpers/e2e-stack';
import { waitFor } from '../helpers/wait';

const SECRET = 'whsec_test_0123456789abcdef';
const WAIT = { timeoutMs: 60_000, intervalMs: 250 };

let stack: Stack;
let receiver: AlertReceiver;
let receiverUrl: string;
let alerts: ReceivedAlert[] = [];

beforeAll(async () => {
  receiver = await startAlertReceiver();
  receiverUrl = receiver.url;
  alerts = receiver.alerts;
  const cliPath = inject('temporalCliPath');
  if (cliPath === null) throw new Error('no Temporal CLI: global setup could not install one');
  stack = await startStack({
    cliPath,
    name: 'health-e2e',
    callers: [ALICE, BOB],
    // The receiver is on loopback, which alerts (like http jobs) may call only when allowed.
    env: { HTTP_ALLOW_TARGETS: '127.0.0.1', NOTIFY_SIGNING_SECRET: SECRET },
  });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
});

/** A per-2-second cron job of `caller` running `handler` (args `args`). */
async function createJob(caller: typeof ALICE, name: string, handler: string, extra: Json = {}): Promise<string> {
  const res = await stack.request(
    'POST',
    '/jobs',
    {
      name,
      frequency: 'cron',
      cron: '*/2 * * * * *',
      payload: { type: 'handler', name: handler, args: { message: name } },
      retry: { max_retries: 0, initial_interval: '1s', backoff_coefficient: 1 },
      ...extra,
    },
    caller,
  );
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.job_id as string;
}

function verifies(alert: ReceivedAlert): boolean {
  return signatureVerifies(alert, SECRET);
}

describe('health, alerts and runs on the real stack', () => {
  it('GET /handlers lists what the worker registers', async () => {
    const res = await stack.request('GET', '/handlers', undefined, ALICE);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ task_queue: stack.taskQueue, source: 'workers' });
    expect(res.body.handlers).toEqual(expect.arrayContaining(['demo.echo', 'demo.fail', 'demo.sleep']));
    expect([...res.body.handlers].sort()).toEqual(res.body.handlers);
  });

  it('a failing job: failing everywhere, one signed failed alert; after a PATCH, one recovered alert and ok', async () => {
    const failing = await createJob(ALICE, 'health alice failing', 'demo.fail', { notify: { url: receiverUrl } });
    const fine = await createJob(ALICE, 'health alice fine', 'demo.echo');
    const bobs = await createJob(BOB, 'health bob failing', 'demo.fail');

    const job = await waitFor(
      async () => {
        const res = await stack.request('GET', `/jobs/${failing}`, undefined, ALICE);
        return res.body.health?.consecutive_failures >= 2 ? res.body : undefined;
      },
      { ...WAIT, what: 'the job failing after 2 runs' },
    );
    expect(job.health.state).toBe('failing');
    expect(job.health.last_success_time).toBeNull();
    expect(job.health.last_failure.error.message).toMatch(/.+/);

    // The list filter, per caller (tenancy holds), once visibility has the upsert.
    const failingIds = (caller: typeof ALICE) =>
      stack
        .request('GET', '/jobs?health=failing', undefined, caller)
        .then((r) => (r.body.jobs as Json[]).map((j) => j.job_id as string).sort());
    await waitFor(
      async () => {
        const [a, b] = await Promise.all([failingIds(ALICE), failingIds(BOB)]);
        return a.length === 1 && b.length === 1;
      },
      { ...WAIT, what: 'alice and bob listed as failing' },
    );
    expect(await failingIds(ALICE)).toEqual([failing]);
    expect(await failingIds(BOB)).toEqual([bobs]);
    const ok = await waitFor(
      async () => {
        const r = await stack.request('GET', '/jobs?health=ok', undefined, ALICE);
        return (r.body.jobs as Json[]).length === 1 ? r.body.jobs : undefined;
      },
      { ...WAIT, what: 'the fine job ok' },
    );
    expect(ok[0].job_id).toBe(fine);
    const row = (await stack.request('GET', '/jobs', undefined, ALICE)).body.jobs.find(
      (j: Json) => j.job_id === failing,
    );
    expect(row.health.state).toBe('failing');
    expect(row.health.consecutive_failures).toBeGreaterThanOrEqual(2);
    const overview = await stack.request('GET', '/stats/overview', undefined, ALICE);
    expect(overview.body.jobs_by_health).toMatchObject({ failing: 1, ok: 1 });

    // Exactly one failed alert however many runs failed, signed, with its idempotency key.
    await waitFor(() => alerts.length >= 1, { ...WAIT, what: 'the failed alert' });
    const [failed] = alerts;
    expect(failed?.body).toMatchObject({ event: 'failed', job_id: failing, name: 'health alice failing' });
    expect(failed?.body.error.message).toBe(job.health.last_failure.error.message);
    expect(failed?.body.health.state).toBe('failing');
    expect(failed && verifies(failed)).toBe(true);
    expect(failed?.headers['idempotency-key']).toBe(`${failing}:alert:failed:${failed?.body.scheduled_time}`);

    const patched = await stack.request(
      'PATCH',
      `/jobs/${failing}`,
      { payload: { type: 'handler', name: 'demo.echo', args: { recovered: true } } },
      ALICE,
    );
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    await waitFor(() => alerts.length >= 2, { ...WAIT, what: 'the recovered alert' });
    // A few more runs: still exactly the two alerts.
    const recovered = await waitFor(
      async () => {
        const res = await stack.request('GET', `/jobs/${failing}`, undefined, ALICE);
        return res.body.counts.succeeded >= 3 ? res.body : undefined;
      },
      { ...WAIT, what: 'three successes' },
    );
    expect(alerts.map((a) => a.body.event)).toEqual(['failed', 'recovered']);
    expect(alerts[1] && verifies(alerts[1])).toBe(true);
    expect(recovered.health).toMatchObject({ state: 'ok', consecutive_failures: 0, last_failure: null });

    // What the run did: its output and attempts, one run by its id.
    const last = recovered.executions.find((e: Json) => e.status === 'succeeded');
    const one = await stack.request(
      'GET',
      `/jobs/${failing}/executions/${encodeURIComponent(last.execution_id)}`,
      undefined,
      ALICE,
    );
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({
      execution_id: last.execution_id,
      status: 'succeeded',
      output: { recovered: true },
    });
    expect(one.body.attempt_history).toHaveLength(1);
    expect(
      (
        await stack.request(
          'GET',
          `/jobs/${failing}/executions/${encodeURIComponent(last.execution_id)}`,
          undefined,
          BOB,
        )
      ).status,
    ).toBe(404);
    expect(
      (await stack.request('GET', `/jobs/${failing}/executions/${failing}:2000-01-01T00:00:00.000Z`, undefined, ALICE))
        .status,
    ).toBe(404);

    for (const id of [failing, fine]) await stack.request('DELETE', `/jobs/${id}`, undefined, ALICE);
    await stack.request('DELETE', `/jobs/${bobs}`, undefined, BOB);
  });

  it('missed: a real worker outage longer than catchup_window sends one `missed` alert', async () => {
    const before = alerts.length;
    const res = await stack.request(
      'POST',
      '/jobs',
      {
        name: 'health missed',
        frequency: 'interval',
        every: '1s',
        catchup_window: '2s',
        misfire_policy: 'skip',
        payload: { type: 'handler', name: 'demo.echo', args: {} },
        notify: { url: receiverUrl, events: ['missed'] },
      },
      ALICE,
    );
    expect(res.status).toBe(201);
    const jobId = res.body.job_id as string;
    await waitFor(
      async () => (await stack.request('GET', `/jobs/${jobId}`, undefined, ALICE)).body.counts.succeeded >= 2,
      { ...WAIT, what: 'two runs' },
    );
    // Every worker down for 8 s (kill -9), then a new one.
    const [worker] = stack.workers;
    worker?.process.kill('SIGKILL');
    await worker?.exited;
    const downAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    await stack.startWorker(`${stack.workerIdentity}-after-outage`);
    await waitFor(() => alerts.length > before, { ...WAIT, what: 'the missed alert' });
    const missed = alerts.slice(before);
    expect(missed.map((a) => a.body.event)).toEqual(['missed']);
    expect(missed[0]?.body).toMatchObject({ job_id: jobId, error: { type: 'Missed' } });
    expect(Date.parse(missed[0]?.body.scheduled_time)).toBeGreaterThanOrEqual(downAt - 1_000);
    expect(missed[0] && verifies(missed[0])).toBe(true);
    const ledger = (await stack.request('GET', `/jobs/${jobId}/executions?limit=100`, undefined, ALICE)).body
      .executions;
    const skipped = ledger.find((e: Json) => e.reason === 'misfire');
    expect(skipped.scheduled_time).toBe(missed[0]?.body.scheduled_time);
    await stack.request('DELETE', `/jobs/${jobId}`, undefined, ALICE);
  });
});

/**
 * A full disk under the embedded Temporal server, on the real stack: its SQLite database lives on a
 * 40 MiB tmpfs (mounted here; the test runs as root), which a filler file then fills. Jobs accepted
 * before keep running into the sink where they can. While the disk is full, `POST /jobs` answers
 * 503 `temporal-unavailable` with `Retry-After` (problem+json), not 500. Once the filler is deleted
 * service resumes: a new job is accepted (201) and runs. Judged: nothing lost, no phantom, no
 * duplicate outside the attempts in flight when the disk filled; every one-time job ran exactly once.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { DEFAULT_SQLITE_PRAGMAS, parseSqlitePragmas } from '../../src/config/schema';
import { type Sink, startSink } from '../helpers/e2e-sink';
import { E2E_CALLER, type Json, type Stack, startStack } from '../helpers/e2e-stack';
import { sleep, waitFor } from '../helpers/wait';
import { formatFigures } from './lib/accounting';
import { judge, wallClock } from './lib/judge';
import { fillUp, mountTmpfs, removeFiller, type Tmpfs } from './lib/tmpfs';

const TMPFS_MIB = 40;
/** How long the disk stays full once the first submission was refused. */
const FULL_FOR_MS = 8_000;

let tmpfs: Tmpfs;
let stack: Stack;
let sink: Sink;

beforeAll(async () => {
  const cliPath = inject('temporalCliPath');
  if (cliPath === null) throw new Error('no Temporal CLI: global setup could not install one');
  tmpfs = mountTmpfs(TMPFS_MIB);
  sink = await startSink();
  stack = await startStack({
    cliPath,
    name: 'full-disk',
    dataDir: join(tmpfs.dir, 'data'),
    // The database as `npm start` has it.
    sqlitePragmas: parseSqlitePragmas(DEFAULT_SQLITE_PRAGMAS),
  });
});

afterAll(async () => {
  await stack?.stop();
  await sink?.close();
  tmpfs?.unmount();
});

/** A job of this scenario: a periodic one (every 2 s) or a one-time one due at `at`. */
function job(name: string, at?: Date): Record<string, unknown> {
  const payload = { type: 'http', method: 'POST', url: `${sink.url}/${name}` };
  return at === undefined
    ? { name, frequency: 'interval', every: '2s', payload }
    : { name, frequency: 'once', execution_time: at.toISOString(), payload };
}

/** An answer of `POST /jobs` with its Retry-After header. */
interface Submitted {
  status: number;
  contentType: string;
  retryAfter: string | null;
  body: Json;
}

test('full disk under the server: 503 with Retry-After, nothing lost, service resumes', async () => {
  const clock = wallClock('full disk');
  const accepted: string[] = [];
  const submit = async (body: Record<string, unknown>): Promise<Submitted> => {
    const response = await fetch(`${stack.apiUrl}/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${E2E_CALLER.key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const contentType = response.headers.get('content-type') ?? '';
    const text = await response.text();
    const res = {
      status: response.status,
      contentType,
      retryAfter: response.headers.get('retry-after'),
      body: /json/.test(contentType) ? JSON.parse(text) : text,
    };
    if (res.status === 201) accepted.push(res.body.job_id as string);
    return res;
  };
  for (let i = 0; i < 3; i++) expect((await submit(job(`periodic-${i}`))).status).toBe(201);
  for (let i = 0; i < 3; i++) expect((await submit(job(`once-${i}`, new Date()))).status).toBe(201);
  await waitFor(() => accepted.every((id) => sink.callsFor(id).length > 0), { what: 'every job at the sink' });

  const filler = join(tmpfs.dir, 'filler');
  const fullAt = Date.now();
  const filled = fillUp(filler);
  console.log(`[faults] full disk: filler of ${(filled / 2 ** 20).toFixed(1)} MiB, ${tmpfs.free()} bytes free`);

  // Submissions until the server's writes fail; any accepted meanwhile must run later.
  const refused = await waitFor(
    async () => {
      const res = await submit(job('while-full', new Date()));
      return res.status === 201 ? undefined : res;
    },
    { timeoutMs: 60_000, intervalMs: 500, what: 'POST /jobs refused while the disk is full' },
  );
  const refusedAfterMs = Date.now() - fullAt;
  console.log(
    `[faults] full disk: POST /jobs → ${refused.status} ${JSON.stringify(refused.body)} after ${refusedAfterMs} ms`,
  );
  const logged = stack.api.output
    .map((line) => {
      try {
        return JSON.parse(line) as { err?: { message?: string } };
      } catch {
        return null;
      }
    })
    .filter((entry) => entry?.err?.message !== undefined)
    .at(-1);
  console.log(`[faults] full disk: Temporal answered the API: ${logged?.err?.message ?? '(not logged)'}`);
  expect(refused.status).toBe(503);
  expect(refused.contentType).toMatch(/^application\/problem\+json/);
  expect(refused.body).toMatchObject({ type: '/problems/temporal-unavailable', status: 503 });
  expect(refused.retryAfter).toMatch(/^\d+$/);

  // The disk stays full for a while: every answer meanwhile is 201 (accepted, so it must run later)
  // or 503 with Retry-After, never a 500.
  const answers: Submitted[] = [];
  const fullUntil = Date.now() + FULL_FOR_MS;
  while (Date.now() < fullUntil) {
    answers.push(await submit(job('while-full', new Date())));
    await sleep(250);
  }
  const byStatus: Record<string, number> = {};
  for (const a of answers) byStatus[a.status] = (byStatus[a.status] ?? 0) + 1;
  console.log(`[faults] full disk: ${answers.length} more submissions while full → ${JSON.stringify(byStatus)}`);
  expect(answers.filter((a) => a.status !== 201 && a.status !== 503).map((a) => [a.status, a.body])).toEqual([]);
  expect(answers.filter((a) => a.status === 503 && !/^\d+$/.test(a.retryAfter ?? ''))).toEqual([]);
  expect(stack.server.child.process.exitCode, 'the server still runs').toBeNull();

  removeFiller(filler);
  const freedAt = Date.now();
  const resumed = await waitFor(
    async () => {
      const res = await submit(job('after', new Date()));
      return res.status === 201 ? res : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 500, what: 'POST /jobs accepted once the disk has room' },
  );
  const afterId = resumed.body.job_id as string;
  await waitFor(() => sink.callsFor(afterId).length > 0, { timeoutMs: 60_000, what: 'the new job at the sink' });
  console.log(`[faults] full disk: filler deleted → new job at the sink after ${Date.now() - freedAt} ms`);

  // Every job accepted runs: the periodic ones again after the disk was freed, the one-time ones once.
  const periodic = accepted.slice(0, 3);
  await waitFor(
    () =>
      accepted.every((id) => sink.callsFor(id).length > 0) &&
      periodic.every((id) => sink.callsFor(id).some((c) => c.receivedAt > freedAt + 3_000)),
    { timeoutMs: 60_000, what: 'every accepted job at the sink' },
  );
  // The fault lasts until the disk has room again: an attempt that reached the sink while it was
  // full could not have its result stored, so it was in flight; it ends at the freeing.
  const { figures, ledgers } = await judge({
    stack,
    sink,
    jobIds: accepted,
    faultAtMs: freedAt,
    inFlightSlackMs: freedAt - fullAt + 5_000,
    cutoffMs: Date.now() - 3_000,
  });
  console.log(formatFigures(`full disk (${accepted.length} jobs accepted)`, figures));
  expect(figures.lost).toEqual([]);
  expect(figures.phantom).toEqual([]);
  expect(figures.unexplainedDuplicates).toEqual([]);
  // The one-time jobs: one succeeded entry, one key at the sink.
  for (const id of accepted.slice(3)) {
    const entries = ledgers.get(id) ?? [];
    expect(
      entries.map((e) => e.status),
      `${id}: ledger`,
    ).toEqual(['succeeded']);
    expect(new Set(sink.callsFor(id).map((c) => c.idempotencyKey)).size, `${id}: keys at the sink`).toBe(1);
  }
  clock.done();
});

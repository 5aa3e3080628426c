/**
 * Encrypted payloads on the real stack (embedded Temporal dev server, worker and API as separate
 * processes, both with PAYLOAD_KEYS): an http job with an `Authorization: Bearer s3cr3t-…` header
 * runs once against a node:http receiver on 127.0.0.1 that gets the header; the secret then
 * appears nowhere in `temporal workflow show --output json` nor in the server's SQLite files
 * (database, -wal, -shm, read as bytes, also searched for the secret's base64 forms), where the
 * payloads say `binary/encrypted`; GET /jobs/{id} still shows the spec (the API decrypts); the
 * codec server decodes the workflow input and the activity input for the owner and an admin,
 * returns them still encrypted to another user, answers 401 without a key; and the Temporal CLI
 * itself decodes the history through it (`--codec-endpoint`, `--codec-auth`): the owner's key
 * decodes the job's inputs and results (payloads that name no job stay encrypted), another
 * user's key decodes nothing of it. In a browser (playwright-core + /usr/bin/chromium), the
 * Temporal Web UI set to this codec server with "Include cross-origin credentials" shows the
 * owner, signed in at /codec, the job's input with the secret header, and another signed-in user
 * the ciphertext (screenshots in test-results/codec/).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startEntry, stopProcess, waitForOutput } from '../../src/dev/processes';
import { freePorts } from '../../src/free-ports';
import { ALICE, apiKeysEnv, BOB } from '../helpers/api-keys';
import { cleanEnv, E2E_CALLER, type Json, type Stack, startStack } from '../helpers/e2e-stack';
import { waitFor } from '../helpers/wait';

const SECRET = `s3cr3t-${randomUUID()}`;
const ENCRYPTED_B64 = Buffer.from('binary/encrypted').toString('base64');
const PAYLOAD_KEYS = `e2e-2:${randomBytes(32).toString('base64')},e2e-1:${randomBytes(32).toString('base64')}`;
const SHOTS = join(__dirname, '..', '..', 'test-results', 'codec');

let stack: Stack;
let receiver: Server;
let receiverUrl: string;
const received: (string | undefined)[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    received.push(req.headers.authorization);
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'));
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const cliPath = inject('temporalCliPath');
  if (cliPath === null) throw new Error('no Temporal CLI: global setup could not install one');
  stack = await startStack({
    cliPath,
    name: 'codec-e2e',
    callers: [ALICE, BOB],
    env: {
      HTTP_ALLOW_TARGETS: '127.0.0.1',
      PAYLOAD_KEYS,
    },
  });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
});

/** The secret and its base64 forms at each of the three alignments (middle characters only). */
function needles(secret: string): string[] {
  const forms = [0, 1, 2].map((pad) => {
    const b64 = Buffer.concat([Buffer.alloc(pad, 0x20), Buffer.from(secret)]).toString('base64');
    return b64.slice(4, -4);
  });
  return [secret, ...forms];
}

/** Every `{ metadata, data }` payload in a JSON value whose encoding is binary/encrypted. */
function encryptedPayloads(value: Json, path = ''): { path: string; payload: Json }[] {
  if (value === null || typeof value !== 'object') return [];
  if (value.metadata?.encoding === ENCRYPTED_B64) return [{ path, payload: value }];
  return Object.entries(value).flatMap(([k, v]) => encryptedPayloads(v, `${path}.${k}`));
}

const plain = (payload: Json): Json => JSON.parse(Buffer.from(payload.data, 'base64').toString('utf8'));

describe('encrypted payloads on the real stack', () => {
  let jobId: string;

  it('an http job with a secret header runs once and the receiver gets the header', async () => {
    const name = `codec-${randomUUID().slice(0, 8)}`;
    const res = await stack.request(
      'POST',
      '/jobs',
      {
        name,
        frequency: 'once',
        execution_time: new Date().toISOString(),
        payload: { type: 'http', method: 'POST', url: receiverUrl, headers: { Authorization: `Bearer ${SECRET}` } },
      },
      ALICE,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    jobId = res.body.job_id;
    await waitFor(
      async () => (await stack.request('GET', `/jobs/${jobId}`, undefined, ALICE)).body.status === 'completed',
      { timeoutMs: 60_000, what: 'the job to complete' },
    );
    expect(received).toEqual([`Bearer ${SECRET}`]);
  });

  it('the secret is nowhere in `temporal workflow show --output json`; the payloads there are encrypted', async () => {
    const shown = await stack.cli(['workflow', 'show', '--workflow-id', jobId, '--output', 'json']);
    for (const needle of needles(SECRET)) expect(shown, needle).not.toContain(needle);
    const events = JSON.parse(shown).events as Json[];
    const started = events.find((e) => e.workflowExecutionStartedEventAttributes);
    expect(started.workflowExecutionStartedEventAttributes.input.payloads[0].metadata.encoding).toBe(ENCRYPTED_B64);
    const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes);
    expect(scheduled.activityTaskScheduledEventAttributes.input.payloads[0].metadata.encoding).toBe(ENCRYPTED_B64);
    expect(encryptedPayloads(events).length).toBeGreaterThanOrEqual(3);
  });

  it("the secret is nowhere in the server's SQLite files (database, -wal, -shm), which hold encrypted payloads", async () => {
    const dir = dirname(stack.server.dbFile);
    const files = readdirSync(dir).filter((f) => f.startsWith('temporal.db'));
    expect(files).toContain('temporal.db');
    const bytes = files.map((f) => ({ file: f, data: readFileSync(join(dir, f)) }));
    for (const { file, data } of bytes) {
      for (const needle of needles(SECRET)) expect(data.includes(needle), `${file}: ${needle}`).toBe(false);
    }
    // The scan reads where the history is: the encrypted payloads and the plain job id are there.
    expect(bytes.some(({ data }) => data.includes('binary/encrypted'))).toBe(true);
    expect(bytes.some(({ data }) => data.includes(jobId))).toBe(true);
  });

  it('GET /jobs/{id} still shows the spec with its header (the API decrypts)', async () => {
    const res = await stack.request('GET', `/jobs/${jobId}`, undefined, ALICE);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.spec.payload.headers).toEqual({ Authorization: `Bearer ${SECRET}` });
    expect(res.body.last_execution.status).toBe('succeeded');
  });

  it("the codec server decodes the owner's payloads for the owner and an admin; another user gets them still encrypted; no key is a 401", async () => {
    const events = JSON.parse(await stack.cli(['workflow', 'show', '--workflow-id', jobId, '--output', 'json']))
      .events as Json[];
    const input = events.find((e) => e.workflowExecutionStartedEventAttributes).workflowExecutionStartedEventAttributes
      .input.payloads[0];
    const activityInput = events.find((e) => e.activityTaskScheduledEventAttributes)
      .activityTaskScheduledEventAttributes.input.payloads[0];
    const body = { payloads: [input, activityInput] };

    for (const caller of [ALICE, E2E_CALLER]) {
      const res = await stack.request('POST', '/codec/decode', body, caller);
      expect(res.status, caller.user_id).toBe(200);
      const [spec, activity] = res.body.payloads.map(plain);
      expect(spec.spec).toMatchObject({ job_id: jobId, user_id: 'alice' });
      expect(spec.spec.payload.headers.Authorization).toBe(`Bearer ${SECRET}`);
      expect(activity).toMatchObject({ job_id: jobId, payload: { headers: { Authorization: `Bearer ${SECRET}` } } });
    }
    const bob = await stack.request('POST', '/codec/decode', body, BOB);
    expect(bob.status).toBe(200);
    expect(bob.body.payloads).toEqual(body.payloads);
    for (const needle of needles(SECRET)) expect(JSON.stringify(bob.body)).not.toContain(needle);
    const anonymous = await stack.request('POST', '/codec/decode', body, null);
    expect(anonymous.status).toBe(401);
  });

  it('the Temporal CLI shows the history decoded through the codec server with the owner’s key, not with another’s', async () => {
    const show = (key: string) =>
      stack.cli([
        'workflow',
        'show',
        '--workflow-id',
        jobId,
        '--output',
        'json',
        '--codec-endpoint',
        `${stack.apiUrl}/codec`,
        '--codec-auth',
        `Bearer ${key}`,
      ]);
    // The CLI's JSON shows decoded json/plain payloads base64-encoded: look for the secret's forms.
    const asAlice = await show(ALICE.key);
    expect(needles(SECRET).some((needle) => asAlice.includes(needle))).toBe(true);
    // Still encrypted for her: only payloads that name no job (summaries, memo, the activity's result).
    const left = encryptedPayloads(JSON.parse(asAlice).events).map((p) => p.path);
    expect(left.length).toBeGreaterThan(0);
    for (const path of left) {
      expect(path).toMatch(/userMetadata\.summary$|\.memo\.fields\.|activityTaskCompletedEventAttributes\.result/);
    }
    const asBob = await show(BOB.key);
    for (const needle of needles(SECRET)) expect(asBob).not.toContain(needle);
    expect(encryptedPayloads(JSON.parse(asBob).events).length).toBeGreaterThanOrEqual(3);
  });
  it('the Temporal Web UI shows the decoded spec to its owner signed in at /codec, and not to another user', async () => {
    // An API whose TEMPORAL_UI_URL is this dev server's Web UI (its origin is the one CORS allows).
    const [port] = (await freePorts(1)) as [number];
    const apiUrl = `http://127.0.0.1:${port}`;
    const api = startEntry('api (web ui)', 'api/main.ts', {
      ...cleanEnv(),
      NO_PROXY: '127.0.0.1,localhost',
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TASK_QUEUE: stack.taskQueue,
      API_HOST: '127.0.0.1',
      API_PORT: String(port),
      API_KEYS: apiKeysEnv([E2E_CALLER, ALICE, BOB]),
      PAYLOAD_KEYS,
      TEMPORAL_UI_URL: stack.server.uiUrl,
    });
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    });
    try {
      await waitForOutput(api, /api listening/, 60_000);
      const asUser = async (caller: typeof ALICE) => {
        const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
        // The Web UI's codec settings as its dialog stores them in the browser: this endpoint, with
        // "Include cross-origin credentials", instead of the server-level setting.
        await context.addInitScript((endpoint) => {
          localStorage.setItem('endpoint', JSON.stringify(endpoint));
          localStorage.setItem('includeCredentials', 'true');
          localStorage.setItem('overrideRemoteCodecConfiguration', 'true');
        }, `${apiUrl}/codec`);
        const page = await context.newPage();
        await page.goto(`${apiUrl}/codec`);
        await page.getByLabel('API key').fill(caller.key);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByText(`Signed in as ${caller.user_id}`).waitFor();
        await page.goto(`${stack.server.uiUrl}/namespaces/default/workflows/${jobId}`);
        return { context, page };
      };

      const alice = await asUser(ALICE);
      await expect.poll(() => alice.page.locator('body').textContent(), { timeout: 30_000 }).toContain(SECRET);
      await alice.page.screenshot({ path: join(SHOTS, 'web-ui-decoded-owner.png') });
      await alice.context.close();

      // Bob's decode request gets the payloads back as sent: the Web UI shows the ciphertext.
      const events = JSON.parse(await stack.cli(['workflow', 'show', '--workflow-id', jobId, '--output', 'json']))
        .events as Json[];
      const ciphertext = events.find((e) => e.workflowExecutionStartedEventAttributes)
        .workflowExecutionStartedEventAttributes.input.payloads[0].data as string;
      const bob = await asUser(BOB);
      await expect
        .poll(() => bob.page.locator('body').textContent(), { timeout: 30_000 })
        .toContain(ciphertext.slice(0, 40));
      expect(await bob.page.locator('body').textContent()).not.toContain(SECRET);
      await bob.page.screenshot({ path: join(SHOTS, 'web-ui-other-user.png') });
      await bob.context.close();
    } finally {
      await browser.close();
      await stopProcess(api);
    }
  }, 120_000);
});

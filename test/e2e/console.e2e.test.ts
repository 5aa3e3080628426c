/**
 * The job console in a real browser (Debian's Chromium driven by playwright-core, headless, no
 * browser download) against the real stack: embedded Temporal dev server + worker process + API
 * process serving the built console at `/`. Covers: sign-in with a key; the create form (live
 * preview equal to the API's, a bad cron's API message next to the field, creating a per-2-second
 * cron job); the job listed and firing; the detail page's ledger; pause, resume, run now with args,
 * edit and cancel from the page (each checked through the API too); the workers page; the overview;
 * tenancy (Alice never sees Bob's job, a direct URL to it says not found; an admin filters by user).
 * Screenshots of every page go to test-results/console/ (laptop width, and phone width); with
 * CONSOLE_DOCS_SCREENSHOTS=1 the jobs list and the job detail also replace the README's in docs/images/.
 * Any console error or uncaught page error fails the test, except the browser's own "Failed to load
 * resource" line for the 4xx answers the steps provoke on purpose (bad cron, Bob's job, a bad key).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, test } from 'vitest';
import { SchedulerClient } from '../../src/client';
import { ADMIN, ALICE, BOB, type TestCaller } from '../helpers/api-keys';
import { type Json, type Stack, startStack } from '../helpers/e2e-stack';
import { waitFor } from '../helpers/wait';

const ROOT = join(__dirname, '..', '..');
const SHOTS = join(ROOT, 'test-results', 'console');
const LAPTOP = { width: 1280, height: 860 };
const PHONE = { width: 390, height: 844 };
const WAIT = 30_000;
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

let stack: Stack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
/** Console errors and page errors of the current test (should stay empty). */
let pageErrors: string[] = [];
/** Expected 4xx answers the browser logged ("Failed to load resource"), for the record. */
const expected4xx: string[] = [];
let jobId = '';
let bobJobId = '';

/** Records console errors and uncaught exceptions of `p`. */
function watch(p: Page): void {
  p.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    if (/^Failed to load resource: the server responded with a status of 4(00|01|04)\b/.test(text)) {
      expected4xx.push(`${text} (${msg.location().url})`);
      return;
    }
    pageErrors.push(`console.error: ${text}`);
  });
  p.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`));
}

/** Screenshots also copied to docs/images/ (the README's) when CONSOLE_DOCS_SCREENSHOTS=1. */
const DOCS_SHOTS: Record<string, string> = {
  jobs: 'console-jobs.png',
  'job-detail': 'console-job-detail.png',
  'temporal-ui-jobs': 'temporal-ui-jobs.png',
};

async function shot(p: Page, name: string): Promise<void> {
  const path = join(SHOTS, `${name}.png`);
  await p.screenshot({ path, fullPage: false });
  const docs = DOCS_SHOTS[name];
  if (docs && process.env.CONSOLE_DOCS_SCREENSHOTS === '1') copyFileSync(path, join(ROOT, 'docs', 'images', docs));
}

async function signIn(p: Page, caller: TestCaller): Promise<void> {
  await p.goto(`${stack.apiUrl}/`);
  await p.getByLabel('API key').fill(caller.key);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByRole('heading', { name: 'Overview', level: 1 }).waitFor({ timeout: WAIT });
}

/** The job as the API shows it to `as`. */
async function apiJob(id: string, as: TestCaller = ALICE): Promise<Json> {
  const res = await stack.request('GET', `/jobs/${id}`, undefined, as);
  expect(res.status).toBe(200);
  return res.body;
}

beforeAll(async () => {
  const cliPath = inject('temporalCliPath');
  if (cliPath === null) throw new Error('no Temporal CLI: global setup could not install one');
  if (!existsSync(join(ROOT, 'dist', 'console', 'index.html'))) {
    // A fresh clone builds it at `npm ci` (prepare); build it here if someone removed it.
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-console.js')], { cwd: ROOT, stdio: 'inherit' });
  }
  mkdirSync(SHOTS, { recursive: true });
  [stack, browser] = await Promise.all([
    startStack({
      cliPath,
      name: 'console-e2e',
      callers: [ALICE, BOB, ADMIN],
      // Two workers: the last test kills the second one to see it turn unhealthy on the page.
      workers: 2,
      workerEnv: { WORKER_HEARTBEAT_INTERVAL: '1s' },
    }),
    chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS }),
  ]);
  context = await browser.newContext({ viewport: LAPTOP });
  context.setDefaultTimeout(WAIT);
  page = await context.newPage();
  watch(page);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

beforeEach(({ onTestFailed }) => {
  pageErrors = [];
  onTestFailed(() => {
    console.error(`[console e2e] page errors: ${JSON.stringify(pageErrors)}; expected 4xx: ${expected4xx.length}`);
    if (stack) console.error(stack.diagnostics());
  });
});

afterEach(() => {
  expect(pageErrors).toEqual([]);
});

describe('job console in Chromium against the real stack', () => {
  test('sign-in: a wrong key is refused on the page; the right one opens the overview', async () => {
    await page.goto(`${stack.apiUrl}/`);
    await page.getByLabel('API key').fill('sk_wrong_key_0123456789');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#api-key-error').getByText('Unauthorized', { exact: false }).waitFor();
    await signIn(page, ALICE);
    await page.getByText('alice (user)').waitFor();
    // Kept for the tab: a reload stays signed in.
    await page.reload();
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
  });

  test('create form: live preview equals the API preview; a bad cron shows the API message at the field', async () => {
    await page.getByRole('link', { name: 'New job' }).click();
    await page.getByRole('heading', { name: 'New job', level: 1 }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('console-fast');
    await page.getByLabel('Cron expression').fill('0 2 * * *');
    await page.getByLabel('Time zone').fill('Asia/Shanghai');
    const expected = await stack.request(
      'POST',
      '/schedules/preview',
      { frequency: 'cron', cron: '0 2 * * *', timezone: 'Asia/Shanghai', count: 5 },
      ALICE,
    );
    expect(expected.status).toBe(200);
    await expect
      .poll(() => page.locator('#preview-times li').evaluateAll((els) => els.map((e) => e.getAttribute('data-time'))), {
        timeout: WAIT,
      })
      .toEqual(expected.body.run_times);
    await page.getByText('at 02:00, Asia/Shanghai').first().waitFor();

    // A bad cron: the live preview's 400 names the field; the message sits next to the input.
    const bad = await stack.request(
      'POST',
      '/schedules/preview',
      { frequency: 'cron', cron: '61 * * * *', timezone: 'Asia/Shanghai' },
      ALICE,
    );
    expect(bad.status).toBe(400);
    const apiMessage = (bad.body.errors as { field: string; message: string }[]).find(
      (e) => e.field === 'cron',
    )?.message;
    expect(apiMessage).toBeTruthy();
    await page.getByLabel('Cron expression').fill('61 * * * *');
    const cronError = page.locator('[data-field="cron"] .field-error');
    await expect.poll(() => cronError.textContent(), { timeout: WAIT }).toBe(apiMessage);
    await expect.poll(() => page.getByLabel('Cron expression').getAttribute('aria-invalid')).toBe('true');
    // Submitting it anyway: POST /jobs's 400 puts its message at the same place.
    await page.getByLabel('Handler name').fill('demo.echo');
    await page.getByRole('button', { name: 'Create job' }).click();
    const submitted = await stack.request(
      'POST',
      '/jobs',
      { name: 'x', frequency: 'cron', cron: '61 * * * *', payload: { type: 'handler', name: 'demo.echo' } },
      ALICE,
    );
    expect(submitted.status).toBe(400);
    const submitMessage = (submitted.body.errors as { field: string; message: string }[]).find(
      (e) => e.field === 'cron',
    )?.message;
    await expect.poll(() => cronError.textContent(), { timeout: WAIT }).toBe(submitMessage);
    await shot(page, 'form-bad-cron');
  });

  test('create a per-2-second cron job through the form; the API has it as typed', async () => {
    await page.getByLabel('Cron expression').fill('*/2 * * * * *');
    await expect
      .poll(
        async () => {
          const times = await page
            .locator('#preview-times li')
            .evaluateAll((els) => els.map((e) => Date.parse(e.getAttribute('data-time') ?? '')));
          return (
            times.length === 5 && times.every((t, i) => t % 2000 === 0 && (i === 0 || t - (times[i - 1] ?? 0) === 2000))
          );
        },
        { timeout: WAIT },
      )
      .toBe(true);
    await expect.poll(() => page.locator('[data-field="cron"] .field-error').count()).toBe(0);
    await page.getByLabel('Args (JSON, optional)').fill('{"from": "console"}');
    await page.getByText('every 2 seconds, Asia/Shanghai').waitFor();
    await shot(page, 'form');
    await page.getByRole('button', { name: 'Create job' }).click();
    await page.waitForURL(/#\/jobs\/job_/);
    jobId = decodeURIComponent(new URL(page.url()).hash.replace('#/jobs/', ''));
    expect(jobId).toMatch(/^job_/);
    const job = await apiJob(jobId);
    expect(job.user_id).toBe('alice');
    expect(job.spec).toMatchObject({
      name: 'console-fast',
      frequency: 'cron',
      cron: '*/2 * * * * *',
      timezone: 'Asia/Shanghai',
      payload: { type: 'handler', name: 'demo.echo', args: { from: 'console' } },
    });
  });

  test('the job is listed with its schedule in words, fires, and its success rate shows', async () => {
    await waitFor(async () => (await apiJob(jobId)).counts?.succeeded >= 2, {
      timeoutMs: WAIT,
      what: 'two successful runs',
    });
    await page.getByRole('link', { name: 'Jobs', exact: true }).click();
    await page.getByRole('heading', { name: 'Jobs', level: 1 }).waitFor();
    const row = page.locator(`tr[data-job-id="${jobId}"]`);
    await row.getByText('every 2 seconds, Asia/Shanghai').waitFor();
    await row.getByText(/100 % of \d+/).waitFor();
    await row.locator('.badge', { hasText: 'succeeded' }).waitFor();
    // Filters: by status (the URL keeps them) and by name prefix.
    await page.getByLabel('Status').selectOption('pending');
    await page.waitForURL(/status=pending/);
    await page.getByLabel('Name starts with').fill('no-such-job');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('No jobs match.').waitFor();
    await page.getByLabel('Status').selectOption('');
    await page.getByLabel('Name starts with').fill('console-');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page
      .locator(`tr[data-job-id="${jobId}"]`)
      .getByText(/100 % of \d+/)
      .waitFor();
    await shot(page, 'jobs');
  });

  test('the detail page shows the spec, next runs, the ledger and the Temporal Web UI link', async () => {
    await page.getByRole('link', { name: 'console-fast' }).click();
    await page.getByRole('heading', { name: /^console-fast/, level: 1 }).waitFor();
    await expect
      .poll(() => page.locator('.timeline li[data-status="succeeded"]').count(), { timeout: WAIT })
      .toBeGreaterThanOrEqual(2);
    const first = page.locator('.timeline li[data-status="succeeded"]').first();
    await first.getByText(stack.workerIdentity).waitFor();
    await expect.poll(() => page.locator('.next-runs li').count()).toBe(5);
    await page.locator('pre.spec').getByText('"cron": "*/2 * * * * *"').waitFor();
    const link = page.getByRole('link', { name: /Open in Temporal Web UI/ });
    expect(await link.getAttribute('href')).toBe(`http://localhost:8233/namespaces/default/workflows/${jobId}`);
    await shot(page, 'job-detail');
  });

  test('the Temporal Web UI lists the jobs by name, with JobName, JobStatus and NextRunTime as columns', async () => {
    // The columns as the Web UI's "Configure columns" stores them (per namespace, in local storage).
    const columns = ['Status', 'Workflow ID', 'JobName', 'JobStatus', 'NextRunTime', 'Start'].map((label, i) => ({
      label,
      pinned: i < 1,
    }));
    const ui = await browser.newContext({ viewport: LAPTOP });
    try {
      await ui.addInitScript(
        (value) => {
          window.localStorage.setItem('namespace-workflow-table-columns', value);
        },
        JSON.stringify({ default: columns }),
      );
      const web = await ui.newPage();
      await web.goto(`${stack.server.uiUrl}/namespaces/default/workflows`);
      await web.getByText('console-fast').first().waitFor({ timeout: WAIT });
      for (const label of ['JobName', 'JobStatus', 'NextRunTime']) {
        await web.getByRole('columnheader', { name: label }).first().waitFor({ timeout: WAIT });
      }
      await web.getByRole('cell', { name: jobId }).first().waitFor({ timeout: WAIT });
      await shot(web, 'temporal-ui-jobs');
    } finally {
      await ui.close();
    }
  });

  test('pause, resume, run now with args, edit: confirmed in the page, seen by the API', async () => {
    const dialog = page.locator('dialog[open]');
    const status = page.locator('p.message-success');

    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await dialog.getByRole('heading', { name: 'Pause this job?' }).waitFor();
    await dialog.getByRole('button', { name: 'Pause job' }).click();
    await status.getByText('Paused: the job is paused.').waitFor();
    expect(await apiJob(jobId)).toMatchObject({ status: 'paused', paused: true });

    // Cancel in the dialog does nothing.
    await page.getByRole('button', { name: 'Resume', exact: true }).click();
    await dialog.getByRole('button', { name: 'Cancel', exact: true }).click();
    await expect.poll(() => page.locator('dialog[open]').count()).toBe(0);
    expect((await apiJob(jobId)).paused).toBe(true);

    await page.getByRole('button', { name: 'Resume', exact: true }).click();
    await dialog.getByRole('button', { name: 'Resume job' }).click();
    await status.getByText('Resumed: the job is').waitFor();
    expect((await apiJob(jobId)).paused).toBe(false);

    await page.getByRole('button', { name: 'Run now', exact: true }).click();
    await dialog.getByLabel(/Args for this run/).fill('{"manual": true}');
    await dialog.getByRole('button', { name: 'Run now' }).click();
    await status.getByText('Run now accepted').waitFor();
    const manual = await waitFor(
      async () => {
        const ledger = await stack.request('GET', `/jobs/${jobId}/executions?limit=100`, undefined, ALICE);
        return (ledger.body.executions as Json[]).find((e) => e.trigger === 'manual' && e.status === 'succeeded');
      },
      { timeoutMs: WAIT, what: 'the manual run in the ledger' },
    );
    expect(manual.execution_id).toContain(':manual:');
    await page.locator('.timeline').getByText('run now').first().waitFor();

    await page.getByRole('button', { name: 'Edit', exact: true }).click();
    await page.getByRole('heading', { name: 'Edit console-fast', level: 1 }).waitFor();
    expect(await page.getByLabel('Cron expression').inputValue()).toBe('*/2 * * * * *');
    await page.getByLabel('Cron expression').fill('*/4 * * * * *');
    await page.getByText('every 4 seconds, Asia/Shanghai').first().waitFor();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForURL((url) => url.hash === `#/jobs/${jobId}`);
    await page.getByRole('heading', { name: /^console-fast/, level: 1 }).waitFor();
    await page.locator('.schedule-words').getByText('every 4 seconds, Asia/Shanghai').waitFor();
    expect((await apiJob(jobId)).spec.cron).toBe('*/4 * * * * *');
  });

  test('the overview counts the jobs, charts the runs per hour and shows the fire lag', async () => {
    const stats = await stack.request('GET', '/stats/overview', undefined, ALICE);
    expect(stats.status).toBe(200);
    expect(stats.body.jobs_total).toBe(1);
    expect(stats.body.fire_lag.samples).toBeGreaterThanOrEqual(2);
    expect(stats.body.fire_lag.p50_ms).toBeGreaterThanOrEqual(0);
    // The typed client reads the same figures.
    const viaClient = await new SchedulerClient({ baseUrl: stack.apiUrl, apiKey: ALICE.key }).overview();
    expect(viaClient.jobs_by_status).toEqual(stats.body.jobs_by_status);
    const lastHour = stats.body.executions_per_hour.at(-1);
    expect(lastHour.succeeded + (stats.body.executions_per_hour.at(-2)?.succeeded ?? 0)).toBeGreaterThanOrEqual(2);
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.getByRole('heading', { name: 'Runs per hour, last 24 h' }).waitFor();
    await page.locator('.chart canvas').first().waitFor();
    await page.getByText(/^\d+ succeeded, \d+ failed/).waitFor();
    await expect.poll(() => page.locator('.facts dd').first().textContent()).toMatch(/ms|s$/);
    await shot(page, 'overview');
  });

  test('the workers page shows the workers, healthy, with their load and capacity', async () => {
    await page.getByRole('link', { name: 'Workers' }).click();
    for (const identity of stack.workerIdentities) {
      const row = page.locator(`tr[data-worker-id="${identity}"]`);
      await row.locator('.badge', { hasText: 'healthy' }).waitFor();
      await row.getByText(/\d+ \/ 100/).waitFor();
    }
    await shot(page, 'workers');
  });

  test("tenancy: Alice never sees Bob's job; a direct URL to it says not found; an admin filters by user", async () => {
    const created = await stack.request(
      'POST',
      '/jobs',
      {
        name: 'console-bob',
        frequency: 'interval',
        every: '1h',
        execution_time: new Date(Date.now() + 3_600_000).toISOString(),
        payload: { type: 'handler', name: 'demo.echo' },
      },
      BOB,
    );
    expect(created.status).toBe(201);
    bobJobId = created.body.job_id;
    await waitFor(
      async () =>
        (await stack.request('GET', '/jobs?user_id=bob', undefined, ADMIN)).body.jobs.some(
          (j: Json) => j.job_id === bobJobId,
        ),
      { timeoutMs: WAIT, what: "visibility to list Bob's job" },
    );
    await page.goto(`${stack.apiUrl}/#/jobs`);
    await page.locator(`tr[data-job-id="${jobId}"]`).waitFor();
    expect(await page.locator(`tr[data-job-id="${bobJobId}"]`).count()).toBe(0);
    expect(await page.getByText('console-bob').count()).toBe(0);
    await page.goto(`${stack.apiUrl}/#/jobs/${bobJobId}`);
    await page.getByRole('heading', { name: 'Job not found', level: 1 }).waitFor();
    expect(await page.getByText('console-bob').count()).toBe(0);

    const admin = await context.newPage();
    watch(admin);
    // sessionStorage is per tab: the admin signs in on their own tab.
    await signIn(admin, ADMIN);
    await admin.getByRole('link', { name: 'Jobs', exact: true }).click();
    await admin.getByLabel('User').fill('bob');
    await admin.getByRole('button', { name: 'Filter' }).click();
    await admin.waitForURL(/user_id=bob/);
    await admin.locator(`tr[data-job-id="${bobJobId}"]`).getByText('every 1h').waitFor();
    await expect.poll(() => admin.locator(`tr[data-job-id="${jobId}"]`).count(), { timeout: WAIT }).toBe(0);
    // Paging with the API's page_token: one job per page, newest (Bob's) first.
    await admin.goto(`${stack.apiUrl}/#/jobs?limit=1`);
    await admin.locator(`tr[data-job-id="${bobJobId}"]`).waitFor();
    await admin.getByRole('button', { name: 'Next page →' }).click();
    await admin.waitForURL(/page_token=/);
    await admin.locator(`tr[data-job-id="${jobId}"]`).waitFor();
    expect(await admin.locator('table.jobs tbody tr').count()).toBe(1);
    await admin.getByRole('button', { name: '← Previous page' }).click();
    await admin.locator(`tr[data-job-id="${bobJobId}"]`).waitFor();
    await admin.close();
  });

  test('phone width: jobs and job detail stay usable', async () => {
    const phone = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
    phone.setDefaultTimeout(WAIT);
    const p = await phone.newPage();
    watch(p);
    try {
      await signIn(p, ALICE);
      await p.getByRole('link', { name: 'Jobs', exact: true }).click();
      await p.locator(`tr[data-job-id="${jobId}"]`).getByText('every 4 seconds, Asia/Shanghai').waitFor();
      await shot(p, 'jobs-phone');
      await p.goto(`${stack.apiUrl}/#/jobs/${jobId}`);
      await p.locator('.timeline li').first().waitFor();
      // Nothing wider than the screen but the tables' own scroll boxes.
      const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(1);
      await shot(p, 'job-detail-phone');
    } finally {
      await phone.close();
    }
  });

  test('cancel from the page ends the job; the actions are then disabled', async () => {
    await page.goto(`${stack.apiUrl}/#/jobs/${jobId}`);
    await page.getByRole('heading', { name: /^console-fast/, level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Cancel job' }).click();
    const dialog = page.locator('dialog[open]');
    await dialog.getByRole('heading', { name: 'Cancel this job?' }).waitFor();
    await dialog.getByRole('button', { name: 'Cancel job' }).click();
    // DELETE answers 200 once the job ended, or 202 after 5 s (a slow machine): both are fine here.
    await page
      .locator('p.message-success')
      .getByText(/^Cancel(led: the job is cancelled|lation requested)/)
      .waitFor();
    await waitFor(async () => (await apiJob(jobId)).status === 'cancelled', { timeoutMs: WAIT, what: 'cancelled' });
    await expect.poll(() => page.getByRole('button', { name: 'Pause', exact: true }).isDisabled()).toBe(true);
    await page.locator('h1 .badge', { hasText: 'cancelled' }).waitFor();
  });

  test('a killed worker turns unhealthy and stands out on the workers page', async () => {
    const victim = stack.workerIdentities[1] as string;
    stack.workers[1]?.process.kill('SIGKILL');
    await page.goto(`${stack.apiUrl}/#/workers`);
    const row = page.locator(`tr.worker-unhealthy[data-worker-id="${victim}"]`);
    await row.locator('.badge', { hasText: 'unhealthy' }).waitFor({ timeout: WAIT });
    await page.getByRole('alert').getByText('1 worker(s) unhealthy').waitFor();
    await page.locator(`tr.worker-healthy[data-worker-id="${stack.workerIdentity}"]`).waitFor();
    await shot(page, 'workers-unhealthy');
  });
});

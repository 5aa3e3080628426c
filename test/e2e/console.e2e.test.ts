/**
 * The job console in a real browser (Debian's Chromium driven by playwright-core, headless, no
 * browser download) against the real stack: embedded Temporal dev server + worker process + API
 * process serving the built console at `/`. Covers: sign-in with a key; the create form (every
 * field's error in one submit and in plain language, "Run at" / "Starts at", a clock-change note in
 * the live preview, the preview equal to the API's, a bad cron's API message next to the field,
 * creating a per-2-second cron job); the job listed and firing; the detail page's ledger; pause,
 * resume, run now with args, edit ("Saved.") and cancel ("Keep job" / "Cancel job") from the page
 * (each checked through the API too); the workers page; the overview (the last hour's bars inside
 * the chart, refreshing); tenancy (Alice never sees Bob's job, a direct URL to it says not found; an
 * admin filters by user); the jobs list refreshing while visible and not when hidden or left, bulk
 * pause and cancel, long cells cut at 1366 px and cards at phone width; a job that never ran; a
 * failing job (created through the form: handler picker, retries, Alerts section) turning red in
 * the jobs list, the overview and its page within one refresh of the API saying so, the `?health=`
 * filter, exactly one signed `failed` alert at a node:http receiver, the CLI's JobHealth query,
 * its runs expanded (attempts, output, Temporal Web UI events link), then edited to `demo.echo`:
 * exactly one `recovered` alert and green again; the dark theme, the focus ring's contrast and the
 * skip link.
 * Screenshots of every page go to test-results/console/ (laptop width, and phone width); with
 * CONSOLE_DOCS_SCREENSHOTS=1 the jobs list, the job detail, the dark theme, the phone layout, the
 * failing job in the list and an expanded run also replace the README's in docs/images/; with
 * CONSOLE_DOCS_SCREENSHOTS=all the Temporal Web UI's list too.
 * Any console error or uncaught page error fails the test, except the browser's own "Failed to load
 * resource" line for the 4xx answers the steps provoke on purpose (bad cron, Bob's job, a bad key).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, test } from 'vitest';
import { clockChangeNotes } from '../../console/src/lib/clock-changes';
import { contrastRatio } from '../../console/src/lib/contrast';
import { plainMessage } from '../../console/src/lib/messages';
import { SchedulerClient } from '../../src/client';
import {
  type AlertReceiver,
  type ReceivedAlert,
  signatureVerifies,
  startAlertReceiver,
} from '../helpers/alert-receiver';
import { ADMIN, ALICE, BOB, type TestCaller } from '../helpers/api-keys';
import { type Json, type Stack, startStack } from '../helpers/e2e-stack';
import { sleep, waitFor } from '../helpers/wait';

const ROOT = join(__dirname, '..', '..');
/** The workers' NOTIFY_SIGNING_SECRET: alerts are signed with it. */
const SECRET = 'whsec_console_0123456789abcdef';
const SHOTS = join(ROOT, 'test-results', 'console');
const LAPTOP = { width: 1280, height: 860 };
const WIDE_LAPTOP = { width: 1366, height: 768 };
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
/** Jobs created for the bulk actions (never run: first run an hour ahead). */
const bulkIds: string[] = [];

/** The alert receiver: a node:http server on 127.0.0.1 answering 204 to every POST. */
let receiver: AlertReceiver;
let receiverUrl = '';
let alerts: ReceivedAlert[] = [];

/** True when the alert's Scheduler-Signature is the HMAC-SHA256 of its raw body with {@link SECRET}. */
function verifies(alert: ReceivedAlert): boolean {
  return signatureVerifies(alert, SECRET);
}

/**
 * Waits until the API says something (`said`) and the page shows it (`shown`), each checked every
 * 100 ms, and returns how long after the API's first "yes" the page first showed it (ms; negative
 * when the page was first). The API's time is when its answering request was sent.
 */
async function shownAfter(what: string, said: () => Promise<boolean>, shown: () => Promise<boolean>): Promise<number> {
  const firstYes = async (check: () => Promise<boolean>, who: string) => {
    let at = 0;
    await waitFor(
      async () => {
        const sent = Date.now();
        if (!(await check())) return false;
        at = sent;
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 100, what: `${what} (${who})` },
    );
    return at;
  };
  const [apiAt, pageAt] = await Promise.all([firstYes(said, 'API'), firstYes(shown, 'page')]);
  return pageAt - apiAt;
}

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

/** The console's screenshots also copied to docs/images/ (the README's) when CONSOLE_DOCS_SCREENSHOTS=1 or all. */
const DOCS_SHOTS: Record<string, string> = {
  jobs: 'console-jobs.png',
  'job-detail': 'console-job-detail.png',
  'jobs-dark': 'console-dark.png',
  'jobs-phone': 'console-phone.png',
  'jobs-failing': 'console-failing.png',
  'job-run': 'console-run.png',
};
/** The Temporal Web UI's screenshot, copied to docs/images/ only when CONSOLE_DOCS_SCREENSHOTS=all. */
const TEMPORAL_UI_SHOTS: Record<string, string> = { 'temporal-ui-jobs': 'temporal-ui-jobs.png' };

async function shot(p: Page, name: string): Promise<void> {
  const path = join(SHOTS, `${name}.png`);
  await p.screenshot({ path, fullPage: false });
  const mode = process.env.CONSOLE_DOCS_SCREENSHOTS;
  const docs = mode === '1' || mode === 'all' ? DOCS_SHOTS[name] : undefined;
  const ui = mode === 'all' ? TEMPORAL_UI_SHOTS[name] : undefined;
  for (const file of [docs, ui]) if (file) copyFileSync(path, join(ROOT, 'docs', 'images', file));
}

async function signIn(p: Page, caller: TestCaller): Promise<void> {
  await p.goto(`${stack.apiUrl}/`);
  await p.getByLabel('API key').fill(caller.key);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByRole('heading', { name: 'Overview', level: 1 }).waitFor({ timeout: WAIT });
}

/**
 * Creates a job through the API as Alice: a `demo.echo` handler job, by default every hour from an
 * hour ahead (never run during the tests); `spec` adds or replaces fields (with its own `frequency`,
 * its own schedule fields only).
 */
async function createJob(spec: Json): Promise<string> {
  const schedule =
    spec.frequency === undefined
      ? { frequency: 'interval', every: '1h', execution_time: new Date(Date.now() + 3_600_000).toISOString() }
      : {};
  const res = await stack.request(
    'POST',
    '/jobs',
    { ...schedule, payload: { type: 'handler', name: 'demo.echo' }, ...spec },
    ALICE,
  );
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.job_id as string;
}

/** Waits until `GET /jobs` (visibility) lists `ids` to Alice. */
async function listed(ids: string[]): Promise<void> {
  await waitFor(
    async () => {
      const res = await stack.request('GET', '/jobs?limit=100', undefined, ALICE);
      return ids.every((id) => (res.body.jobs as Json[]).some((j) => j.job_id === id));
    },
    { timeoutMs: WAIT, what: `visibility to list ${ids.join(', ')}` },
  );
}

/**
 * The focus ring of the focused element: its outline colour and width, and the background it is
 * drawn on (the nearest ancestor's that is not transparent, as the ring sits outside the element).
 */
async function focusRing(p: Page): Promise<{ outline: string; width: number; background: string; name: string }> {
  return p.evaluate(() => {
    const el = document.activeElement as HTMLElement;
    const style = getComputedStyle(el);
    let background = 'rgb(255, 255, 255)';
    for (let node = el.parentElement; node; node = node.parentElement) {
      const bg = getComputedStyle(node).backgroundColor;
      if (bg && bg !== 'transparent' && !/rgba\(.*,\s*0\)$/.test(bg)) {
        background = bg;
        break;
      }
    }
    return {
      outline: style.outlineColor,
      width: Number.parseFloat(style.outlineWidth),
      background,
      name: el.textContent?.trim() ?? '',
    };
  });
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
  receiver = await startAlertReceiver();
  receiverUrl = receiver.url;
  alerts = receiver.alerts;
  [stack, browser] = await Promise.all([
    startStack({
      cliPath,
      name: 'console-e2e',
      callers: [ALICE, BOB, ADMIN],
      // Two workers: the last test kills the second one to see it turn unhealthy on the page.
      workers: 2,
      workerEnv: { WORKER_HEARTBEAT_INTERVAL: '1s' },
      // Alerts go to the receiver on loopback (allowed like an http job's target) and are signed.
      env: { HTTP_ALLOW_TARGETS: '127.0.0.1', NOTIFY_SIGNING_SECRET: SECRET },
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
  await receiver?.close();
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

  test('form: every error in one submit, in plain language; "Run at" and "Starts at"; a clock-change note', async () => {
    const posts: string[] = [];
    const onRequest = (r: { method(): string; url(): string }) => {
      if (r.method() === 'POST' && new URL(r.url()).pathname === '/jobs') posts.push(r.url());
    };
    page.on('request', onRequest);
    await page.getByRole('link', { name: 'New job' }).click();
    await page.getByRole('heading', { name: 'New job', level: 1 }).waitFor();
    // No name, no cron, no handler, args that are not JSON: one submit names all four, and sends nothing.
    await page.getByLabel('Args (JSON, optional)').fill('{"a": 1,}');
    await page.getByRole('button', { name: 'Create job' }).click();
    const fieldError = (path: string) => page.locator(`[data-field="${path}"] .field-error`);
    await fieldError('payload.args').getByText('Enter valid JSON', { exact: false }).waitFor();
    expect(await fieldError('name').textContent()).toBe('Enter a name.');
    expect(await fieldError('cron').textContent()).toBe('Enter a cron expression.');
    expect(await fieldError('payload.name').textContent()).toBe('Enter a handler name.');
    const summary = page.getByRole('alert').filter({ hasText: 'Fix these 4 fields' });
    expect(await summary.locator('li').count()).toBe(4);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('f-name');
    expect(posts).toEqual([]);

    // The rest fixed, a retry count the API refuses: its message is a sentence too, in a section
    // the submit opens.
    await page.getByLabel('Name', { exact: true }).fill('console-refused');
    await page.getByLabel('Cron expression').fill('0 2 * * *');
    await page.getByLabel('Handler name').fill('demo.echo');
    await page.getByLabel('Args (JSON, optional)').fill('{"a": 1}');
    const policies = page.locator('summary', { hasText: 'Retries, timeouts and policies' });
    await policies.click();
    await page.getByLabel('Max retries').fill('-1');
    await policies.click();
    await page.getByRole('button', { name: 'Create job' }).click();
    await expect
      .poll(() => fieldError('retry.max_retries').textContent(), { timeout: WAIT })
      .toBe(plainMessage('retry.max_retries', 'Too small: expected number to be >=0'));
    expect(await fieldError('retry.max_retries').textContent()).toBe('Enter a number of at least 0.');
    // The submit opens the section that holds the refused field (the form renders that after the message).
    await page.getByLabel('Max retries').waitFor({ state: 'visible', timeout: WAIT });
    expect(await page.locator('.field-error').allTextContents()).toEqual(['Enter a number of at least 0.']);
    expect(await page.locator('main').textContent()).not.toMatch(/Too small|expected|received/);
    expect(posts).toHaveLength(1);
    page.off('request', onRequest);

    // "Run at" is a one-time job's run; "Starts at" the start of the window; nothing is "Start at".
    await page.getByLabel('Frequency').selectOption('once');
    await page.getByLabel('Run at', { exact: true }).waitFor();
    await page.locator('summary', { hasText: 'Bounds and jitter' }).click();
    await page.getByLabel('Starts at (optional)').waitFor();
    expect(await page.getByText(/\bStart at\b/).count()).toBe(0);

    // 02:30 every day in Berlin from 2027-03-25: on 2027-03-28 the clocks go forward past it.
    await page.getByLabel('Frequency').selectOption('cron');
    await page.getByLabel('Cron expression').fill('30 2 * * *');
    await page.getByLabel('Time zone').fill('Europe/Berlin');
    await page.getByLabel('Starts at (optional)').fill('2027-03-25T00:00:00+01:00');
    const preview = await stack.request(
      'POST',
      '/schedules/preview',
      {
        frequency: 'cron',
        cron: '30 2 * * *',
        timezone: 'Europe/Berlin',
        start_at: '2027-03-25T00:00:00+01:00',
        count: 5,
      },
      ALICE,
    );
    expect(preview.status).toBe(200);
    const expectedNotes = clockChangeNotes(preview.body.run_times, 'Europe/Berlin');
    expect(expectedNotes.filter(Boolean)).toHaveLength(1);
    expect(expectedNotes.find(Boolean)).toMatch(/^Clocks change on 2027-03-28: this run is at 0\d:\d\d CEST$/);
    await expect
      .poll(() => page.locator('#preview-times li').evaluateAll((els) => els.map((e) => e.getAttribute('data-time'))), {
        timeout: WAIT,
      })
      .toEqual(preview.body.run_times);
    const notes = await page
      .locator('#preview-times li')
      .evaluateAll((els) => els.map((e) => e.querySelector('.clock-note')?.textContent ?? null));
    expect(notes).toEqual(expectedNotes);
    await shot(page, 'form-clock-change');
    // Leave the form: the next test opens a fresh one.
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
  });

  test("create form: live preview equals the API preview; a bad cron's API message, in plain language, at the field", async () => {
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
    await expect.poll(() => cronError.textContent(), { timeout: WAIT }).toBe(plainMessage('cron', apiMessage ?? ''));
    expect(await cronError.textContent()).toMatch(/^This is not a valid cron expression \(.*61.*\)\.$/);
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
    await expect.poll(() => cronError.textContent(), { timeout: WAIT }).toBe(plainMessage('cron', submitMessage ?? ''));
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
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
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

  test("the overview refreshes by itself, and the last hour's bars, failures too, lie inside the chart", async () => {
    await page.goto(`${stack.apiUrl}/#/`);
    await page.getByRole('heading', { name: 'Runs per hour, last 24 h' }).waitFor();
    const failedNow = async () =>
      Number((await page.getByText(/^\d+ succeeded, \d+ failed/).textContent())?.match(/(\d+) failed/)?.[1]);
    expect(await failedNow()).toBe(0);
    const marker = await page.evaluate(() => {
      (window as unknown as { marker: number }).marker = Math.random();
      return (window as unknown as { marker: number }).marker;
    });
    // A run that fails now: the page shows it without a reload.
    await createJob({
      name: 'console-failing',
      frequency: 'once',
      execution_time: new Date().toISOString(),
      payload: { type: 'handler', name: 'demo.fail' },
      retry: { max_retries: 0 },
    });
    await expect.poll(failedNow, { timeout: WAIT }).toBeGreaterThanOrEqual(1);
    expect(await page.evaluate(() => (window as unknown as { marker: number }).marker)).toBe(marker);

    // The bars drawn in the plot area (uPlot's .u-over covers it): green (succeeded) and red (failed).
    const drawn = await page.evaluate(() => {
      const canvas = document.querySelector('.chart canvas') as HTMLCanvasElement;
      const plot = (document.querySelector('.chart .u-over') as HTMLElement).getBoundingClientRect();
      const box = canvas.getBoundingClientRect();
      const scale = canvas.width / box.width;
      const left = Math.round((plot.left - box.left) * scale);
      const right = Math.round((plot.right - box.left) * scale);
      const top = Math.round((plot.top - box.top) * scale);
      const bottom = Math.round((plot.bottom - box.top) * scale);
      const pixels = (canvas.getContext('2d') as CanvasRenderingContext2D).getImageData(
        0,
        0,
        canvas.width,
        canvas.height,
      ).data;
      let green = -1;
      let red = -1;
      for (let y = top; y < bottom; y++) {
        for (let x = 0; x < canvas.width; x++) {
          const i = (y * canvas.width + x) * 4;
          const [r, g, b] = [pixels[i] ?? 0, pixels[i + 1] ?? 0, pixels[i + 2] ?? 0];
          if (g > r + 25 && g > b + 25) green = Math.max(green, x);
          if (r > g + 60 && r > b + 60) red = Math.max(red, x);
        }
      }
      const hours = document.querySelectorAll('.card details tbody tr').length;
      return { left, right, green, red, slot: (right - left) / hours, width: canvas.width };
    });
    // The current hour's bars (console-fast succeeds every 4 s; console-failing failed) are in the
    // last slot, and end before the plot's right edge instead of being cut by it.
    expect(drawn.green).toBeGreaterThan(drawn.right - drawn.slot);
    expect(drawn.red).toBeGreaterThan(drawn.right - 2 * drawn.slot);
    expect(Math.max(drawn.green, drawn.red)).toBeLessThanOrEqual(drawn.right - 3);
    await shot(page, 'overview-failures');
  });

  test('the jobs list refreshes while visible: a job created through the API appears without a reload', async () => {
    await page.goto(`${stack.apiUrl}/#/jobs`);
    await page.locator(`tr[data-job-id="${jobId}"]`).waitFor();
    const marker = await page.evaluate(() => {
      (window as unknown as { marker: number }).marker = Math.random();
      return (window as unknown as { marker: number }).marker;
    });
    bulkIds.push(
      await createJob({
        name: 'console-bulk-a nightly reconciliation of every ledger across all regions and all of their tenants',
        frequency: 'cron',
        cron: '0 0,3,6,9,12,15,18,21 1,15 1,4,7,10 1-5',
        timezone: 'Europe/Berlin',
      }),
    );
    bulkIds.push(await createJob({ name: 'console-bulk-b' }));
    await listed(bulkIds);
    // Listed by the API: the page shows both by its next refresh (every 5 s).
    for (const id of bulkIds) await page.locator(`tr[data-job-id="${id}"]`).waitFor({ timeout: 6_500 });
    expect(await page.evaluate(() => (window as unknown as { marker: number }).marker)).toBe(marker);
  });

  test('refreshing stops when the page is hidden or left, and resumes when it shows', async () => {
    const listRequests = (p: Page) => {
      const seen: string[] = [];
      p.on('request', (r) => {
        const url = new URL(r.url());
        if (url.pathname === '/jobs' || url.pathname === '/stats/overview') seen.push(url.pathname);
      });
      return seen;
    };
    const hidden = await context.newPage();
    watch(hidden);
    try {
      await signIn(hidden, ALICE);
      await hidden.goto(`${stack.apiUrl}/#/jobs`);
      await hidden.locator(`tr[data-job-id="${jobId}"]`).waitFor();
      const setVisibility = (state: 'hidden' | 'visible') =>
        hidden.evaluate((value) => {
          Object.defineProperty(document, 'visibilityState', { value, configurable: true });
          document.dispatchEvent(new Event('visibilitychange'));
        }, state);
      await setVisibility('hidden');
      const fromHidden = listRequests(hidden);
      // The other tab leaves the jobs list for the workers page.
      await page.getByRole('link', { name: 'Workers' }).click();
      await page.getByRole('heading', { name: 'Workers', level: 1 }).waitFor();
      const fromLeft = listRequests(page);
      // Proving an absence: more than one refresh interval without a request.
      await sleep(6_000);
      expect(fromHidden).toEqual([]);
      expect(fromLeft).toEqual([]);
      const refreshed = hidden.waitForRequest((r) => new URL(r.url()).pathname === '/jobs', { timeout: 2_000 });
      await setVisibility('visible');
      await refreshed;
    } finally {
      await hidden.close();
    }
  });

  test('at 1366 px long names and schedules are cut with a tooltip; status, next run and last result stay in view', async () => {
    await page.setViewportSize(WIDE_LAPTOP);
    try {
      await page.goto(`${stack.apiUrl}/#/jobs`);
      const row = page.locator(`tr[data-job-id="${bulkIds[0]}"]`);
      const schedule = row.locator('td.schedule .clip');
      await schedule.waitFor();
      const full = (await schedule.getAttribute('title')) ?? '';
      expect(full.length).toBeGreaterThan(80);
      expect(await schedule.textContent()).toBe(full);
      // Shortened on screen (an ellipsis), the whole text as its title.
      expect(await schedule.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
      expect(await schedule.evaluate((el) => getComputedStyle(el).textOverflow)).toBe('ellipsis');
      expect(await row.locator('td.name a').getAttribute('title')).toMatch(/^console-bulk-a nightly/);
      for (const cell of ['td.status', 'td.health-cell', 'td.next-run', 'td.last-result']) {
        const box = await row.locator(cell).boundingBox();
        expect(box, cell).not.toBeNull();
        expect((box?.x ?? 0) + (box?.width ?? 0), cell).toBeLessThanOrEqual(WIDE_LAPTOP.width);
      }
      expect(await page.locator('.table-wrap').evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(
        0,
      );
      await shot(page, 'jobs-1366');
    } finally {
      await page.setViewportSize(LAPTOP);
    }
  });

  test('a job that never ran says Never; Retries (last run) sits with the last run, apart from the totals', async () => {
    await page.goto(`${stack.apiUrl}/#/jobs/${bulkIds[1]}`);
    await page.getByRole('heading', { name: /^console-bulk-b/, level: 1 }).waitFor();
    const last = page.locator('[data-fact="last-run"]');
    expect(await last.textContent()).toBe('Never');
    expect(await page.getByText('Last run — UTC').count()).toBe(0);
    const lastRun = page.locator('dl[aria-label="Last run"]');
    expect(await lastRun.locator('dt').allTextContents()).toEqual(['Last run', 'Retries (last run)']);
    const totals = page.locator('dl[aria-label="Lifetime totals"]');
    expect(await totals.locator('dt').allTextContents()).toEqual(['Runs', 'Succeeded', 'Failed', 'Skipped']);
    // A job that ran: its last run's time.
    await page.goto(`${stack.apiUrl}/#/jobs/${jobId}`);
    await expect
      .poll(() => page.locator('[data-fact="last-run"]').textContent())
      .toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
  });

  test('bulk pause of two jobs pauses both; bulk cancel asks first; a summary says what happened', async () => {
    await page.goto(`${stack.apiUrl}/#/jobs`);
    const bar = page.getByRole('toolbar', { name: 'Selected jobs' });
    await bar.getByText('0 selected').waitFor();
    for (const id of bulkIds) await page.locator(`tr[data-job-id="${id}"] td.select input`).check();
    await bar.getByText('2 selected').waitFor();
    await bar.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('status').filter({ hasText: 'Paused 2 jobs.' }).waitFor();
    for (const id of bulkIds) expect(await apiJob(id)).toMatchObject({ status: 'paused', paused: true });
    await bar.getByText('0 selected').waitFor();

    // Select all, then none.
    const all = page.getByLabel('Select all jobs on this page');
    await all.check();
    const rows = await page.locator('table.jobs tbody tr').count();
    await bar.getByText(`${rows} selected`).waitFor();
    await all.uncheck();
    await bar.getByText('0 selected').waitFor();

    for (const id of bulkIds) await page.locator(`tr[data-job-id="${id}"] td.select input`).check();
    await bar.getByRole('button', { name: 'Cancel jobs' }).click();
    const dialog = page.locator('dialog[open]');
    await dialog.getByRole('heading', { name: 'Cancel these 2 jobs?' }).waitFor();
    expect(await dialog.getByRole('button').allTextContents()).toEqual(['Keep jobs', 'Cancel 2 jobs']);
    await dialog.getByRole('button', { name: 'Keep jobs' }).click();
    await expect.poll(() => page.locator('dialog[open]').count()).toBe(0);
    for (const id of bulkIds) expect((await apiJob(id)).status).toBe('paused');
    await bar.getByRole('button', { name: 'Cancel jobs' }).click();
    await dialog.getByRole('button', { name: 'Cancel 2 jobs' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /^Cancelled 2 jobs/ })
      .waitFor();
    for (const id of bulkIds) {
      await waitFor(async () => (await apiJob(id)).status === 'cancelled', {
        timeoutMs: WAIT,
        what: `${id} cancelled`,
      });
    }
    // The job the tests go on with was never selected.
    expect((await apiJob(jobId)).status).not.toBe('cancelled');
  });

  test('a failing job: red in the list, the overview and its page within a refresh; one signed failed alert; edited to demo.echo: one recovered alert, green again; a run expanded', async () => {
    const before = await stack.request('GET', '/stats/overview', undefined, ALICE);
    const failingBefore = before.body.jobs_by_health.failing as number;
    // Two more tabs stay on the jobs list and the overview while the job starts failing.
    const listTab = await context.newPage();
    const overviewTab = await context.newPage();
    for (const tab of [listTab, overviewTab]) {
      watch(tab);
      await signIn(tab, ALICE);
    }
    await listTab.getByRole('link', { name: 'Jobs', exact: true }).click();
    await listTab.locator(`tr[data-job-id="${jobId}"]`).waitFor();
    try {
      // Created through the form: the handler picker, then the retries and the (collapsed) Alerts section.
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'New job' }).click();
      await page.getByRole('heading', { name: 'New job', level: 1 }).waitFor();
      await page.getByLabel('Name', { exact: true }).fill('console-alerting');
      await page.getByLabel('Cron expression').fill('*/2 * * * * *');
      const picker = page.locator('#handler-names option');
      await expect
        .poll(() => picker.evaluateAll((els) => els.map((e) => e.getAttribute('value'))), { timeout: WAIT })
        .toEqual(expect.arrayContaining(['demo.echo', 'demo.fail', 'demo.sleep']));
      expect(await page.getByLabel('Handler name').getAttribute('list')).toBe('handler-names');
      await page
        .locator('[data-field="payload.name"] .hint')
        .getByText(/register: .*demo\.echo/)
        .waitFor();
      const warning = page.locator('[data-warning-for="payload.name"]');
      await page.getByLabel('Handler name').fill('demo.nope');
      await warning.getByText('has a handler named "demo.nope": its runs would fail', { exact: false }).waitFor();
      await page.getByLabel('Handler name').fill('demo.fail');
      await expect.poll(() => warning.count()).toBe(0);
      await page.locator('summary', { hasText: 'Retries, timeouts and policies' }).click();
      await page.getByLabel('Max retries').fill('0');
      const alertsSection = page.locator('details.alerts-section');
      expect(await alertsSection.evaluate((el) => (el as HTMLDetailsElement).open)).toBe(false);
      expect(await page.getByLabel('Alert URL (optional)').isVisible()).toBe(false);
      await alertsSection.locator('summary').click();
      await page.getByLabel('Alert URL (optional)').fill(receiverUrl);
      await page.getByText('If no run succeeds for this long, the job turns late.', { exact: false }).waitFor();
      for (const event of ['failed', 'recovered', 'late', 'missed']) {
        expect(await alertsSection.locator(`input[value="${event}"]`).isChecked(), event).toBe(true);
      }
      await page.getByRole('button', { name: 'Create job' }).click();
      await page.waitForURL(/#\/jobs\/job_/);
      const id = decodeURIComponent(new URL(page.url()).hash.replace('#/jobs/', ''));
      const created = await apiJob(id);
      expect(created.spec).toMatchObject({
        name: 'console-alerting',
        payload: { type: 'handler', name: 'demo.fail' },
        retry: { max_retries: 0 },
        notify: { url: receiverUrl, events: ['failed', 'recovered', 'late', 'missed'] },
      });

      // Red within one refresh of the API saying so: its page, its row, the overview's count.
      const rowOf = (p: Page) => p.locator(`tr[data-job-id="${id}"]`);
      const [onPage, inList, inOverview] = await Promise.all([
        shownAfter(
          'the job page failing',
          async () => (await apiJob(id)).health.state === 'failing',
          async () => (await page.locator('h1 [data-health="failing"]').count()) === 1,
        ),
        shownAfter(
          'the row failing',
          async () =>
            (await stack.request('GET', '/jobs?limit=100', undefined, ALICE)).body.jobs.some(
              (j: Json) => j.job_id === id && j.health.state === 'failing',
            ),
          async () => (await rowOf(listTab).locator('[data-health="failing"]').count()) === 1,
        ),
        shownAfter(
          'the overview counting it failing',
          async () =>
            (await stack.request('GET', '/stats/overview', undefined, ALICE)).body.jobs_by_health.failing ===
            failingBefore + 1,
          async () =>
            (await overviewTab.locator('li[data-health="failing"] strong').textContent()) === String(failingBefore + 1),
        ),
      ]);
      for (const [what, ms] of Object.entries({ onPage, inList, inOverview })) {
        expect(ms, `${what}: shown ${ms} ms after the API`).toBeLessThanOrEqual(6_500);
      }
      // In red: the badge, the row, the page's summary, and the 0 % bar is all red (not an empty grey one).
      const red = 'rgb(180, 35, 24)';
      const badgeColour = (l: Locator) => l.evaluate((el) => getComputedStyle(el).color);
      expect(await badgeColour(page.locator('h1 [data-health="failing"]'))).toBe(red);
      await page
        .locator('.health-summary-bad')
        .getByText(/^Failing: the last (\d+ runs|run) failed/)
        .waitFor();
      const row = rowOf(listTab);
      expect(await badgeColour(row.locator('[data-health="failing"]'))).toBe(red);
      expect(await row.getAttribute('class')).toContain('health-row-bad');
      await row.getByText(/^0 % of \d+$/).waitFor();
      const failedPart = row.locator('td.rate [data-part="failed"]');
      expect(await failedPart.evaluate((el) => (el as HTMLElement).style.width)).toBe('100%');
      expect(await failedPart.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe(red);
      expect(
        await row.locator('td.rate [data-part="succeeded"]').evaluate((el) => el.getBoundingClientRect().width),
      ).toBe(0);
      const overviewFailing = overviewTab.locator('li[data-health="failing"]');
      expect(await overviewFailing.getAttribute('class')).toBe('health-count-bad');
      expect(await badgeColour(overviewFailing.locator('.badge'))).toBe(red);
      expect(await overviewFailing.locator('a').getAttribute('href')).toBe('#/jobs?health=failing');
      await listTab.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      await shot(listTab, 'jobs-failing');
      await shot(page, 'job-detail-failing');
      await shot(overviewTab, 'overview-failing');
      // The overview's link opens the list filtered to the failing jobs (console-failing's one run failed too).
      await overviewFailing.locator('a').click();
      await overviewTab.waitForURL(/#\/jobs\?health=failing$/);
      await rowOf(overviewTab).locator('[data-health="failing"]').waitFor();
      expect(await overviewTab.getByLabel('Health').inputValue()).toBe('failing');
      const failingRows = await overviewTab
        .locator('table.jobs tbody tr')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-health')));
      expect(failingRows.every((h) => h === 'failing')).toBe(true);
      await overviewTab.getByLabel('Health').selectOption('late');
      await overviewTab.waitForURL(/health=late/);
      await overviewTab.getByText('No jobs match.').waitFor();

      // Exactly one failed alert, however many runs fail; signed with the secret.
      const ofJob = () => alerts.filter((a) => a.body.job_id === id);
      await waitFor(async () => (await apiJob(id)).health.consecutive_failures >= 3, {
        timeoutMs: WAIT,
        what: 'three failed runs',
      });
      await waitFor(() => ofJob().length >= 1, { timeoutMs: WAIT, what: 'the failed alert' });
      expect(ofJob().map((a) => a.body.event)).toEqual(['failed']);
      const [failed] = ofJob();
      expect(failed && verifies(failed)).toBe(true);
      expect(Object.keys(failed?.body ?? {}).sort()).toEqual(
        ['error', 'event', 'health', 'job_id', 'name', 'scheduled_time'].sort(),
      );
      expect(failed?.body).toMatchObject({ name: 'console-alerting', health: { state: 'failing' } });
      expect(failed?.body.error.message).toBe('demo.fail: failing on purpose');

      // The Web UI's and the CLI's list filter on the JobHealth search attribute finds it.
      const failingInTemporal = await waitFor(
        async () => {
          const out = await stack.cli(['workflow', 'list', '--query', "JobHealth = 'failing'", '--output', 'json']);
          const ids = (JSON.parse(out.trim() === '' ? '[]' : out) as Json[]).map((r) => r.execution?.workflowId);
          return ids.includes(id) ? ids : undefined;
        },
        { timeoutMs: WAIT, what: 'temporal workflow list --query "JobHealth = \'failing\'" to list the job' },
      );
      expect(failingInTemporal).not.toContain(jobId);

      // A failed run, expanded: its one attempt with worker, times, status and error; its events' link.
      const temporalRun = (await apiJob(id)).temporal.run_id as string;
      const failedRun = page.locator('.timeline li[data-status="failed"]').first();
      const failedId = (await failedRun.getAttribute('data-execution-id')) as string;
      const failedEntry = page.locator(`.timeline li[data-execution-id="${failedId}"]`);
      const fetchedOne = page.waitForResponse(
        (r) => new URL(r.url()).pathname === `/jobs/${id}/executions/${encodeURIComponent(failedId)}` && r.ok(),
      );
      await failedEntry.locator('summary', { hasText: 'Attempts, output and events' }).click();
      await fetchedOne;
      const attempts = failedEntry.locator('table.attempts tbody tr');
      await expect.poll(() => attempts.count()).toBe(1);
      const cells = await attempts.first().locator('td').allTextContents();
      expect(cells[0]).toBe('1');
      expect(stack.workerIdentities).toContain(cells[1]);
      expect(cells[2]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      expect(cells[3]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      expect(cells[4]).toBe('failed');
      expect(cells[5]).toMatch(/^\w+: demo\.fail: failing on purpose$/);
      expect(await failedEntry.locator('a.run-events').getAttribute('href')).toBe(
        `http://localhost:8233/namespaces/default/workflows/${id}/${temporalRun}/history`,
      );

      // Edited through the form to demo.echo (the picker lists it): green again, one recovered alert.
      await page.getByRole('button', { name: 'Edit', exact: true }).click();
      await page.getByRole('heading', { name: 'Edit console-alerting', level: 1 }).waitFor();
      expect(await page.getByLabel('Handler name').inputValue()).toBe('demo.fail');
      await expect
        .poll(() => picker.evaluateAll((els) => els.map((e) => e.getAttribute('value'))), { timeout: WAIT })
        .toContain('demo.echo');
      await page.getByLabel('Handler name').fill('demo.echo');
      await page.getByLabel('Args (JSON, optional)').fill('{"recovered": true}');
      expect(await page.locator('details.alerts-section').evaluate((el) => (el as HTMLDetailsElement).open)).toBe(
        false,
      );
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
      expect((await apiJob(id)).spec).toMatchObject({
        payload: { name: 'demo.echo', args: { recovered: true } },
        notify: { url: receiverUrl },
      });
      await rowOf(listTab).waitFor();
      const [pageOk, rowOk] = await Promise.all([
        shownAfter(
          'the job page ok',
          async () => (await apiJob(id)).health.state === 'ok',
          async () => (await page.locator('h1 [data-health="ok"]').count()) === 1,
        ),
        shownAfter(
          'the row ok',
          async () =>
            (await stack.request('GET', '/jobs?limit=100', undefined, ALICE)).body.jobs.some(
              (j: Json) => j.job_id === id && j.health.state === 'ok',
            ),
          async () => (await rowOf(listTab).locator('[data-health="ok"]').count()) === 1,
        ),
      ]);
      expect(pageOk, `page ok ${pageOk} ms after the API`).toBeLessThanOrEqual(6_500);
      expect(rowOk, `row ok ${rowOk} ms after the API`).toBeLessThanOrEqual(6_500);
      const green = 'rgb(25, 117, 52)';
      expect(await badgeColour(page.locator('h1 [data-health="ok"]'))).toBe(green);
      expect(await badgeColour(rowOf(listTab).locator('[data-health="ok"]'))).toBe(green);
      expect(await rowOf(listTab).getAttribute('class')).not.toContain('health-row-bad');
      await page.locator('.health-summary-good').getByText('OK: the last run succeeded on time.').waitFor();
      await waitFor(() => ofJob().length >= 2, { timeoutMs: WAIT, what: 'the recovered alert' });
      const succeededBefore = (await apiJob(id)).counts.succeeded as number;
      // Three more successful runs send nothing more.
      await waitFor(async () => (await apiJob(id)).counts.succeeded >= succeededBefore + 3, {
        timeoutMs: WAIT,
        what: 'three more successes',
      });
      expect(ofJob().map((a) => a.body.event)).toEqual(['failed', 'recovered']);
      const recovered = ofJob()[1];
      expect(recovered && verifies(recovered)).toBe(true);
      expect(recovered?.body).toMatchObject({ event: 'recovered', error: null, health: { state: 'ok' } });

      // A succeeded run, expanded: its attempt and its output as JSON.
      const okRun = page.locator('.timeline li[data-status="succeeded"]').first();
      const okId = (await okRun.getAttribute('data-execution-id')) as string;
      const okEntry = page.locator(`.timeline li[data-execution-id="${okId}"]`);
      await okEntry.locator('summary', { hasText: 'Attempts, output and events' }).click();
      await okEntry.locator('pre.output').getByText('"recovered": true').waitFor();
      expect(await okEntry.locator('pre.output').textContent()).toBe('{\n  "recovered": true\n}');
      await expect.poll(() => okEntry.locator('table.attempts tbody tr').count()).toBe(1);
      expect(await okEntry.locator('table.attempts tbody tr td').nth(4).textContent()).toBe('succeeded');
      expect(await okEntry.locator('.output-truncated').count()).toBe(0);
      // Stays open across the page's refreshes.
      await page.waitForResponse((r) => new URL(r.url()).pathname === `/jobs/${id}/executions`);
      expect(await okEntry.locator('details.run').evaluate((el) => (el as HTMLDetailsElement).open)).toBe(true);
      await okEntry.scrollIntoViewIfNeeded();
      await shot(page, 'job-run');
      expect((await stack.request('DELETE', `/jobs/${id}`, undefined, ALICE)).status).toBeLessThan(300);
    } finally {
      await listTab.close();
      await overviewTab.close();
    }
  });

  test('dark theme follows the system; focus ring at least 3:1 in both themes; "Skip to content" comes first', async () => {
    await page.goto(`${stack.apiUrl}/#/jobs`);
    await page.locator(`tr[data-job-id="${jobId}"]`).waitFor();
    const colours = () =>
      page.evaluate(() => {
        const root = getComputedStyle(document.documentElement);
        const card = getComputedStyle(document.querySelector('.table-wrap') as HTMLElement);
        const muted = document.querySelector('.muted');
        return {
          background: root.backgroundColor,
          text: root.color,
          card: card.backgroundColor,
          muted: muted ? getComputedStyle(muted).color : root.color,
        };
      });
    /** Tab from the top: the skip link first; it moves the focus to the main region; rings measured. */
    const keyboard = async () => {
      await page.reload();
      await page.locator(`tr[data-job-id="${jobId}"]`).waitFor();
      await page.keyboard.press('Tab');
      const skip = await focusRing(page);
      expect(skip.name).toBe('Skip to content');
      expect(await page.evaluate(() => document.activeElement?.getAttribute('href'))).toBe('#main');
      await page.keyboard.press('Tab');
      const nav = await focusRing(page);
      expect(nav.name).toBe('Overview');
      await page.keyboard.press('Shift+Tab');
      await page.keyboard.press('Enter');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
      expect(new URL(page.url()).hash).toBe('#/jobs');
      await page.keyboard.press('Tab');
      const inMain = await focusRing(page);
      expect(inMain.name).toBe('New job');
      for (const ring of [nav, inMain]) {
        expect(ring.width).toBeGreaterThanOrEqual(2);
        expect(contrastRatio(ring.outline, ring.background), JSON.stringify(ring)).toBeGreaterThanOrEqual(3);
      }
      return { nav, inMain };
    };

    const light = await colours();
    const lightRings = await keyboard();
    expect(contrastRatio(lightRings.inMain.outline, light.background)).toBeGreaterThanOrEqual(3);
    await page.emulateMedia({ colorScheme: 'dark' });
    try {
      const dark = await colours();
      expect(dark.background).not.toBe(light.background);
      expect(contrastRatio(dark.background, 'rgb(0, 0, 0)')).toBeLessThan(2);
      for (const [fg, bg] of [
        [dark.text, dark.background],
        [dark.text, dark.card],
        [dark.muted, dark.card],
      ] as const) {
        expect(contrastRatio(fg, bg), `${fg} on ${bg}`).toBeGreaterThanOrEqual(4.5);
      }
      await keyboard();
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      await shot(page, 'jobs-dark');
      await page.getByRole('link', { name: 'Overview' }).click();
      await page.locator('.chart canvas').first().waitFor();
      await shot(page, 'overview-dark');
    } finally {
      await page.emulateMedia({ colorScheme: 'light' });
    }
  });

  test('phone width: jobs and job detail stay usable', async () => {
    const phone = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
    phone.setDefaultTimeout(WAIT);
    const p = await phone.newPage();
    watch(p);
    try {
      await signIn(p, ALICE);
      await p.getByRole('link', { name: 'Jobs', exact: true }).click();
      const card = p.locator(`tr[data-job-id="${jobId}"]`);
      await card.getByText('every 4 seconds, Asia/Shanghai').waitFor();
      // Each job is a card: its status shows without scrolling sideways.
      const status = card.locator('td[data-label="Status"] .badge');
      await status.waitFor();
      const box = await status.boundingBox();
      expect(box).not.toBeNull();
      expect((box?.x ?? -1) >= 0 && (box?.x ?? 0) + (box?.width ?? 0) <= PHONE.width).toBe(true);
      expect(await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
      expect(await p.locator('.table-wrap').evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
      expect(await p.evaluate(() => window.scrollX)).toBe(0);
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
    // The buttons say what each does: keep the job, or cancel it.
    expect(await dialog.getByRole('button').allTextContents()).toEqual(['Keep job', 'Cancel job']);
    await dialog.getByRole('button', { name: 'Keep job' }).click();
    await expect.poll(() => page.locator('dialog[open]').count()).toBe(0);
    expect((await apiJob(jobId)).status).not.toBe('cancelled');
    await page.getByRole('button', { name: 'Cancel job' }).click();
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

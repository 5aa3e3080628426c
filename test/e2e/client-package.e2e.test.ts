/**
 * The client as another project gets it: `npm pack` of this repository (its client built by
 * `npm run build:client`, what `prepack` runs), installed from the tarball into a fresh project,
 * used from TypeScript checked with `tsc --strict` and run with plain `node` against a live stack
 * (the embedded Temporal server, a worker and the API as processes):
 * - the tarball holds the compiled client (JavaScript, `.d.ts`, an ES module entry) and no server
 *   code (no `src/`, nothing of the API, workflows, activities or workers);
 * - a strict snippet that uses the typed results compiles (and one that omits `cron` from a cron
 *   job does not), then creates a job, reads it back, lists it, cancels it and reads an error;
 * - the CommonJS entry (`require`) and the ES module entry (`import`) export the same names.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { E2E_CALLER, type Stack, startStack } from '../helpers/e2e-stack';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

let stack: Stack;
let work: string;
let project: string;
let tarball: string;

/** Runs a command; on failure the error names its output. */
async function sh(file: string, args: string[], cwd: string, timeout = 240_000): Promise<string> {
  try {
    const { stdout } = await run(file, args, { cwd, timeout, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${file} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

beforeAll(async () => {
  const cliPath = inject('temporalCliPath');
  if (cliPath === null) throw new Error('no Temporal CLI: global setup could not install one');
  work = mkdtempSync(join(tmpdir(), 'client-package-'));
  project = join(work, 'consumer');
  const [started] = await Promise.all([
    startStack({ cliPath, name: 'client-package-e2e' }),
    (async () => {
      // What `npm pack` runs first (prepack); the pack itself then runs no script, so that the
      // console's build (prepare) is not redone under tests that serve it.
      await sh(NPM, ['run', 'build:client'], ROOT);
      const packed = await sh(NPM, ['pack', '--ignore-scripts', '--pack-destination', work], ROOT);
      tarball = join(work, packed.trim().split('\n').pop() as string);
      mkdirSync(project);
      writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
      const install = ['install', '--no-audit', '--no-fund', tarball];
      // From the npm cache when it holds every dependency, else from the registry.
      await sh(NPM, [...install, '--offline'], project).catch(() => sh(NPM, [...install, '--prefer-offline'], project));
    })(),
  ]);
  stack = started;
}, 600_000);

afterAll(async () => {
  await stack?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed client', () => {
  it('holds the compiled client with its types, and no server code', async () => {
    const files = (await sh('tar', ['tzf', tarball], work)).split('\n').filter(Boolean);
    for (const entry of ['index.js', 'index.d.ts', 'index.mjs', 'index.d.mts', 'client.js', 'errors.d.ts']) {
      expect(files).toContain(`package/dist/client/client/${entry}`);
    }
    expect(files).toContain('package/dist/client/contract/jobs.d.ts');
    const server = files.filter((f) =>
      /^package\/(src\/|dist\/console\/)|\/(api|workflows|activities|workers|dev|codec|observability|config)\//.test(f),
    );
    expect(server).toEqual([]);
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.endsWith('.d.mts'))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(manifest.scripts.prepack).toBe('npm run build:client');
    expect(manifest.exports['./client'].import.default).toBe('./dist/client/client/index.mjs');
  });

  it('a strict TypeScript snippet compiles against its types and runs with node: create, get, list, cancel', async () => {
    const name = `pkg-${Date.now().toString(36)}`;
    writeFileSync(
      join(project, 'check.mts'),
      `import { SchedulerApiError, SchedulerClient, type JobDetails, type JobStatus, type JobSubmission } from 'temporal-job-scheduler/client';

const scheduler = new SchedulerClient({ baseUrl: ${JSON.stringify(stack.apiUrl)}, apiKey: ${JSON.stringify(E2E_CALLER.key)} });
const payload = { type: 'handler', name: 'demo.echo' } as const;
// @ts-expect-error a cron job needs its cron expression
const incomplete: JobSubmission = { name: 'x', frequency: 'cron', payload };
void incomplete;
const submission: JobSubmission = {
  name: ${JSON.stringify(name)},
  frequency: 'interval',
  every: '1h',
  execution_time: new Date(Date.now() + 3_600_000).toISOString(),
  payload,
};
const created = await scheduler.create(submission);
const wasCreated: boolean = created.created;
const job: JobDetails = await scheduler.get(created.job_id);
const status: JobStatus = job.status;
const nextRuns: string[] = job.next_run_times ?? [];
const every: string | undefined = job.spec?.every;
let listed = false;
for (let i = 0; i < 100 && !listed; i++) {
  const page = await scheduler.list({ name: ${JSON.stringify(name)} });
  listed = page.jobs.some((row) => row.job_id === created.job_id);
  if (!listed) await new Promise((resolve) => setTimeout(resolve, 100));
}
const cancelled = await scheduler.cancel(created.job_id);
let problem = '';
try {
  await scheduler.create({ name: 'bad', frequency: 'cron', cron: '61 * * * *', payload });
} catch (err) {
  if (err instanceof SchedulerApiError) problem = err.message;
}
console.log(JSON.stringify({ wasCreated, id: job.job_id === created.job_id, status, nextRuns, every, listed, cancelled: cancelled.status, problem }));
`,
    );
    const flags = ['--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022'];
    await sh(process.execPath, [TSC, ...flags, '--noEmit', 'check.mts'], project);
    await sh(process.execPath, [TSC, ...flags, '--outDir', 'out', 'check.mts'], project);
    const result = JSON.parse((await sh(process.execPath, ['out/check.mjs'], project)).trim());
    expect(result).toMatchObject({
      wasCreated: true,
      id: true,
      status: 'pending',
      every: '1h',
      listed: true,
      cancelled: 'cancelled',
      problem: expect.stringMatching(/^400 Invalid request: cron: \S/),
    });
    expect(result.nextRuns.length).toBeGreaterThan(0);
  });

  it('require() and import give the same exports', async () => {
    const cjs = await sh(
      process.execPath,
      [
        '-e',
        "console.log(Object.keys(require('temporal-job-scheduler/client')).filter(k => k !== '__esModule').sort().join())",
      ],
      project,
    );
    const esm = await sh(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const m = await import('temporal-job-scheduler/client'); console.log(Object.keys(m).sort().join())",
      ],
      project,
    );
    expect(esm.trim()).toBe(cjs.trim());
    expect(esm.trim().split(',')).toContain('SchedulerClient');
  });
});

/**
 * overhead: the same schedule (every 5 s, J jobs) run as our jobWorkflow (run_as activity, then
 * run_as local_activity) and as a minimal
 * hand-written Temporal workflow (bench/bare-workflow: sleep + one activity), one after the other
 * on the same server with one worker process each: history events per run, Temporal server CPU per
 * run and worker CPU per run, and their ratios.
 */
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { stopProcess, waitForOutput } from '../../src/dev/processes';
import type { RunAs } from '../../src/domain/job-spec';
import { mapConcurrent } from '../../src/map-concurrent';
import { type BenchContext, type Benchmark, type BenchOutput, log } from '../lib/context';
import { cpuMs } from '../lib/proc';
import { RECORD_HANDLER } from '../lib/record-handler';
import { readRecords } from '../lib/recorder';
import { type GoalCheck, metric, type Section } from '../lib/report';
import { seedJobs, sleep } from '../lib/seed';
import { startBenchProcess, startStack } from '../lib/stack';
import { distribution, ratio } from '../lib/stats';
import { median } from './common';

const EVERY_MS = 5_000;
/** Workflows whose histories are read for the events per run. */
const HISTORY_SAMPLE = 10;

/** Figures of one window. */
interface PhaseFigures {
  runs: number;
  eventsPerRun: number;
  serverCpuMsPerRun: number;
  workerCpuMsPerRun: number;
  lagP50: number;
}

function eventMs(time: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  return Number(time?.seconds ?? 0) * 1000 + Math.round((time?.nanos ?? 0) / 1e6);
}

/**
 * Measures `windows` consecutive windows of `windowMs` starting after a warm-up.
 * @param workerPids the worker processes of the phase (CPU read from /proc).
 */
async function measurePhase(
  client: Client,
  serverPid: number,
  workerPids: number[],
  recordDir: string,
  workflowIds: string[],
  windows: number,
  windowMs: number,
): Promise<PhaseFigures[]> {
  const first = Math.ceil((Date.now() + 2 * EVERY_MS) / EVERY_MS) * EVERY_MS + 500;
  const cpu: Array<{ server: number; workers: number }> = [];
  for (let w = 0; w <= windows; w++) {
    await sleep(first + w * windowMs - Date.now());
    cpu.push({ server: cpuMs(serverPid), workers: workerPids.reduce((s, p) => s + cpuMs(p), 0) });
  }
  await sleep(1_000);
  const records = readRecords(recordDir);
  const sample = workflowIds.slice(0, HISTORY_SAMPLE);
  const histories = await mapConcurrent(
    sample,
    5,
    async (id) => (await client.workflow.getHandle(id).fetchHistory()).events ?? [],
  );
  const figures: PhaseFigures[] = [];
  for (let w = 0; w < windows; w++) {
    const from = first + w * windowMs;
    const to = from + windowMs;
    const inWindow = records.filter((r) => r.scheduled_ms >= from && r.scheduled_ms < to);
    let events = 0;
    let completed = 0;
    for (const history of histories) {
      for (const e of history) {
        const at = eventMs(e.eventTime as { seconds?: unknown; nanos?: number | null } | null);
        if (at < from || at >= to) continue;
        events++;
        if (e.activityTaskCompletedEventAttributes || e.markerRecordedEventAttributes) completed++;
      }
    }
    const c0 = cpu[w] as { server: number; workers: number };
    const c1 = cpu[w + 1] as { server: number; workers: number };
    figures.push({
      runs: inWindow.length,
      eventsPerRun: ratio(events, completed),
      serverCpuMsPerRun: ratio(c1.server - c0.server, inWindow.length),
      workerCpuMsPerRun: ratio(c1.workers - c0.workers, inWindow.length),
      lagP50: distribution(inWindow.map((r) => r.started_ms - r.scheduled_ms)).p50,
    });
  }
  return figures;
}

/** The `overhead` benchmark (see the module comment); run by bench/run.ts. */
export const overhead: Benchmark = {
  name: 'overhead',
  title: 'Overhead over a bare Temporal workflow',
  description:
    `J jobs on the same schedule (every ${EVERY_MS / 1000} s, all at the same instants) run first as our \`jobWorkflow\` ` +
    '(cron job, handler `bench.record`, one worker process; first with run_as activity, the default, then with a fresh ' +
    'worker and run_as local_activity) and then as a minimal hand-written workflow ' +
    '(bench/bare-workflow: `sleep` until the next fire time, one activity recording its start; its own worker ' +
    'process), on the same Temporal dev server, never both at once. Per run: history events (from the histories of ' +
    `${HISTORY_SAMPLE} workflows, events in the window ÷ activity completions, or local-activity markers, in the window), Temporal server CPU ` +
    '(/proc/<pid>/stat utime+stime of the server process, ÷ runs; includes the server’s idle work) and worker CPU ' +
    '(÷ runs). Ratios are ours ÷ bare, window by window. Ours runs as `npm start` has it, payloads encrypted ' +
    '(AES-256-GCM codec in the worker); the bare workflow has no codec: plain Temporal.',
  async run(ctx: BenchContext): Promise<BenchOutput> {
    const smoke = ctx.scale === 'smoke';
    const jobs = smoke ? 20 : 100;
    const windowMs = smoke ? 15_000 : 30_000;
    const windows = ctx.repeats;
    const stack = await startStack({
      cliPath: ctx.cliPath,
      name: 'overhead',
      workers: 1,
      workerEnv: ctx.workerEnv,
      sqlitePragmas: ctx.sqlitePragmas,
      api: false,
    });
    let ours: PhaseFigures[] = [];
    let local: PhaseFigures[] = [];
    let bare: PhaseFigures[] = [];
    try {
      const serverPid = stack.server.process.pid ?? 0;
      // One phase of jobWorkflow: seeds the jobs, measures, ends them and stops the phase's worker.
      const oursPhase = async (runAs: RunAs): Promise<PhaseFigures[]> => {
        const seeded = await seedJobs(
          stack.client,
          stack.taskQueue,
          jobs,
          (i) => ({
            name: `overhead-${runAs}-${i}`,
            frequency: 'cron',
            cron: `*/${EVERY_MS / 1000} * * * * *`,
            timezone: 'UTC',
            payload: { type: 'handler', name: RECORD_HANDLER },
            ...(runAs === 'local_activity' ? { run_as: runAs, timeout: '10s' } : {}),
          }),
          `overhead (jobWorkflow, ${runAs})`,
        );
        log('overhead', `jobWorkflow (${runAs}): ${windows} window(s) of ${windowMs / 1000} s`);
        const workerPids = stack.workers.map((w) => w.process.pid ?? 0);
        const figures = await measurePhase(
          stack.client,
          serverPid,
          workerPids,
          stack.recordDir,
          seeded.jobIds,
          windows,
          windowMs,
        );
        await mapConcurrent(seeded.jobIds, 32, (id) =>
          stack.client.workflow.getHandle(id).terminate('benchmark phase over'),
        );
        for (const w of stack.workers.splice(0)) await stopProcess(w);
        return figures;
      };
      ours = await oursPhase('activity');
      await stack.addWorker();
      local = await oursPhase('local_activity');

      const bareQueue = `${stack.taskQueue}-bare`;
      const bareRecords = join(stack.dataDir, 'bare-records');
      const child = startBenchProcess('bare-worker', 'bare-workflow/worker.ts', {
        TEMPORAL_ADDRESS: stack.temporalAddress,
        TASK_QUEUE: bareQueue,
        BENCH_RECORD_DIR: bareRecords,
        WORKER_IDENTITY: 'bare-worker',
        ...(ctx.workerEnv.WORKER_MAX_CACHED_WORKFLOWS
          ? { WORKER_MAX_CACHED_WORKFLOWS: ctx.workerEnv.WORKER_MAX_CACHED_WORKFLOWS }
          : {}),
      });
      await waitForOutput(child, /bare worker started/, 180_000);
      const bareIds = Array.from({ length: jobs }, (_, i) => `bare-${i}-${Date.now().toString(36)}`);
      // Bare Temporal: started with a client without the payload codec, as its worker has none.
      const plain = new Client({ connection: stack.client.connection, namespace: 'default' });
      await mapConcurrent(bareIds, 32, (id) =>
        plain.workflow.start('bareWorkflow', {
          workflowId: id,
          taskQueue: bareQueue,
          args: [{ every_ms: EVERY_MS }],
        }),
      );
      log('overhead', `bare workflow: ${windows} window(s) of ${windowMs / 1000} s`);
      bare = await measurePhase(
        stack.client,
        serverPid,
        [child.process.pid ?? 0],
        bareRecords,
        bareIds,
        windows,
        windowMs,
      );
      await mapConcurrent(bareIds, 32, (id) => stack.client.workflow.getHandle(id).terminate('benchmark over'));
      await stopProcess(child);
    } finally {
      await stack.stop();
    }
    const section = (title: string, figures: PhaseFigures[]): Section => ({
      title,
      repeats: figures.length,
      metrics: [
        metric(
          'runs in the window',
          'count',
          figures.map((f) => f.runs),
        ),
        metric(
          'history events per run',
          'count',
          figures.map((f) => f.eventsPerRun),
        ),
        metric(
          'Temporal server CPU per run',
          'ms',
          figures.map((f) => f.serverCpuMsPerRun),
        ),
        metric(
          'worker CPU per run',
          'ms',
          figures.map((f) => f.workerCpuMsPerRun),
        ),
        metric(
          'lag p50',
          'ms',
          figures.map((f) => f.lagP50),
        ),
      ],
    });
    const ratiosOf = (mine: PhaseFigures[]) => (k: keyof PhaseFigures) =>
      mine.map((o, i) => ratio(o[k], bare[i]?.[k] ?? Number.NaN));
    const ratioSection = (title: string, mine: PhaseFigures[]): Section => ({
      title,
      repeats: mine.length,
      metrics: [
        metric('history events per run', '×', ratiosOf(mine)('eventsPerRun')),
        metric('Temporal server CPU per run', '×', ratiosOf(mine)('serverCpuMsPerRun')),
        metric('worker CPU per run', '×', ratiosOf(mine)('workerCpuMsPerRun')),
      ],
    });
    const limits = { eventsPerRun: 1.0, serverCpuMsPerRun: 1.0, workerCpuMsPerRun: 1.3 } as const;
    const goalsOf = (mode: string, mine: PhaseFigures[]): GoalCheck[] =>
      (['eventsPerRun', 'serverCpuMsPerRun', 'workerCpuMsPerRun'] as const).map((k) => {
        const m = median(ratiosOf(mine)(k));
        const what = k === 'eventsPerRun' ? 'history events' : k === 'serverCpuMsPerRun' ? 'server CPU' : 'worker CPU';
        return {
          goal: `${mode}: ${what} per run ≤ ${limits[k].toFixed(1)}× bare Temporal`,
          measured: `${m.toFixed(2)}× (median of runs)`,
          met: Number.isNaN(m) ? null : m <= limits[k],
        };
      });
    const goals = [...goalsOf('run_as activity (default)', ours), ...goalsOf('run_as local_activity', local)];
    return {
      settings: {
        jobs,
        everyS: EVERY_MS / 1000,
        windowS: windowMs / 1000,
        workers: 1,
        ...ctx.workerEnv,
        sqlite: ctx.sqlitePragmas.join(' ') || 'server defaults',
      },
      sections: [
        section(`Our jobWorkflow, ${jobs} jobs, run_as activity (default)`, ours),
        section(`Our jobWorkflow, ${jobs} jobs, run_as local_activity`, local),
        section(`Bare workflow, ${jobs} workflows`, bare),
        ratioSection('Ratio ours (activity) ÷ bare', ours),
        ratioSection('Ratio ours (local_activity) ÷ bare', local),
      ],
      goals,
      notes: [
        'A run is one window; windows are consecutive on the same workflows.',
        'Where our events per run come from: an occurrence of jobWorkflow has the bare workflow’s timer, activity and two workflow tasks, plus one UpsertWorkflowSearchAttributes (NextRunTime, LastRunTime; WorkerIds when a new worker ran it) in the workflow task that records the run: 12 events against 11. Attempt records travel in the activity’s heartbeat details and result, not in signals.',
        'With run_as local_activity the payload runs as a local activity in the workflow task that the timer starts: one MarkerRecorded instead of the activity’s three events and second workflow task, 7 events per run, no activity task to dispatch, no heartbeat; it fires at the fire time, with no lead.',
      ],
    };
  },
};

/**
 * The `scheduler` command line (commander): `dev` (everything on one machine, what `npm start`
 * runs), `api`, `worker`, and `jobs create|list|get|executions|pause|resume|trigger|cancel` through
 * the REST API (with {@link SchedulerClient}).
 * Options of `api` and `worker` are the environment variables of the configuration
 * (README "Configuration"), set before the process's config is loaded.
 */
import { readFileSync } from 'node:fs';
import { SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import { type CreateManyProgress, SchedulerApiError, SchedulerClient } from '../client';
import type { BatchJob, JobStatus, JobSubmission } from '../contract';

/** What the program needs from its surroundings (tests pass their own). */
export interface ProgramIo {
  /** Prints a result (stdout). */
  out: (text: string) => void;
  /** Prints an error (stderr). */
  err: (text: string) => void;
  /** Environment for defaults (SCHEDULER_API_URL, SCHEDULER_API_KEY) and for `api`/`worker` options. */
  env: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  /** Where the progress bar of a bulk create is drawn (only on a terminal); default stderr. */
  progress?: NodeJS.WritableStream;
  /** Starters of the long-running processes (lazily imported by default). */
  run?: { dev(): Promise<void>; api(): Promise<void>; worker(): Promise<void> };
}

// require (not import()): loaded only for the command that runs, and through tsx's CommonJS hook.
const defaultRun = {
  dev: () => (require('../dev/main') as typeof import('../dev/main')).runDev(),
  api: () => (require('../api/main') as typeof import('../api/main')).runApi(),
  worker: () => (require('../workers/main') as typeof import('../workers/main')).runWorker(),
};

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

/** Reads a job spec from `--file <path|->` or `--json <text>`. */
function readSpec(options: { file?: string; json?: string }): unknown {
  if ((options.file === undefined) === (options.json === undefined)) {
    throw new InvalidArgumentError('give exactly one of --file <path> or --json <spec>');
  }
  const text = options.json ?? readFileSync(options.file === '-' ? 0 : (options.file as string), 'utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InvalidArgumentError(`the job spec is not JSON: ${(err as Error).message}`);
  }
}

/** True when the file holds JSON Lines (one job spec per line): a `.jsonl` or `.ndjson` name. */
function isJsonLines(path: string | undefined): boolean {
  return path !== undefined && /\.(jsonl|ndjson)$/i.test(path);
}

/**
 * The job specs of a JSON Lines text (RFC 7464's newline-delimited cousin: one JSON value per
 * line, blank lines skipped).
 * @throws InvalidArgumentError naming the first line that is not JSON.
 */
export function parseJsonLines(text: string): unknown[] {
  const specs: unknown[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      specs.push(JSON.parse(line));
    } catch (err) {
      throw new InvalidArgumentError(`line ${index + 1} is not JSON: ${(err as Error).message}`);
    }
  });
  if (specs.length === 0) throw new InvalidArgumentError('the file holds no job spec');
  return specs;
}

/**
 * Builds the program. `parseAsync(argv)` runs one command; API failures set `process.exitCode`
 * (1) and print the problem+json body to `err`.
 */
export function buildProgram(io: ProgramIo): Command {
  const run = io.run ?? defaultRun;
  const program = new Command('scheduler')
    .description('A distributed job scheduler on Temporal')
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });

  /** Copies the given options into the environment read by src/config. */
  const setEnv = (pairs: Record<string, string | number | undefined>) => {
    for (const [key, value] of Object.entries(pairs)) if (value !== undefined) io.env[key] = String(value);
  };

  program
    .command('dev')
    .description('embedded Temporal dev server + Web UI, a worker and the API (what `npm start` runs)')
    .action(() => run.dev());

  program
    .command('api')
    .description('run the REST API against TEMPORAL_ADDRESS')
    .option('--host <host>', 'listen address (API_HOST)')
    .option('--port <port>', 'listen port (API_PORT)')
    .action((opts: { host?: string; port?: string }) => {
      setEnv({ API_HOST: opts.host, API_PORT: opts.port });
      return run.api();
    });

  program
    .command('worker')
    .description('run a worker (job workflows and executions) against TEMPORAL_ADDRESS')
    .option('--task-queue <name>', 'task queue to poll (TASK_QUEUE)')
    .option('--identity <id>', 'worker identity (WORKER_IDENTITY)')
    .option('--metrics-port <port>', 'Prometheus /metrics port (WORKER_METRICS_PORT)')
    .action((opts: { taskQueue?: string; identity?: string; metricsPort?: string }) => {
      setEnv({ TASK_QUEUE: opts.taskQueue, WORKER_IDENTITY: opts.identity, WORKER_METRICS_PORT: opts.metricsPort });
      return run.worker();
    });

  const jobs = program
    .command('jobs')
    .description('manage jobs through the REST API')
    .option('--api-url <url>', 'API base URL (SCHEDULER_API_URL)', io.env.SCHEDULER_API_URL ?? 'http://127.0.0.1:3000')
    .option('--api-key <key>', 'API key, sent as a bearer token (SCHEDULER_API_KEY)', io.env.SCHEDULER_API_KEY);

  const client = (): SchedulerClient => {
    const opts = jobs.opts<{ apiUrl: string; apiKey?: string }>();
    return new SchedulerClient({ baseUrl: opts.apiUrl, apiKey: opts.apiKey, ...(io.fetch ? { fetch: io.fetch } : {}) });
  };
  const print = async (call: () => Promise<unknown>) => {
    try {
      io.out(JSON.stringify(await call(), null, 2));
    } catch (err) {
      if (err instanceof SchedulerApiError) {
        io.err(`${err.message}\n${JSON.stringify(err.problem, null, 2)}`);
      } else {
        io.err((err as Error).message); // SchedulerConnectionError: names the URL and the socket error
      }
      process.exitCode = 1;
    }
  };

  /**
   * Submits the specs of a JSON Lines file through POST /jobs:batch (SchedulerClient.createMany):
   * a progress bar on a terminal, one result per line (JSON Lines, input order) on `out`, the
   * totals on `err`; exit status 1 when an item failed.
   */
  const createMany = async (path: string, batchSize: number | undefined) => {
    let specs: unknown[];
    try {
      specs = parseJsonLines(readFileSync(path === '-' ? 0 : path, 'utf8'));
    } catch (err) {
      return program.error(`error: ${(err as Error).message}`);
    }
    const stream = io.progress ?? process.stderr;
    const bar = new SingleBar({
      stream,
      format: 'submitting [{bar}] {value}/{total} jobs | {created} created, {replayed} replayed, {failed} failed',
      hideCursor: true,
    });
    const counts = (p: CreateManyProgress) => ({ created: p.created, replayed: p.replayed, failed: p.failed });
    bar.start(specs.length, 0, { created: 0, replayed: 0, failed: 0 });
    try {
      const result = await client().createMany(specs as BatchJob[], {
        ...(batchSize !== undefined ? { batchSize } : {}),
        onProgress: (p) => bar.update(p.done, counts(p)),
      });
      bar.stop();
      for (const item of result.results) io.out(JSON.stringify(item));
      io.err(`${result.total} jobs: ${result.created} created, ${result.replayed} replayed, ${result.failed} failed`);
      if (result.failed > 0) process.exitCode = 1;
    } catch (err) {
      bar.stop();
      await print(() => Promise.reject(err));
    }
  };

  jobs
    .command('create')
    .description(
      'submit a job (the POST /jobs body, from a file, stdin (-) or inline), or many: a .jsonl file ' +
        '(or --jsonl) holds one job spec per line, sent through POST /jobs:batch',
    )
    .option('-f, --file <path>', 'JSON file with the job spec, or - for stdin')
    .option('--json <spec>', 'the job spec as a JSON string')
    .option('--jsonl', 'the file holds JSON Lines: one job spec per line (default for .jsonl and .ndjson names)')
    .option('--batch-size <n>', 'jobs per POST /jobs:batch request (<= 1000)', positiveInt)
    .action((opts: { file?: string; json?: string; jsonl?: boolean; batchSize?: number }) => {
      if (opts.file !== undefined && opts.json === undefined && (opts.jsonl || isJsonLines(opts.file))) {
        return createMany(opts.file, opts.batchSize);
      }
      let spec: unknown;
      try {
        spec = readSpec(opts);
      } catch (err) {
        program.error(`error: ${(err as Error).message}`); // exits with status 1 (throws under exitOverride)
      }
      // The server validates the spec; its answer names each bad field.
      return print(() => client().create(spec as JobSubmission));
    });

  jobs
    .command('list')
    .description('list jobs, newest first')
    .option('--status <status>', 'pending, running, completed, failed or cancelled')
    .option('--user <user_id>', 'owner')
    .option('--name <prefix>', 'name prefix')
    .option('--limit <n>', 'page size (<= 1000)', positiveInt)
    .option('--page-token <token>', 'next_page_token of the previous page')
    .action((opts: { status?: string; user?: string; name?: string; limit?: number; pageToken?: string }) =>
      print(() =>
        client().list({
          status: opts.status as JobStatus | undefined,
          user_id: opts.user,
          name: opts.name,
          limit: opts.limit,
          page_token: opts.pageToken,
        }),
      ),
    );

  // Commands on one job: `scheduler jobs <command> <job_id>`.
  const oneJob: Array<[string, string, (api: SchedulerClient, jobId: string) => Promise<unknown>]> = [
    ['get', 'show one job: status, next/last run, counters, recent executions', (api, id) => api.get(id)],
    ['executions', "show a job's executions, newest first", (api, id) => api.executions(id)],
    ['pause', 'pause a job: occurrences due while paused are skipped', (api, id) => api.pause(id)],
    ['resume', 'resume a paused job from its next occurrence', (api, id) => api.resume(id)],
    ['trigger', 'run a job now, outside its schedule', (api, id) => api.trigger(id)],
    ['cancel', 'cancel a job (and its running attempt)', (api, id) => api.cancel(id)],
  ];
  for (const [name, description, call] of oneJob) {
    jobs
      .command(name)
      .description(description)
      .argument('<job_id>')
      .action((jobId: string) => print(() => call(client(), jobId)));
  }

  return program;
}

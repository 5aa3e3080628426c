/**
 * What every benchmark gets from the runner (bench/run.ts): scale, repeats, worker count and
 * tuning, the Temporal CLI, the machine description. Settings come from the environment:
 * `BENCH_SCALE` (`full` | `smoke`, or `--smoke`), `BENCH_REPEATS` (default 3), `BENCH_WORKERS`
 * (default 2), and the worker tuning variables of src/config/schema.ts, passed to our workers.
 */
import { DEFAULT_SQLITE_PRAGMAS, parseSqlitePragmas } from '../../src/config/schema';
import type { BenchResult, MachineInfo } from './report';

/** Worker tuning variables passed through to our workers when set (README, Configuration). */
export const WORKER_TUNING_VARIABLES = [
  'WORKER_MAX_CACHED_WORKFLOWS',
  'WORKER_WORKFLOW_TASK_SLOTS',
  'WORKER_WORKFLOW_TASK_POLLERS',
  'WORKER_ACTIVITY_TASK_POLLERS',
  'MAX_CONCURRENT_EXECUTIONS',
] as const;

/**
 * Worker tuning of the benchmarks unless the environment sets it: none, so they measure what
 * `npm start` gives (src/config/schema.ts defaults).
 */
export const BENCH_WORKER_DEFAULTS: Record<string, string> = {};

/**
 * The tuned worker configuration that benchmarks measure beside the default one, labelled as
 * such: every job stays in its worker's sticky cache, and 1,000 attempts (held or running) at once.
 */
export const BENCH_TUNED_WORKER_ENV: Record<string, string> = {
  WORKER_MAX_CACHED_WORKFLOWS: '30000',
  MAX_CONCURRENT_EXECUTIONS: '1000',
};

/**
 * SQLite pragmas of the benchmarks' embedded server unless BENCH_SQLITE_PRAGMAS says otherwise
 * (`none` = the server's defaults): what `npm start` uses (TEMPORAL_SQLITE_PRAGMAS's default).
 */
export const BENCH_SQLITE_PRAGMAS = parseSqlitePragmas(DEFAULT_SQLITE_PRAGMAS);

/** The runner's settings for one benchmark. */
export interface BenchContext {
  scale: 'smoke' | 'full';
  /** Runs of the short figures (BENCH_REPEATS). */
  repeats: number;
  /** Worker processes (BENCH_WORKERS). */
  workers: number;
  /** The `temporal` CLI. */
  cliPath: string;
  machine: MachineInfo;
  /** Environment of our workers: the tuning variables. */
  workerEnv: Record<string, string>;
  /** SQLite pragmas of the embedded server (BENCH_SQLITE_PRAGMAS). */
  sqlitePragmas: string[];
  /** Longest time one seeding phase may take, ms (BENCH_SEED_BUDGET_S, default 240 s): bounds the run. */
  seedBudgetMs: number;
  /** Results so far in this run and earlier ones (bench/results/*.json), by name: `peers` reads ours. */
  previous: ReadonlyMap<string, BenchResult>;
}

/** What a benchmark returns; the runner adds name, title, date, command, machine, duration. */
export type BenchOutput = Pick<BenchResult, 'settings' | 'sections' | 'goals' | 'notes'>;

/** A benchmark. */
export interface Benchmark {
  name: string;
  title: string;
  /** One paragraph for BENCHMARKS.md: what it measures and how. */
  description: string;
  run(ctx: BenchContext): Promise<BenchOutput>;
}

/**
 * Reads a positive integer from the environment.
 * @throws {Error} when it is set but not a positive integer.
 */
export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

/** Prints a progress line `[bench <name>] …` with the time of day. */
export function log(name: string, message: string): void {
  console.log(`${new Date().toISOString().slice(11, 19)} [${name}] ${message}`);
}

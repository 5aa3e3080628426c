/**
 * `npm run bench [-- <name>…] [-- --smoke]`: runs the benchmarks (all, or the named ones, in the
 * fixed order fire-lag, burst, submit, overhead, dormant, storage, peers; `scale` only when named), writes each result to
 * bench/results/<name>.json and re-renders BENCHMARKS.md from every result file (a single benchmark
 * replaces only its own section). Everything a benchmark starts is stopped when it ends, fails, or
 * on Ctrl-C. Settings: BENCH_SCALE (full | smoke), BENCH_REPEATS (3), BENCH_WORKERS (2),
 * BENCH_SEED_BUDGET_S (240), BENCH_SQLITE_PRAGMAS, BENCH_SERVER_DYNAMIC_CONFIG, and the worker tuning
 * variables (bench/lib/context.ts). `--render-only` re-renders BENCHMARKS.md from the result files.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureTemporalCli, PROJECT_ROOT } from '../src/dev/temporal-cli';
import { burst } from './benches/burst';
import { dormant } from './benches/dormant';
import { fireLag } from './benches/fire-lag';
import { overhead } from './benches/overhead';
import { peers } from './benches/peers';
import { scale } from './benches/scale';
import { storage } from './benches/storage';
import { submit } from './benches/submit';
import { cleanupAll } from './lib/cleanup';
import {
  BENCH_SQLITE_PRAGMAS,
  BENCH_WORKER_DEFAULTS,
  type BenchContext,
  type Benchmark,
  envInt,
  WORKER_TUNING_VARIABLES,
} from './lib/context';
import { machineInfo } from './lib/machine';
import { type BenchResult, renderBenchmarks } from './lib/report';
import { serverDynamicConfig } from './lib/stack';

const BENCHMARKS: Benchmark[] = [fireLag, burst, submit, overhead, dormant, storage, peers, scale];
/** Benchmarks left out of a run without names (`npm run bench -- scale` runs it). */
const ON_ITS_OWN = ['scale'];
const RESULTS_DIR = join(PROJECT_ROOT, 'bench', 'results');
const REPORT = join(PROJECT_ROOT, 'BENCHMARKS.md');

/** Every result file in bench/results, by benchmark name. */
function readResults(): Map<string, BenchResult> {
  const results = new Map<string, BenchResult>();
  let files: string[] = [];
  try {
    files = readdirSync(RESULTS_DIR).filter((f) => f.endsWith('.json'));
  } catch {
    return results;
  }
  for (const file of files) {
    try {
      const result = JSON.parse(readFileSync(join(RESULTS_DIR, file), 'utf8')) as BenchResult;
      results.set(result.name, result);
    } catch (err) {
      console.warn(`[bench] ignoring ${file}: ${(err as Error).message}`);
    }
  }
  return results;
}

/** JSON with NaN and infinities as null. */
function toJson(value: unknown): string {
  return `${JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`;
}

/** Reads numbers back: null (NaN written as null) → NaN, for min/median/max and runs. */
function revive(result: BenchResult): BenchResult {
  for (const section of result.sections) {
    for (const m of section.metrics) {
      m.runs = m.runs.map((v) => (v === null ? Number.NaN : v));
      for (const k of ['min', 'median', 'max'] as const) if (m.summary[k] === null) m.summary[k] = Number.NaN;
    }
  }
  return result;
}

/** BENCH_SQLITE_PRAGMAS: comma-separated, `none` for the server's defaults; default {@link BENCH_SQLITE_PRAGMAS}. */
function sqlitePragmas(): string[] {
  const raw = process.env.BENCH_SQLITE_PRAGMAS;
  if (raw === undefined || raw === '') return BENCH_SQLITE_PRAGMAS;
  if (raw === 'none') return [];
  return raw
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--render-only')) {
    writeFileSync(REPORT, renderBenchmarks([...readResults().values()].map(revive)));
    console.log('BENCHMARKS.md rendered from bench/results/*.json');
    return;
  }
  const smoke = args.includes('--smoke') || process.env.BENCH_SCALE === 'smoke';
  const names = args.filter((a) => !a.startsWith('--'));
  const unknown = names.filter((n) => !BENCHMARKS.some((b) => b.name === n));
  if (unknown.length > 0) {
    console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}`);
    process.exit(2);
  }
  // `scale` takes hours at full size: it runs only when named.
  const selected =
    names.length > 0
      ? BENCHMARKS.filter((b) => names.includes(b.name))
      : BENCHMARKS.filter((b) => !ON_ITS_OWN.includes(b.name));
  const cliPath = ensureTemporalCli(process.env.TEMPORAL_CLI_PATH, (m) => console.log(`[setup] ${m}`));
  if (cliPath === null) throw new Error('no Temporal CLI: run `npm run setup` first');
  const workerEnv: Record<string, string> = { ...BENCH_WORKER_DEFAULTS };
  for (const name of WORKER_TUNING_VARIABLES) {
    const value = process.env[name];
    if (value !== undefined && value !== '') workerEnv[name] = value;
  }
  const previous = new Map([...readResults()].map(([k, v]) => [k, revive(v)] as const));
  const ctx: BenchContext = {
    scale: smoke ? 'smoke' : 'full',
    repeats: envInt('BENCH_REPEATS', 3),
    workers: envInt('BENCH_WORKERS', 2),
    cliPath,
    machine: machineInfo(cliPath),
    workerEnv,
    sqlitePragmas: sqlitePragmas(),
    seedBudgetMs: envInt('BENCH_SEED_BUDGET_S', 240) * 1000,
    previous,
  };
  const command = `npm run bench${args.length > 0 ? ` -- ${args.join(' ')}` : ''}`;
  mkdirSync(RESULTS_DIR, { recursive: true });
  const suiteStart = Date.now();
  let failed = 0;
  for (const bench of selected) {
    const started = new Date();
    console.log(`\n=== ${bench.name} (${ctx.scale}) started ${started.toISOString()} ===`);
    try {
      const output = await bench.run(ctx);
      const result: BenchResult = {
        name: bench.name,
        title: bench.title,
        description: bench.description,
        scale: ctx.scale,
        command,
        date: started.toISOString(),
        durationS: Math.round((Date.now() - started.getTime()) / 1000),
        machine: ctx.machine,
        ...output,
      };
      const dynamicConfig = serverDynamicConfig();
      if (dynamicConfig.length > 0) result.settings.serverDynamicConfig = dynamicConfig.join(' ');
      writeFileSync(join(RESULTS_DIR, `${bench.name}.json`), toJson(result));
      previous.set(bench.name, result);
      writeFileSync(REPORT, renderBenchmarks([...previous.values()]));
      console.log(
        `=== ${bench.name} done in ${result.durationS} s: bench/results/${bench.name}.json, BENCHMARKS.md ===`,
      );
    } catch (err) {
      failed++;
      console.error(`=== ${bench.name} FAILED: ${(err as Error).stack ?? err} ===`);
    } finally {
      await cleanupAll();
    }
  }
  console.log(
    `\nbench: ${selected.length - failed}/${selected.length} benchmarks in ${Math.round((Date.now() - suiteStart) / 1000)} s`,
  );
  process.exitCode = failed > 0 ? 1 : 0;
}

main()
  .catch(async (err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(async () => {
    await cleanupAll();
    // Clients of peers (ioredis, pg pools) may keep the event loop alive after cleanup.
    setTimeout(() => process.exit(process.exitCode ?? 0), 500).unref();
  });

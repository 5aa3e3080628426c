/**
 * Result files and BENCHMARKS.md: the shapes every benchmark writes to `bench/results/<name>.json`,
 * and the pure Markdown rendering of all of them (unit-tested in test/unit/bench-report.test.ts).
 */
import { type Spread, spread } from './stats';

/** Where and with what a benchmark ran. */
export interface MachineInfo {
  /** Logical CPUs (os.availableParallelism()). */
  cores: number;
  cpuModel: string;
  /** Total memory, GiB. */
  memoryGiB: number;
  /** e.g. `v20.20.2`. */
  node: string;
  /** First line of `temporal --version` (CLI, server and UI versions). */
  temporal: string;
  /** `os.type() os.release() os.arch()`. */
  os: string;
}

/** One figure of a section: its value in every run, and their min/median/max. */
export interface Metric {
  /** What it is, e.g. `lag p99`. */
  name: string;
  /** Unit of every value: `ms`, `s`, `jobs/s`, `%`, `bytes`, `MiB`, `×` (a ratio), `count`. */
  unit: string;
  /** One value per run (NaN where a run could not measure it). */
  runs: number[];
  summary: Spread;
}

/** A group of figures measured together, e.g. "10,000 periodic jobs". */
export interface Section {
  title: string;
  /** How many runs each figure has (and what a run is, in `notes` of the result). */
  repeats: number;
  metrics: Metric[];
}

/** A goal and how far the measurement is from it. Never a test. */
export interface GoalCheck {
  goal: string;
  measured: string;
  /** null when it could not be decided (e.g. a size was not run). */
  met: boolean | null;
}

/** Everything one benchmark writes to `bench/results/<name>.json`. */
export interface BenchResult {
  /** File and command name, e.g. `fire-lag`. */
  name: string;
  title: string;
  /** What it measures and how (one paragraph). */
  description: string;
  /** `smoke` (small sizes, harness check) or `full`. */
  scale: 'smoke' | 'full';
  /** The command that produced it. */
  command: string;
  /** ISO time the benchmark started. */
  date: string;
  /** Wall-clock duration of the benchmark, s. */
  durationS: number;
  machine: MachineInfo;
  /** Settings the run used (sizes, workers, windows, worker tuning). */
  settings: Record<string, string | number | boolean>;
  sections: Section[];
  goals: GoalCheck[];
  notes: string[];
}

/** The benchmarks in report order. */
export const BENCH_ORDER = ['fire-lag', 'burst', 'submit', 'overhead', 'dormant', 'storage', 'peers', 'scale'] as const;

/** Builds a metric from its runs. */
export function metric(name: string, unit: string, runs: number[]): Metric {
  return { name, unit, runs, summary: spread(runs) };
}

/**
 * Formats a number for a table: NaN → `n/a`; integers with thousands separators; otherwise up to
 * 3 significant decimals (`0.0123`, `12.3`, `1,234`).
 */
export function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'n/a';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '-∞';
  const abs = Math.abs(value);
  const digits = Number.isInteger(value) || abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** A Markdown table of a section: one row per metric with min, median, max and the runs. */
export function renderSection(section: Section): string {
  const lines = [
    `#### ${section.title} (${section.repeats} run${section.repeats === 1 ? '' : 's'})`,
    '',
    '| figure | unit | min | median | max | runs |',
    '|---|---|---:|---:|---:|---|',
  ];
  for (const m of section.metrics) {
    const s = m.summary;
    const runs = m.runs.map(formatNumber).join(', ');
    lines.push(
      `| ${escapeCell(m.name)} | ${m.unit} | ${formatNumber(s.min)} | ${formatNumber(s.median)} | ${formatNumber(s.max)} | ${runs} |`,
    );
  }
  return lines.join('\n');
}

/** The Markdown of one benchmark: heading, provenance, sections, goals and notes. */
export function renderResult(result: BenchResult): string {
  const scale = result.scale === 'smoke' ? ' — SMOKE RUN (small sizes; not a measurement)' : '';
  const settings = Object.entries(result.settings)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  const parts = [
    `### ${result.title} (\`${result.name}\`)${scale}`,
    '',
    result.description,
    '',
    `Run ${result.date} with \`${result.command}\` (${formatNumber(result.durationS)} s) on ${describeMachine(result.machine)}.`,
    ...(settings ? ['', `Settings: ${settings}.`] : []),
  ];
  for (const section of result.sections) parts.push('', renderSection(section));
  if (result.goals.length > 0) {
    parts.push('', '| goal | measured | met |', '|---|---|---|');
    for (const g of result.goals) {
      const met = g.met === null ? 'n/a' : g.met ? 'yes' : '**no**';
      parts.push(`| ${escapeCell(g.goal)} | ${escapeCell(g.measured)} | ${met} |`);
    }
  }
  if (result.notes.length > 0) {
    parts.push('');
    for (const note of result.notes) parts.push(`- ${note}`);
  }
  return parts.join('\n');
}

/** One line: cores, CPU, memory, OS, Node and Temporal. */
export function describeMachine(m: MachineInfo): string {
  return `${m.cores} cores (${m.cpuModel}), ${formatNumber(m.memoryGiB)} GiB, ${m.os}, Node ${m.node}, ${m.temporal}`;
}

/** The fixed header of BENCHMARKS.md: what it is and how to reproduce it. */
export const BENCHMARKS_HEADER = `# Benchmarks

Generated by \`npm run bench\` (bench/run.ts) — do not edit by hand; rerun instead. Each
benchmark also writes its figures as JSON to \`bench/results/<name>.json\`; this file is
rendered from all of them, so running one benchmark (\`npm run bench -- burst\`) replaces its
own section and keeps the others.

Reproduce: \`npm ci && npm run bench\` (everything; see the expected duration below), or
\`npm run bench -- <name> [<name>…]\` with names \`${BENCH_ORDER.join('`, `')}\`;
\`npm run bench -- --smoke\` (or \`BENCH_SCALE=smoke\`) checks the harness at small sizes in about
12 minutes. \`BENCH_REPEATS\` (default 3) sets the runs of the short benchmarks; \`BENCH_WORKERS\`
(default 2) the worker processes. Every benchmark starts what it needs (embedded Temporal dev
server with a file database in a temp dir, workers, API; Redis and PostgreSQL for \`peers\`) on
127.0.0.1 and stops it afterwards.

Each figure is given as min / median / max over its runs; the number of runs is in each table's
title and the runs themselves in the last column. Lags are wall-clock times on one machine:
the start of the job body minus its scheduled time.

Expected duration of a full run, estimated from the smoke run's rates on a shared 2-core machine
(75–100 workflow starts/s through one dev-server shard; a quieter machine is faster):

| benchmark | full size | estimate |
|---|---|---|
| \`fire-lag\` | 1,000 and 10,000 jobs, run_as activity and local_activity, and 10,000 on tuned workers, 3 one-minute windows each | 28 min |
| \`burst\` | 5,000 (3 runs), 20,000 and 50,000 (1 run each), then 5,000 with run_as local_activity (3 runs), up to 360 s per run to start them all (\`BENCH_BURST_LIMIT_S\`); a size that cannot be seeded within \`BENCH_SEED_BUDGET_S\` at the measured rate is skipped | 22 min (+10 min per larger size that fits the budget) |
| \`submit\` | 50 clients, 3 × 3 runs of 15 s (Temporal client alone, HTTP, TypeScript client) | 3 min |
| \`overhead\` | 100 jobs every 5 s, 3 × 3 windows of 30 s (run_as activity, run_as local_activity, bare) | 6.5 min |
| \`dormant\` | 100,000 jobs or 240 s of seeding, whichever comes first | 6.5 min |
| \`storage\` | 2,000 one-time jobs as one burst, on 3 SQLite settings × 3 runs, a fresh stack each | 10 min |
| \`peers\` | 10,000 jobs over a minute (2 windows) and a 50,000 burst, BullMQ and pg-boss | 9.5 min |
| total | | about 87 min |

\`scale\` runs only when named (\`npm run bench -- scale\`): one growing set of jobs per backend (embedded
dev server on SQLite, and the multi-shard server on PostgreSQL), 10,000 → 100,000 → 300,000 jobs by
default (\`BENCH_SCALE_SIZES\`, or per backend \`BENCH_SCALE_SIZES_SQLITE\` / \`_POSTGRES\`;
\`BENCH_SCALE_BACKENDS\` picks the backends). After the first size, seeding waits for the workers to
set each job's timer: on 2 cores about 42 jobs/s from 20,000 to 300,000 jobs with the default
workflow cache, so a step to 300,000 needs about 2 hours, plus about 10 minutes per size; each size
step stops at \`BENCH_SCALE_SEED_BUDGET_S\` (45 minutes).`;

/**
 * The whole BENCHMARKS.md: the header, then every result in {@link BENCH_ORDER} (others after, by name).
 * A result of scale `smoke` is marked as such in its heading.
 */
export function renderBenchmarks(results: readonly BenchResult[]): string {
  const rank = (name: string) => {
    const i = (BENCH_ORDER as readonly string[]).indexOf(name);
    return i === -1 ? BENCH_ORDER.length : i;
  };
  const sorted = [...results].sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
  const body = sorted.map(renderResult);
  return `${[BENCHMARKS_HEADER, ...(body.length > 0 ? body : ['No results yet.'])].join('\n\n')}\n`;
}

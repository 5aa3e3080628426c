/**
 * storage: the embedded server's SQLite settings, measured on the same load: its defaults (no
 * pragma), `journal_mode=wal` with `synchronous=full`, and `journal_mode=wal` with
 * `synchronous=normal`. For each, a fresh stack seeds N one-time jobs through the Temporal client and
 * runs them as one burst (see `burst`): seeding rate, time until all started, lag, lost, doubled.
 */
import { type BenchContext, type Benchmark, type BenchOutput, log } from '../lib/context';
import { metric, type Section } from '../lib/report';
import { startStack } from '../lib/stack';
import { type BurstFigures, oneBurst } from './burst';

/** The settings compared, by label: `--sqlite-pragma` values of the embedded server. */
export const STORAGE_SETTINGS: ReadonlyArray<{ label: string; pragmas: string[] }> = [
  { label: 'server defaults (no pragma)', pragmas: [] },
  { label: 'journal_mode=wal, synchronous=full', pragmas: ['journal_mode=wal', 'synchronous=full'] },
  { label: 'journal_mode=wal, synchronous=normal', pragmas: ['journal_mode=wal', 'synchronous=normal'] },
];

/** The `storage` benchmark (see the module comment); run by bench/run.ts. */
export const storage: Benchmark = {
  name: 'storage',
  title: 'SQLite settings of the embedded server',
  description:
    'The same load on three settings of the embedded dev server’s SQLite file: its defaults, WAL with ' +
    '`synchronous=full` and WAL with `synchronous=normal`. Each setting gets a fresh stack (server with a file ' +
    'database in a temp dir, the benchmark’s workers); N one-time jobs are seeded through the Temporal client with ' +
    'the API’s start code, all due at the same instant, and run as one burst (as in `burst`). One run per setting ' +
    'and repeat, settings interleaved.',
  async run(ctx: BenchContext): Promise<BenchOutput> {
    const size = ctx.scale === 'smoke' ? 300 : 2_000;
    const figures = new Map<string, BurstFigures[]>(STORAGE_SETTINGS.map((s) => [s.label, []]));
    for (let r = 1; r <= ctx.repeats; r++) {
      for (const setting of STORAGE_SETTINGS) {
        log('storage', `${setting.label}: run ${r}/${ctx.repeats}, ${size} jobs`);
        const stack = await startStack({
          cliPath: ctx.cliPath,
          name: 'storage',
          workers: ctx.workers,
          workerEnv: ctx.workerEnv,
          sqlitePragmas: setting.pragmas,
          api: false,
        });
        try {
          figures.get(setting.label)?.push(await oneBurst(stack, size, `storage-${r}`, 100, 300_000));
        } finally {
          await stack.stop();
        }
      }
    }
    const sections: Section[] = STORAGE_SETTINGS.map((setting) => {
      const runs = figures.get(setting.label) ?? [];
      const col = (k: keyof BurstFigures) => runs.map((f) => f[k]);
      return {
        title: `${setting.label}: ${size.toLocaleString('en-US')} one-time jobs`,
        repeats: runs.length,
        metrics: [
          metric('seeding rate (Temporal client)', 'jobs/s', col('seedRate')),
          metric('all started after', 's', col('allStartedS')),
          metric('all finished after', 's', col('allFinishedS')),
          metric('lag p50', 'ms', col('p50')),
          metric('lag p99', 'ms', col('p99')),
          metric('lost (not started within 300 s)', 'count', col('lost')),
          metric('doubled', 'count', col('doubled')),
        ],
      };
    });
    return {
      settings: { jobs: size, workers: ctx.workers, ...ctx.workerEnv },
      sections,
      goals: [],
      notes: [
        'Durability: with `synchronous=full` (the default of SQLite’s rollback journal and the setting measured here with WAL) a transaction the server acknowledged survives an OS crash or power loss; with WAL and `synchronous=normal` it survives a crash of the server process, but an OS crash or power loss may lose the last transactions (SQLite’s documentation of PRAGMA synchronous).',
      ],
    };
  },
};

import { startStack } from '../bench/lib/stack';
import { seedJobs, sleep } from '../bench/lib/seed';
import { RECORD_HANDLER } from '../bench/lib/record-handler';
import { BENCH_WORKER_DEFAULTS } from '../bench/lib/context';
const runAs = process.argv[2] ?? 'local_activity';
async function main() {
  const stack = await startStack({
    cliPath: '/work/main/.tools/py/bin/temporal', name: 'prof', workers: 1, api: false,
    workerEnv: { ...BENCH_WORKER_DEFAULTS, NODE_OPTIONS: "--require /work/main/.prof/preload.cjs", PROF_OUT: `/work/main/.prof/${runAs}`,  },
    sqlitePragmas: ['journal_mode=wal', 'synchronous=full'],
  });
  await seedJobs(stack.client, stack.taskQueue, 100, (i) => ({
    name: `p-${i}`, frequency: 'cron', cron: '*/5 * * * * *', timezone: 'UTC',
    payload: { type: 'handler', name: RECORD_HANDLER },
    ...(runAs === 'local_activity' ? { run_as: 'local_activity', timeout: '10s' } : {}),
  }) as never, 'prof');
  const { readdirSync, readFileSync } = await import('node:fs');
  const pid = stack.workers[0]?.process.pid;
  const threads = () => { const m = new Map<string, number>(); for (const t of readdirSync(`/proc/${pid}/task`)) { try { const st = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8'); const comm = st.slice(st.indexOf('(') + 1, st.lastIndexOf(')')); const f = st.slice(st.lastIndexOf(')') + 2).split(' '); m.set(`${comm}#${t}`, (m.get(`${comm}#${t}`) ?? 0) + Number(f[11]) + Number(f[12])); } catch {} } return m; };
  await sleep(15_000);
  const a = threads();
  await sleep(60_000);
  const b = threads();
  const rows = [...b].map(([k, v]) => [k, (v - (a.get(k) ?? 0)) * 10] as const).filter(([, v]) => v > 0).sort((x, y) => y[1] - x[1]);
  console.log('runs in 60 s: 1200; cpu ms by thread:', rows.map(([k, v]) => `${k}=${v}`).join(' '), 'total', rows.reduce((s, [, v]) => s + v, 0));
  await stack.stop();
}
main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });

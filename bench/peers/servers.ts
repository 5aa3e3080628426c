/**
 * Throw-away peer servers for the peers benchmark, from Debian's packages (installed with apt-get
 * when missing and running as root, like scripts/cluster/run.sh): redis-server with AOF on
 * (`appendonly yes`, `appendfsync everysec`), and a PostgreSQL cluster (`initdb` in a temp dir,
 * `synchronous_commit=off`, fsync on). Both listen on 127.0.0.1 and a free port, in temp dirs,
 * and are stopped at cleanup.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startProcess, stopProcess, waitForOutput } from '../../src/dev/processes';
import { freePorts } from '../../src/free-ports';
import { onCleanup } from '../lib/cleanup';
import { tempDir } from '../lib/stack';

function onPath(name: string): string | null {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return found.status === 0 && found.stdout.trim() ? found.stdout.trim() : null;
}

/**
 * Installs a Debian package when `probe()` says it is missing.
 * @throws {Error} when it is missing and cannot be installed (not root, or apt-get failed).
 */
function ensurePackage(pkg: string, probe: () => boolean): void {
  if (probe()) return;
  if (process.getuid?.() !== 0) throw new Error(`${pkg} is missing: apt-get install -y ${pkg}`);
  console.log(`[peers] installing ${pkg} (apt-get install ${pkg})`);
  let result = spawnSync('apt-get', ['install', '-y', '-qq', pkg], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (result.status !== 0) {
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    result = spawnSync('apt-get', ['install', '-y', '-qq', pkg], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  }
  if (result.status !== 0 || !probe()) throw new Error(`could not install ${pkg}`);
}

/** A running peer server. */
export interface PeerServer {
  port: number;
  /** Main process id (for CPU figures). */
  pid: number;
  /** e.g. `redis-server 7.0.15`. */
  version: string;
  stop(): Promise<void>;
}

/** Starts redis-server with AOF (everysec) in a temp dir; waits until it accepts connections. */
export async function startRedis(): Promise<PeerServer> {
  ensurePackage('redis-server', () => onPath('redis-server') !== null);
  const dir = tempDir('redis');
  const [port] = (await freePorts(1)) as [number];
  const child = startProcess({
    name: 'redis',
    command: 'redis-server',
    args: [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--save',
      '',
      '--daemonize',
      'no',
    ],
  });
  const stop = onCleanup('redis-server', async () => {
    await stopProcess(child, 5_000);
  });
  await waitForOutput(child, /Ready to accept connections/, 30_000);
  const version = execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).split(' ').slice(0, 3).join(' ');
  return { port, pid: child.process.pid ?? 0, version, stop };
}

/** The folder of initdb / pg_ctl (PG_BIN_DIR, else the newest /usr/lib/postgresql/<v>/bin, else PATH). */
function postgresBinDir(): string | null {
  if (process.env.PG_BIN_DIR) return process.env.PG_BIN_DIR;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(root, versions[0], 'bin');
  }
  const initdb = onPath('initdb');
  return initdb ? join(initdb, '..') : null;
}

function asPostgresUser(command: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [command, args];
  return ['runuser', ['-u', 'postgres', '--', command, ...args]];
}

function run(command: string, args: string[]): string {
  const [cmd, argv] = asPostgresUser(command, args);
  const result = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** Starts a PostgreSQL cluster (trust auth, user postgres) in a temp dir on 127.0.0.1. */
export async function startPostgres(): Promise<PeerServer> {
  ensurePackage('postgresql', () => postgresBinDir() !== null);
  const bin = postgresBinDir() as string;
  const base = tempDir('postgres');
  const dataDir = join(base, 'pg');
  mkdirSync(dataDir, { recursive: true });
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chmodSync(base, 0o755);
    chownSync(dataDir, uid, gid);
  }
  const [port] = (await freePorts(1)) as [number];
  run(join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const options = [
    `-p ${port}`,
    `-k ${dataDir}`,
    '-c listen_addresses=127.0.0.1',
    '-c max_connections=200',
    '-c synchronous_commit=off',
  ].join(' ');
  const stop = onCleanup('postgresql', () => {
    run(join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
  });
  run(join(bin, 'pg_ctl'), [
    '-D',
    dataDir,
    '-o',
    options,
    '-l',
    join(dataDir, 'server.log'),
    '-w',
    '-t',
    '60',
    'start',
  ]);
  const version = run(join(bin, 'postgres'), ['--version']).trim();
  const pidLine = run('head', ['-1', join(dataDir, 'postmaster.pid')]).trim();
  return { port, pid: Number(pidLine), version, stop };
}

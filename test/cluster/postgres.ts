/**
 * A throw-away PostgreSQL cluster for the multi-shard suite: `initdb` in a temp dir, `pg_ctl start`
 * on 127.0.0.1 and a free port (fsync off: test data only), a `temporal` role. Uses Debian's
 * `postgresql` package (PG_BIN_DIR, else the newest /usr/lib/postgresql/<v>/bin, else PATH).
 * PostgreSQL refuses to run as root: as root, every command runs as the `postgres` user (runuser).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** A running PostgreSQL. */
export interface Postgres {
  host: string;
  port: number;
  dataDir: string;
  user: string;
  password: string;
  /** Runs SQL through psql as the superuser; resolves with its stdout (tuples only, `|`-separated). */
  sql(database: string, statement: string): string;
  stop(): void;
}

/** The folder of initdb / pg_ctl / psql. @throws {Error} when PostgreSQL is not installed. */
export function postgresBinDir(): string {
  if (process.env.PG_BIN_DIR) return process.env.PG_BIN_DIR;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(root, versions[0], 'bin');
  }
  const onPath = spawnSync('sh', ['-c', 'dirname "$(command -v initdb)"'], { encoding: 'utf8' });
  if (onPath.status === 0 && onPath.stdout.trim() && onPath.stdout.trim() !== '.') return onPath.stdout.trim();
  throw new Error('PostgreSQL is not installed: apt-get install -y postgresql (or set PG_BIN_DIR)');
}

function asPostgresUser(command: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [command, args];
  return ['runuser', ['-u', 'postgres', '--', command, ...args]];
}

function run(command: string, args: string[]): string {
  const [cmd, argv] = asPostgresUser(command, args);
  const result = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

/**
 * Creates and starts a cluster in `baseDir/pg` on 127.0.0.1:`port`, with the role temporal/temporal.
 * @throws {Error} with the tool's output when a step fails.
 */
export function startPostgres(baseDir: string, port: number): Postgres {
  const bin = postgresBinDir();
  const dataDir = join(baseDir, 'pg');
  mkdirSync(dataDir, { recursive: true });
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chmodSync(baseDir, 0o755);
    chownSync(dataDir, uid, gid);
  }
  run(join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const options = [
    `-p ${port}`,
    `-k ${dataDir}`,
    '-c listen_addresses=127.0.0.1',
    '-c max_connections=300',
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
  ].join(' ');
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
  const psql = (database: string, statement: string) =>
    run(join(bin, 'psql'), [
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      '-U',
      'postgres',
      '-d',
      database,
      '-At',
      '-c',
      statement,
    ]);
  psql('postgres', "CREATE ROLE temporal WITH LOGIN CREATEDB PASSWORD 'temporal'");
  return {
    host: '127.0.0.1',
    port,
    dataDir,
    user: 'temporal',
    password: 'temporal',
    sql: psql,
    stop: () => {
      run(join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
    },
  };
}

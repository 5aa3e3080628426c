/**
 * The multi-shard Temporal server on PostgreSQL for the benchmarks, built the way the cluster test
 * suite builds it (test/cluster/postgres.ts and test/cluster/temporal-server.ts, which this reuses):
 * a throw-away PostgreSQL in a temp dir (fsync off), the schema set up by docker-compose.yml's
 * `temporal-schema` script, a Temporal server process with N history shards built from its Go module
 * (scripts/cluster/build-server.sh), the namespace and search attributes registered by the
 * `temporal-setup` script. Once set up, the server runs with the deployment's dynamic config
 * (deploy/dynamicconfig.yaml, as docker-compose.yml mounts it) instead of the test suite's. All on
 * 127.0.0.1; everything is registered for cleanup.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/dev/temporal-cli';
import { freePorts } from '../../src/free-ports';
import { type Postgres, startPostgres } from '../../test/cluster/postgres';
import {
  freeServerPorts,
  prepareNamespace,
  setupSchema,
  TemporalServer,
  writeServerConfig,
} from '../../test/cluster/temporal-server';
import { onCleanup } from './cleanup';
import { tempDir } from './stack';

/** The two databases of the Temporal server. */
export const CLUSTER_DATABASES = ['temporal', 'temporal_visibility'] as const;

/** The server's roles, one process each. */
const SERVICE_ROLES: { label: string; services: string[] }[] = [
  { label: 'frontend', services: ['frontend'] },
  { label: 'history', services: ['history'] },
  { label: 'matching', services: ['matching', 'worker'] },
];

/** Size of one table (with its indexes and TOAST), bytes. */
export interface TableBytes {
  database: string;
  table: string;
  bytes: number;
}

/** A running Temporal server on PostgreSQL. */
export interface ClusterServer {
  /** Its frontend, `127.0.0.1:<port>`. */
  address: string;
  /** Temp dir of the cluster (PostgreSQL data in `pg/`); use it as the app's data dir too. */
  baseDir: string;
  shards: number;
  pg: Postgres;
  /**
   * The Temporal server's processes, one per role (`frontend`, `history`, `matching` with the
   * internal `worker` service), so that the CPU of each role can be measured on its own.
   */
  servers: { label: string; server: TemporalServer }[];
  /** Starts the server's processes together, and waits until the frontend answers. */
  startServers(): Promise<void>;
  /** Stops the server's processes (PostgreSQL stays up). */
  stopServers(): Promise<void>;
  /** Bytes PostgreSQL has written to its write-ahead log so far (pg_current_wal_lsn). */
  walBytes(): number;
  /** Transactions committed so far in both databases (pg_stat_database.xact_commit). */
  commits(): number;
  /** `pg_database_size` of `temporal` and `temporal_visibility`, bytes. */
  databaseBytes(): Record<(typeof CLUSTER_DATABASES)[number], number>;
  /** The `count` largest tables of both databases (total relation size: heap, indexes, TOAST), largest first. */
  largestTables(count: number): TableBytes[];
  /** Pid of the PostgreSQL postmaster (its backends are its children), or 0 when unknown. */
  postgresPid(): number;
  /** Stops the Temporal server, then PostgreSQL (idempotent; the temp dir goes at cleanup). */
  stop(): Promise<void>;
}

/** Options of {@link startClusterServer}. */
export interface ClusterOptions {
  /** Short name (temp dir prefix). */
  name: string;
  /** History shards (fixed when the cluster is created). */
  shards: number;
  /** More dynamic config (`KEY=VALUE`, e.g. BENCH_SERVER_DYNAMIC_CONFIG), after the deployment's. */
  dynamicConfig?: readonly string[];
}

/**
 * The deployment's dynamic config (deploy/dynamicconfig.yaml) followed by `extra` entries
 * (`KEY=VALUE`, the value written as YAML as is: numbers, booleans or strings).
 */
export function deploymentDynamicConfig(extra: readonly string[] = []): string {
  const lines = [readFileSync(join(PROJECT_ROOT, 'deploy', 'dynamicconfig.yaml'), 'utf8').trimEnd()];
  for (const entry of extra) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new Error(`dynamic config entry "${entry}" is not KEY=VALUE`);
    lines.push(`${entry.slice(0, eq)}:`, `  - value: ${entry.slice(eq + 1)}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Starts PostgreSQL and the Temporal server, sets up the schema and the namespace `default`.
 * @throws {Error} when the server binaries are missing (run scripts/cluster/build-server.sh), or
 *   PostgreSQL is not installed, or a setup step fails (with its output).
 */
export async function startClusterServer(options: ClusterOptions): Promise<ClusterServer> {
  const baseDir = tempDir(options.name);
  const [pgPort] = (await freePorts(1)) as [number];
  const pg = startPostgres(baseDir, pgPort);
  let pgStopped = false;
  const stopPg = onCleanup(`PostgreSQL ${options.name}`, () => {
    if (!pgStopped) pg.stop();
    pgStopped = true;
  });
  setupSchema(pg);
  const ports = await freeServerPorts();
  const configFile = writeServerConfig(baseDir, pg, ports, options.shards);
  const address = `127.0.0.1:${ports.frontend}`;
  const server = new TemporalServer(configFile, address);
  // Once set up, the server runs as one process per role on the same config (ports and membership).
  const servers = SERVICE_ROLES.map(({ label, services }) => ({
    label,
    server: new TemporalServer(configFile, address, services),
  }));
  // All at once: a frontend alone waits for the history hosts to join the membership ring.
  const startServers = async () => {
    await Promise.all(servers.map(({ server: role }) => role.start()));
  };
  const stopServers = async () => {
    for (const { server: role } of [...servers].reverse()) await role.stop();
  };
  const stopServer = onCleanup(`Temporal server ${options.name}`, async () => {
    await server.stop();
    await stopServers();
  });
  try {
    await server.start();
    await prepareNamespace(server.address, 'default');
    // The test suite's dynamic config refreshes the search attribute cache on every read (for the
    // setup above); from here on the server runs as deployed.
    writeFileSync(join(baseDir, 'dynamicconfig.yaml'), deploymentDynamicConfig(options.dynamicConfig));
    await server.stop();
    await startServers();
  } catch (err) {
    const diagnostics = [server, ...servers.map((r) => r.server)]
      .map((r) => r.diagnostics())
      .join('\n')
      .split('\n')
      .slice(-60)
      .join('\n');
    await stopServer();
    await stopPg();
    throw new Error(`the Temporal server on PostgreSQL did not start: ${(err as Error).message}\n${diagnostics}`);
  }
  const rows = (text: string) =>
    text
      .trim()
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => line.split('|'));
  return {
    address,
    baseDir,
    shards: options.shards,
    pg,
    servers,
    startServers,
    stopServers,
    walBytes() {
      const [row] = rows(pg.sql('postgres', "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')"));
      return Number(row?.[0]);
    },
    commits() {
      const list = CLUSTER_DATABASES.map((db) => `'${db}'`).join(', ');
      const [row] = rows(
        pg.sql('postgres', `SELECT sum(xact_commit) FROM pg_stat_database WHERE datname IN (${list})`),
      );
      return Number(row?.[0]);
    },
    databaseBytes() {
      const sizes = CLUSTER_DATABASES.map((db) => `pg_database_size('${db}')`).join(', ');
      const [row] = rows(pg.sql('postgres', `SELECT ${sizes}`));
      return { temporal: Number(row?.[0]), temporal_visibility: Number(row?.[1]) };
    },
    largestTables(count) {
      const tables: TableBytes[] = [];
      for (const database of CLUSTER_DATABASES) {
        const out = pg.sql(
          database,
          "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname = 'public' ORDER BY 2 DESC LIMIT " +
            String(count),
        );
        for (const [table, bytes] of rows(out)) tables.push({ database, table: table ?? '?', bytes: Number(bytes) });
      }
      return tables.sort((a, b) => b.bytes - a.bytes).slice(0, count);
    },
    postgresPid() {
      try {
        return Number(readFileSync(join(pg.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]) || 0;
      } catch {
        return 0;
      }
    },
    async stop() {
      await stopServer();
      await stopPg();
    },
  };
}

/**
 * A real Temporal server for the multi-shard suite, built from its Go module
 * (scripts/cluster/build-server.sh): its PostgreSQL schema set up with temporal-sql-tool, a
 * config with N history shards on loopback ports, start / stop / restart as a child process,
 * the namespace and the job search attributes registered.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, dirname, join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { parse as parseYaml } from 'yaml';
import { type Child, startProcess, stopProcess } from '../../src/dev/processes';
import { ensureTemporalCli, PROJECT_ROOT } from '../../src/dev/temporal-cli';
import { JOB_SEARCH_ATTRIBUTES } from '../../src/domain/search-attributes';
import { waitFor } from '../helpers/wait';
import type { Postgres } from './postgres';

/** Where build-server.sh put the binaries and schema files. */
export function serverBinDir(): string {
  return resolve(process.env.TEMPORAL_SERVER_BIN_DIR ?? join(PROJECT_ROOT, '.tools', 'temporal-server', 'bin'));
}

/** Ports of one server process (all on 127.0.0.1). */
export interface ServerPorts {
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
}

/** True when 127.0.0.1:`port` can be bound now. */
function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Picks free loopback ports for a server. They are below 32768 because the server stores its
 * membership ports in a PostgreSQL smallint (cluster_membership.rpc_port), which the kernel's
 * ephemeral ports (port 0) overflow.
 */
export async function freeServerPorts(): Promise<ServerPorts> {
  const picked: number[] = [];
  while (picked.length < 9) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (!picked.includes(port) && (await canBind(port))) picked.push(port);
  }
  const [
    frontend,
    frontendHttp,
    frontendMembership,
    history,
    historyMembership,
    matching,
    matchingMembership,
    worker,
    workerMembership,
  ] = picked as [number, number, number, number, number, number, number, number, number];
  return {
    frontend,
    frontendHttp,
    frontendMembership,
    history,
    historyMembership,
    matching,
    matchingMembership,
    worker,
    workerMembership,
  };
}

/**
 * The shell script of a one-shot service of docker-compose.yml (`temporal-schema`, `temporal-setup`),
 * with compose's `$$` escapes turned back into `$`: the suite runs the deployment's own setup steps.
 */
export function composeScript(service: string): string {
  const compose = parseYaml(readFileSync(join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, { command?: string[] }>;
  };
  const script = compose.services[service]?.command?.[0];
  if (typeof script !== 'string') throw new Error(`docker-compose.yml: ${service} has no command script`);
  return script.replace(/\$\$/g, '$');
}

function runScript(name: string, script: string, env: NodeJS.ProcessEnv): void {
  const result = spawnSync('sh', ['-c', script], { env, encoding: 'utf8', timeout: 180_000 });
  if (result.status !== 0) throw new Error(`${name} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
}

/**
 * Creates the `temporal` and `temporal_visibility` databases and applies every versioned schema,
 * by running docker-compose.yml's `temporal-schema` script with temporal-sql-tool from our build
 * (the host, port and schema folder of the container replaced by ours).
 * @throws {Error} with the tool's output when a step fails.
 */
export function setupSchema(pg: Postgres): void {
  const binDir = serverBinDir();
  const schemaRoot = join(binDir, '..', 'schema');
  if (!existsSync(join(binDir, 'temporal-sql-tool')) || !existsSync(join(schemaRoot, 'postgresql', 'v12'))) {
    throw new Error(`no temporal-sql-tool or schema under ${binDir}: run scripts/cluster/build-server.sh first`);
  }
  const original = composeScript('temporal-schema');
  const script = original
    .replaceAll('--ep postgresql -p 5432', `--ep ${pg.host} -p ${pg.port}`)
    .replaceAll('/etc/temporal/schema', schemaRoot);
  if (!original.includes('--ep postgresql -p 5432') || !script.includes(schemaRoot)) {
    throw new Error('the temporal-schema script of docker-compose.yml no longer has the expected shape');
  }
  runScript('temporal-schema', script, {
    ...process.env,
    PATH: `${binDir}${delimiter}${process.env.PATH ?? ''}`,
    SQL_PASSWORD: pg.password,
  });
}

/** Writes the server's config (and dynamic config) into `dir`; returns the config file's path. */
export function writeServerConfig(dir: string, pg: Postgres, ports: ServerPorts, shards: number): string {
  const dynamic = join(dir, 'dynamicconfig.yaml');
  writeFileSync(
    dynamic,
    [
      'system.forceSearchAttributesCacheRefreshOnRead:',
      '  - value: true',
      'limit.maxIDLength:',
      '  - value: 255',
      // Worker heartbeats and ListWorkers back GET /workers (as in the embedded dev server).
      'frontend.WorkerHeartbeatsEnabled:',
      '  - value: true',
      'frontend.ListWorkersEnabled:',
      '  - value: true',
    ].join('\n'),
  );
  const store = (database: string, conns: number) => `
      sql:
        pluginName: "postgres12"
        databaseName: "${database}"
        connectAddr: "${pg.host}:${pg.port}"
        connectProtocol: "tcp"
        user: "${pg.user}"
        password: "${pg.password}"
        maxConns: ${conns}
        maxIdleConns: ${conns}
        maxConnLifetime: "1h"`;
  const service = (grpc: number, membership: number, http?: number) => `
    rpc:
      grpcPort: ${grpc}
      membershipPort: ${membership}
      bindOnIP: "127.0.0.1"${http ? `\n      httpPort: ${http}` : ''}`;
  const config = `
log:
  stdout: true
  level: warn
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: ${shards}
  datastores:
    default:${store('temporal', 20)}
    visibility:${store('temporal_visibility', 10)}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "127.0.0.1"
services:
  frontend:${service(ports.frontend, ports.frontendMembership, ports.frontendHttp)}
  matching:${service(ports.matching, ports.matchingMembership)}
  history:${service(ports.history, ports.historyMembership)}
  worker:${service(ports.worker, ports.workerMembership)}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: "active"
  currentClusterName: "active"
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: "frontend"
      rpcAddress: "127.0.0.1:${ports.frontend}"
dcRedirectionPolicy:
  policy: "noop"
dynamicConfigClient:
  filepath: "${dynamic}"
  pollInterval: "10s"
`;
  const file = join(dir, 'temporal.yaml');
  writeFileSync(file, config);
  return file;
}

/** A Temporal server process that can be stopped and started again on the same database. */
export class TemporalServer {
  child: Child | null = null;
  /** Every process started so far (for diagnostics). */
  readonly generations: Child[] = [];

  /**
   * @param configFile the server's config (writeServerConfig).
   * @param address its frontend, `127.0.0.1:<port>` (for a history-only process: the cluster's frontend).
   * @param services the services this process runs; default all four.
   */
  constructor(
    readonly configFile: string,
    readonly address: string,
    readonly services: readonly string[] = [],
  ) {}

  /** Starts the server and waits until its frontend answers (up to `timeoutMs`). */
  async start(timeoutMs = 120_000): Promise<void> {
    const child = startProcess({
      name: `temporal-server${this.services.length > 0 ? `-${this.services.join('-')}` : ''}#${this.generations.length + 1}`,
      command: join(serverBinDir(), 'temporal-server'),
      args: [
        '--config-file',
        this.configFile,
        '--allow-no-auth',
        'start',
        ...this.services.flatMap((service) => ['--service', service]),
      ],
    });
    this.child = child;
    this.generations.push(child);
    let exited = false;
    await waitFor(
      async () => {
        if (child.process.exitCode !== null) exited = true;
        if (exited) return true;
        const connection = await Connection.connect({ address: this.address, connectTimeout: 1_000 });
        try {
          await connection.workflowService.getSystemInfo({});
          return true;
        } finally {
          await connection.close();
        }
      },
      { timeoutMs, intervalMs: 500, what: `the Temporal server at ${this.address}` },
    );
    if (exited) throw new Error(`the Temporal server exited at start:\n${child.output.join('\n')}`);
  }

  /** Kills the server at once (SIGKILL: no shutdown, no flush) and waits until the process is gone. */
  async kill(): Promise<void> {
    if (this.child) {
      this.child.process.kill('SIGKILL');
      await this.child.exited;
    }
    this.child = null;
  }

  /** Stops the server (SIGTERM, then SIGKILL after 20 s). */
  async stop(): Promise<void> {
    if (this.child) await stopProcess(this.child, 20_000);
    this.child = null;
  }

  /** Recent output of every generation. */
  diagnostics(): string {
    return this.generations.map((c) => `----- ${c.name} -----\n${c.output.join('\n')}`).join('\n');
  }
}

/**
 * Registers `namespace` and the job search attributes by running docker-compose.yml's
 * `temporal-setup` script with the project's `temporal` CLI, then waits until visibility
 * queries on the attributes work.
 * @throws {Error} when the CLI is missing or the script fails.
 */
export async function prepareNamespace(address: string, namespace: string): Promise<void> {
  const cli = ensureTemporalCli(process.env.TEMPORAL_CLI_PATH);
  if (cli === null) throw new Error('no temporal CLI: run npm run setup');
  runScript('temporal-setup', composeScript('temporal-setup'), {
    ...process.env,
    PATH: `${dirname(cli)}${delimiter}${process.env.PATH ?? ''}`,
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: namespace,
  });
  const connection = await Connection.connect({ address });
  try {
    const listed = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = JOB_SEARCH_ATTRIBUTES.filter((k) => !(k.name in (listed.customAttributes ?? {})));
    if (missing.length > 0) throw new Error(`temporal-setup left out ${missing.map((k) => k.name).join(', ')}`);
    await waitFor(
      async () => {
        await connection.workflowService.listWorkflowExecutions({ namespace, query: "JobStatus = 'pending'" });
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 1_000, what: `visibility queries on namespace ${namespace}` },
    );
  } finally {
    await connection.close();
  }
}

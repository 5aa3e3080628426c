/**
 * A real Temporal server for the multi-shard suite, built from its Go module
 * (scripts/cluster/build-server.sh): its PostgreSQL schema set up with temporal-sql-tool, a
 * config with N history shards on loopback ports, start / stop / restart as a child process,
 * the namespace and the job search attributes registered.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { msToTs } from '@temporalio/common/lib/time';
import { type Child, startProcess, stopProcess } from '../../src/dev/processes';
import { PROJECT_ROOT } from '../../src/dev/temporal-cli';
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
 * Creates the `temporal` and `temporal_visibility` databases and applies every versioned schema.
 * @throws {Error} with the tool's output when a step fails.
 */
export function setupSchema(pg: Postgres): void {
  const binDir = serverBinDir();
  const tool = join(binDir, 'temporal-sql-tool');
  const schema = join(binDir, '..', 'schema', 'postgresql', 'v12');
  if (!existsSync(tool) || !existsSync(schema)) {
    throw new Error(`no ${tool} or ${schema}: run scripts/cluster/build-server.sh first`);
  }
  const common = ['--plugin', 'postgres12', '--ep', pg.host, '-p', String(pg.port), '-u', pg.user, '--pw', pg.password];
  for (const [db, dir] of [
    ['temporal', 'temporal'],
    ['temporal_visibility', 'visibility'],
  ] as const) {
    for (const args of [
      ['--db', db, 'create-database'],
      ['--db', db, 'setup-schema', '-v', '0.0'],
      ['--db', db, 'update-schema', '-d', join(schema, dir, 'versioned')],
    ]) {
      const result = spawnSync(tool, [...common, ...args], { encoding: 'utf8', timeout: 120_000 });
      if (result.status !== 0) {
        throw new Error(`temporal-sql-tool ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
      }
    }
  }
}

/** Writes the server's config (and dynamic config) into `dir`; returns the config file's path. */
export function writeServerConfig(dir: string, pg: Postgres, ports: ServerPorts, shards: number): string {
  const dynamic = join(dir, 'dynamicconfig.yaml');
  writeFileSync(
    dynamic,
    ['system.forceSearchAttributesCacheRefreshOnRead:', '  - value: true', 'limit.maxIDLength:', '  - value: 255'].join(
      '\n',
    ),
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

  constructor(
    readonly configFile: string,
    readonly address: string,
  ) {}

  /** Starts the server and waits until its frontend answers (up to `timeoutMs`). */
  async start(timeoutMs = 120_000): Promise<void> {
    const child = startProcess({
      name: `temporal-server#${this.generations.length + 1}`,
      command: join(serverBinDir(), 'temporal-server'),
      args: ['--config-file', this.configFile, '--allow-no-auth', 'start'],
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
 * Registers `namespace` (1-day retention) if missing and adds the job search attributes;
 * waits until both are usable.
 */
export async function prepareNamespace(address: string, namespace: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    try {
      await connection.workflowService.registerNamespace({
        namespace,
        workflowExecutionRetentionPeriod: msToTs('1 day'),
      });
    } catch (err) {
      if (!/already exists/i.test((err as Error).message)) throw err;
    }
    const searchAttributes: Record<string, number> = {};
    for (const key of JOB_SEARCH_ATTRIBUTES) {
      searchAttributes[key.name] = encodeSearchAttributeIndexedValueType(key.type) as number;
    }
    await waitFor(
      async () => {
        await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
        const listed = await connection.operatorService.listSearchAttributes({ namespace });
        return JOB_SEARCH_ATTRIBUTES.every((k) => k.name in (listed.customAttributes ?? {}));
      },
      { timeoutMs: 60_000, intervalMs: 1_000, what: `namespace ${namespace} with the job search attributes` },
    );
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

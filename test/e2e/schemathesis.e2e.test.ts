/**
 * The REST contract held against the running API by Schemathesis (property-based testing from
 * `/openapi.json`): every operation, with generated valid and invalid inputs, checked for
 * `not_a_server_error` (no 5xx), `status_code_conformance` (only declared statuses) and
 * `response_schema_conformance` (every answer matches its declared schema), at a bounded number of
 * examples per operation. Schemathesis is a Python tool, installed once under
 * `.tools/py-schemathesis` (pinned) when missing.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ADMIN } from '../helpers/api-keys';
import { type Stack, startStack } from '../helpers/e2e-stack';

const ROOT = join(__dirname, '..', '..');
const TARGET = join(ROOT, '.tools', 'py-schemathesis');
const ST = join(TARGET, 'bin', 'st');
/** The Schemathesis release the contract is checked with. */
const SCHEMATHESIS_VERSION = '4.32.5';
/** Generated examples per operation. */
const MAX_EXAMPLES = Number(process.env.SCHEMATHESIS_MAX_EXAMPLES ?? 15);

let stack: Stack;

beforeAll(async () => {
  if (!existsSync(ST)) {
    execFileSync(
      'python3',
      ['-m', 'pip', 'install', '--quiet', '--target', TARGET, `schemathesis==${SCHEMATHESIS_VERSION}`],
      { stdio: 'inherit' },
    );
  }
  const cliPath = inject('temporalCliPath');
  if (cliPath === null) throw new Error('no Temporal CLI: global setup could not install one');
  stack = await startStack({
    cliPath,
    name: 'schemathesis-e2e',
    callers: [ADMIN],
    // Generated requests come fast: limits high enough that none is a 429.
    env: {
      RATE_LIMIT_SUBMISSIONS_PER_MINUTE: '100000',
      RATE_LIMIT_WRITES_PER_MINUTE: '100000',
      RATE_LIMIT_READS_PER_MINUTE: '100000',
    },
  });
}, 240_000);

afterAll(async () => {
  await stack?.stop();
});

/** Runs `st run` against the stack; resolves with its exit code and output. */
function schemathesis(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(ST, args, {
      // Its example database and reports go to a temporary folder, not into the repository.
      cwd: mkdtempSync(join(tmpdir(), 'schemathesis-')),
      env: { ...process.env, PYTHONPATH: TARGET, NO_COLOR: '1', SCHEMATHESIS_HOOKS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('the REST contract under Schemathesis', () => {
  it('every operation: no server error, only declared statuses, every answer matches its schema', async () => {
    const { code, output } = await schemathesis([
      'run',
      `${stack.apiUrl}/openapi.json`,
      '--checks',
      'not_a_server_error,status_code_conformance,response_schema_conformance',
      '--max-examples',
      String(MAX_EXAMPLES),
      '--header',
      `Authorization: Bearer ${ADMIN.key}`,
      '--request-timeout',
      '20',
      '--seed',
      '1',
      '--no-color',
    ]);
    // The summary (operations, phases, cases generated, warnings) goes to the test log either way.
    console.log(code === 0 ? output.slice(output.lastIndexOf('SUMMARY') - 40) : output.slice(-20_000));
    expect(output).toMatch(/passed|Summary|operations/i);
    expect(code, output.slice(-4_000)).toBe(0);
  }, 900_000);
});

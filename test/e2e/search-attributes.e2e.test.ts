/**
 * `npm start` against an existing Temporal (TEMPORAL_ADDRESS): the launcher
 * registers the job search attributes the namespace lacks. Here on a real dev
 * server started without them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { type Child, startProcess, stopProcess } from '../../src/dev/processes';
import { ensureSearchAttributes } from '../../src/dev/search-attributes';
import { JOB_SEARCH_ATTRIBUTES } from '../../src/domain/search-attributes';
import { freePorts } from '../../src/free-ports';
import { waitFor } from '../helpers/wait';

let server: Child;
let address: string;
let dataDir: string;

beforeAll(async () => {
  const cliPath = inject('temporalCliPath');
  if (!cliPath) throw new Error('no temporal CLI');
  const [port, uiPort] = await freePorts(2);
  address = `127.0.0.1:${port}`;
  dataDir = mkdtempSync(join(tmpdir(), 'sa-e2e-'));
  server = startProcess({
    name: 'temporal',
    command: cliPath,
    args: [
      'server',
      'start-dev',
      '--headless',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--ui-port',
      String(uiPort),
      '--db-filename',
      join(dataDir, 'db'),
      '--log-level',
      'error',
    ],
  });
  await waitFor(
    async () => {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      await connection.workflowService.getSystemInfo({});
      await connection.close();
      return true;
    },
    { what: 'the dev server', timeoutMs: 60_000 },
  );
});

afterAll(async () => {
  if (server) await stopProcess(server);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

it('registers the missing job search attributes once, then finds them all', async () => {
  const names = JOB_SEARCH_ATTRIBUTES.map((k) => k.name);
  expect(await ensureSearchAttributes(address, 'default')).toEqual(names);
  expect(await ensureSearchAttributes(address, 'default')).toEqual([]);

  const connection = await Connection.connect({ address });
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
    for (const name of names) expect(Object.keys(customAttributes ?? {})).toContain(name);
  } finally {
    await connection.close();
  }
});

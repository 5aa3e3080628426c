/**
 * Installs (once) and provides the Temporal binaries to every test file:
 * `inject('temporalCliPath')`, `inject('testServerPath')`.
 */
import type { TestProject } from 'vitest/node';
import { ensureTemporalCli, ensureTestServer } from '../src/dev/temporal-cli';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalCliPath: string | null;
    testServerPath: string | null;
  }
}

export default function setup(project: TestProject): void {
  project.provide('temporalCliPath', ensureTemporalCli(process.env.TEMPORAL_CLI_PATH));
  project.provide('testServerPath', ensureTestServer());
}

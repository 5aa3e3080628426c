/**
 * Installs (once) and provides the Temporal binaries to every test file:
 * `inject('temporalCliPath')`, `inject('testServerPath')`; and whether workflow
 * tests should measure src/workflows coverage (`inject('workflowCoverage')`).
 */
import type { TestProject } from 'vitest/node';
import { ensureTemporalCli, ensureTestServer } from '../src/dev/temporal-cli';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalCliPath: string | null;
    testServerPath: string | null;
    /** `--coverage` with the istanbul provider: instrument the workflow bundle (test/helpers/workflow-coverage.ts). */
    workflowCoverage: boolean;
  }
}

export default function setup(project: TestProject): void {
  project.provide('temporalCliPath', ensureTemporalCli(process.env.TEMPORAL_CLI_PATH));
  project.provide('testServerPath', ensureTestServer());
  const { coverage } = project.globalConfig;
  project.provide('workflowCoverage', coverage.enabled && coverage.provider === 'istanbul');
}

/**
 * Real Temporal servers for tests: the time-skipping test server (workflow tests)
 * and the dev server (end-to-end), both from the binaries that global-setup installed.
 */

import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { inject } from 'vitest';
import { JOB_SEARCH_ATTRIBUTES } from '../../src/domain/search-attributes';
import { workflowBundleOptions } from '../../src/workers/workflow-bundle';
import { workflowCoverageBundleOptions } from './workflow-coverage';

/** Starts the time-skipping test server and registers the job search attributes. */
export async function startTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const path = inject('testServerPath');
  const env = await TestWorkflowEnvironment.createTimeSkipping(
    path ? { server: { executable: { type: 'existing-path', path } } } : {},
  );
  const searchAttributes: Record<string, number> = {};
  for (const key of JOB_SEARCH_ATTRIBUTES) {
    searchAttributes[key.name] = encodeSearchAttributeIndexedValueType(key.type) as number;
  }
  await env.connection.operatorService.addSearchAttributes({ namespace: 'default', searchAttributes });
  return env;
}

/** Starts a dev server (in-memory database) with the job search attributes registered. */
export async function startDevServerEnv(): Promise<TestWorkflowEnvironment> {
  const path = inject('temporalCliPath');
  return TestWorkflowEnvironment.createLocal({
    server: {
      ...(path ? { executable: { type: 'existing-path' as const, path } } : {}),
      ip: '127.0.0.1',
      searchAttributes: [...JOB_SEARCH_ATTRIBUTES],
      extraArgs: ['--log-level', 'error'],
    },
  });
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** The workflow bundle as the worker builds it, once per test file (instrumented for coverage under --coverage). */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({
    ...workflowBundleOptions(),
    logger: quietLogger,
    ...workflowCoverageBundleOptions(),
  });
  return bundle;
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};

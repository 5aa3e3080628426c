/**
 * Coverage of src/workflows from the workflow tests (`vitest run --coverage`, istanbul provider).
 *
 * Workflow code runs in Temporal's sandbox from a webpack bundle, out of vitest's reach, so:
 * 1. the bundle instruments src/workflows/** with istanbul (the loader of
 *    @temporalio/nyc-test-coverage, after swc, keeping swc's source map) and adds
 *    workflow-coverage-interceptor.ts, which after each activation sends the sandbox's
 *    counters as a workflow debug log record;
 * 2. the test runtime's logger takes those records (every worker has the logger sink,
 *    including workers a test creates itself) and adds them into vitest's
 *    `globalThis.__VITEST_COVERAGE__`, which vitest collects after each test file and
 *    maps back to the .ts sources like its own.
 * Only src/workflows is instrumented in the bundle: src/domain is measured by vitest in
 * the test process, and two differently instrumented copies of one file cannot be merged.
 * Without --coverage none of this is active.
 */
import { resolve } from 'node:path';
import type { Logger, LogLevel, LogMetadata } from '@temporalio/common';
import type { BundleOptions } from '@temporalio/worker';
import { inject } from 'vitest';
import { COVERAGE_LOG_ATTRIBUTE } from './workflow-coverage-interceptor';

/** Where vitest's istanbul provider keeps the counters of the test process. */
const VITEST_COVERAGE_KEY = '__VITEST_COVERAGE__';
const WORKFLOWS_DIR = resolve(__dirname, '../../src/workflows');

type Counters = Record<string, number | number[]>;
interface FileCoverageData {
  hash?: string;
  s: Counters;
  f: Counters;
  b: Counters;
  [key: string]: unknown;
}
type CoverageData = Record<string, FileCoverageData>;

/** True under `vitest run --coverage` with the istanbul provider (see test/global-setup.ts). */
export function workflowCoverageEnabled(): boolean {
  return inject('workflowCoverage') === true;
}

type WebpackConfig = ReturnType<NonNullable<BundleOptions['webpackConfigHook']>>;

/** Bundle options that instrument src/workflows and report its coverage; `{}` when coverage is off. */
export function workflowCoverageBundleOptions(): Pick<
  BundleOptions,
  'workflowInterceptorModules' | 'webpackConfigHook'
> {
  if (!workflowCoverageEnabled()) return {};
  return {
    workflowInterceptorModules: [require.resolve('./workflow-coverage-interceptor.ts')],
    webpackConfigHook: (config: WebpackConfig): WebpackConfig => ({
      ...config,
      module: {
        ...config.module,
        rules: [
          ...(config.module?.rules ?? []),
          {
            test: /\.ts$/,
            include: WORKFLOWS_DIR,
            enforce: 'post',
            use: { loader: require.resolve('@temporalio/nyc-test-coverage/lib/loader') },
          },
        ],
      },
    }),
  };
}

/** Wraps the runtime's logger so workflow coverage records go into vitest's coverage instead of the log. */
export function withWorkflowCoverage(logger: Logger): Logger {
  if (!workflowCoverageEnabled()) return logger;
  const log = (level: LogLevel, message: string, meta?: LogMetadata): void => {
    const data = meta?.[COVERAGE_LOG_ATTRIBUTE] as CoverageData | undefined;
    if (data) addToVitestCoverage(data);
    else logger.log(level, message, meta);
  };
  return {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
}

/**
 * Adds counters in place: vitest-instrumented modules hold references to their entries,
 * so the global object is never replaced. All data comes from the one bundle of this test
 * file, so entries of the same file have the same shape.
 */
function addToVitestCoverage(data: CoverageData): void {
  const globals = globalThis as Record<string, unknown>;
  globals[VITEST_COVERAGE_KEY] ??= {};
  const target = globals[VITEST_COVERAGE_KEY] as CoverageData;
  for (const [file, incoming] of Object.entries(data)) {
    const existing = target[file];
    if (!existing || existing.hash !== incoming.hash) {
      target[file] = incoming;
      continue;
    }
    for (const metric of ['s', 'f', 'b'] as const) {
      const sums = existing[metric];
      for (const [key, value] of Object.entries(incoming[metric])) {
        const sum = sums[key];
        if (Array.isArray(value) && Array.isArray(sum)) sums[key] = sum.map((n, i) => n + (value[i] ?? 0));
        else if (typeof value === 'number' && typeof sum === 'number') sums[key] = sum + value;
      }
    }
  }
}

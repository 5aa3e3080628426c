/**
 * Workflow interceptor bundled (only under `vitest run --coverage`) next to the
 * istanbul-instrumented src/workflows code: after each activation it hands the
 * sandbox's coverage counters to the worker as a debug log record, which the
 * test runtime's logger merges into vitest's coverage (see workflow-coverage.ts),
 * and zeroes them so the next activation reports only its own hits.
 *
 * Runs inside the workflow sandbox: no Node imports here.
 */
import { log, type WorkflowInterceptorsFactory } from '@temporalio/workflow';

/** Log attribute carrying the coverage data; workflow-coverage.ts looks for the same name. */
export const COVERAGE_LOG_ATTRIBUTE = '__vitestWorkflowCoverage';

type Counters = Record<string, number | number[]>;
type CoverageData = Record<string, { s: Counters; f: Counters; b: Counters }>;

export const interceptors: WorkflowInterceptorsFactory = () => ({
  internals: [
    {
      concludeActivation(input, next) {
        const coverage = (globalThis as { __coverage__?: CoverageData }).__coverage__;
        if (coverage) {
          // A copy: the log record is delivered after the counters below are reset.
          log.debug('workflow coverage', { [COVERAGE_LOG_ATTRIBUTE]: JSON.parse(JSON.stringify(coverage)) });
          for (const file of Object.values(coverage)) {
            for (const counters of [file.s, file.f, file.b]) {
              for (const [key, value] of Object.entries(counters)) {
                counters[key] = Array.isArray(value) ? value.map(() => 0) : 0;
              }
            }
          }
        }
        return next(input);
      },
    },
  ],
});

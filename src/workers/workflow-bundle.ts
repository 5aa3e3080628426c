/**
 * How the job workflows are bundled for the worker's sandbox (Temporal `BundleOptions`): the
 * workflow module, and the modules evaluated once per worker rather than once per workflow.
 *
 * A worker runs every workflow in one reusable V8 context (Temporal's default `reuseV8Context`),
 * where each workflow normally evaluates its own copy of every module it imports: the modules'
 * code runs again, and their objects stay in memory, for each cached workflow. Modules named in
 * `preloadModules` are evaluated once when the context starts and shared by all workflows
 * (sdk-typescript `BundleOptions.preloadModules`).
 */
import { extname, join } from 'node:path';
import type { BundleOptions } from '@temporalio/worker';

/**
 * The domain modules the workflows import for values, by file name in src/domain. Each is pure
 * and workflow-safe: no I/O, no clock, no workflow API, no state at module scope except memo
 * caches of pure functions, each a least-recently-used `BoundedCache` (parsed crons, daily and
 * weekly cron patterns, time zone offset tables, `Intl.DateTimeFormat` instances, valid zone
 * names), which all the workflows of a worker then share. A parsed cron holds about 80 KB
 * of heap (croner's table of 10,000 years), so sharing one parse per expression, rather than one per cached
 * workflow, saves that much per cron job in the cache. What they import comes along (croner,
 * ./time-zone, ./jitter, ./bounded-cache, …).
 *
 * The SDK deep-freezes what these modules export, so they must never export a cache or any other
 * object that is changed after loading.
 */
export const PRELOADED_DOMAIN_MODULES = [
  'attempts',
  'duration',
  'health',
  'job-state',
  'ledger',
  'misfire',
  'preview',
  'schedule',
  'search-attributes',
] as const;

/**
 * The bundle options of the job workflows, as the worker builds them at start and as tests and
 * checks that prebuild the bundle must pass them.
 * @returns absolute file paths beside this module, with its extension (`.ts` in src, `.js` in dist).
 */
export function workflowBundleOptions(): Required<Pick<BundleOptions, 'workflowsPath' | 'preloadModules'>> {
  const ext = extname(__filename);
  return {
    workflowsPath: join(__dirname, '..', 'workflows', `index${ext}`),
    preloadModules: PRELOADED_DOMAIN_MODULES.map((name) => join(__dirname, '..', 'domain', `${name}${ext}`)),
  };
}

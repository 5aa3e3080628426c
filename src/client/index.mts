/**
 * The ES module entry of the packed client (`import … from 'temporal-job-scheduler/client'`): the
 * exports of the CommonJS build of ./index.ts, which it re-exports (the package test checks that
 * both entries export the same names).
 */
export type * from './index.js';
export {
  DEFAULT_RETRY,
  newIdempotencyKey,
  problemMessage,
  SchedulerApiError,
  SchedulerClient,
  SchedulerConnectionError,
} from './index.js';

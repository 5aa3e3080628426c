/**
 * Shapes of the API's answers the console reads: types only, from the REST contract (src/contract),
 * erased at build time.
 */
export type {
  ConsoleConfig,
  ExecutionRecord,
  JobDetails,
  JobSummary,
  LedgerPage,
  OverviewStats,
  RunningAttempt,
  WorkerView,
} from '../../src/contract';

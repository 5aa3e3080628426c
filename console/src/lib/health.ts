/**
 * A job's health as the console shows it: the state word (the API's), its tone (failing red, late
 * amber, ok green, unknown grey) and a sentence that says what it means for this job. Pure
 * functions (no DOM), unit-tested in test/unit/console-lib.test.ts.
 */
import type { HealthState, JobHealthView, JobSubmissionFields } from '../../../src/contract';
import { formatTime } from './format';

/** The health states of the API (`GET /jobs?health=`), in the order the console lists them. */
export const HEALTH_STATES = ['failing', 'late', 'ok', 'unknown'] as const satisfies readonly HealthState[];

/** A job's `health` as the contract has it; the state word may be one this console does not know yet. */
export type HealthLike = Omit<JobHealthView, 'state'> & { state: string };

/** What the job's spec says about lateness (both optional durations like "1h"). */
export type LatenessRules = Pick<JobSubmissionFields, 'expected_within' | 'max_lateness'>;

/** The colour family of a state: failing `bad`, late `warn`, ok `good`, anything else `neutral`. */
export function healthTone(state: string): 'bad' | 'warn' | 'good' | 'neutral' {
  if (state === 'failing') return 'bad';
  if (state === 'late') return 'warn';
  if (state === 'ok') return 'good';
  return 'neutral';
}

/** True for a state the API knows ({@link HEALTH_STATES}). */
export function isHealthState(value: string): value is HealthState {
  return (HEALTH_STATES as readonly string[]).includes(value);
}

const lastSuccess = (health: HealthLike) =>
  health.last_success_time ? `Last success: ${formatTime(health.last_success_time)} UTC.` : 'No run has succeeded yet.';

/**
 * One or two sentences on a job's health, e.g. `Failing: the last 3 runs failed (latest
 * HandlerError: boom). No run has succeeded yet.` The error is named when `health` has it (the job
 * detail does, list rows do not).
 * @param rules the job spec's `expected_within` / `max_lateness`, to say what "late" means for it.
 */
export function healthSummary(health: HealthLike, rules: LatenessRules = {}): string {
  switch (health.state) {
    case 'failing': {
      const n = health.consecutive_failures;
      const runs = n > 1 ? `the last ${n} runs failed` : 'the last run failed';
      const error = health.last_failure?.error;
      const latest = error ? ` (latest ${error.type}: ${error.message})` : '';
      return `Failing: ${runs}${latest}. ${lastSuccess(health)}`;
    }
    case 'late': {
      const why: string[] = [];
      if (rules.expected_within) why.push(`no run succeeded within ${rules.expected_within}`);
      if (rules.max_lateness) why.push(`a run started more than ${rules.max_lateness} after its scheduled time`);
      const reason = why.length > 0 ? why.join(', or ') : 'runs are not succeeding on time';
      return `Late: ${reason}. ${lastSuccess(health)}`;
    }
    case 'ok':
      return `OK: the last run succeeded on time. ${lastSuccess(health)}`;
    default:
      return 'Unknown: no run has ended yet.';
  }
}

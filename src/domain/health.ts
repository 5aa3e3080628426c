/**
 * The health of a job: whether its recent runs succeed, fail or come late, and which change of
 * health an operator is alerted to. Pure functions, used by the job workflow (which keeps the
 * health across continue-as-new and publishes its state as the JobHealth search attribute) and
 * by the API (`GET /jobs?health=`). All times are UTC RFC 3339 strings.
 *
 * States:
 * - `unknown`: no run has ended yet (and the job is not late);
 * - `ok`: the most recent run succeeded, on time;
 * - `failing`: the most recent run failed (all its attempts);
 * - `late`: no success within the job's `expected_within`, or the most recent run started more
 *   than `max_lateness` after its scheduled time (jitter included). `failing` wins over `late`.
 */
import { parseDuration } from './duration';
import type { ExecutionError, ExecutionRecord } from './job-state';

/** The states of {@link JobHealth}. */
export const HEALTH_STATES = ['ok', 'failing', 'late', 'unknown'] as const;
export type HealthState = (typeof HEALTH_STATES)[number];

/** Changes of health a job can be alerted to (its `notify.events`). */
export const ALERT_EVENTS = ['failed', 'recovered', 'late', 'missed'] as const;
export type AlertEvent = (typeof ALERT_EVENTS)[number];

/** A job's health, served by `GET /jobs/{id}` and each `GET /jobs` row. */
export interface JobHealth {
  state: HealthState;
  /** Runs that failed since the last success (0 after a success). */
  consecutive_failures: number;
  /** When the latest successful run ended (UTC), null when none did. */
  last_success_time: string | null;
  /** The latest failed run: its scheduled time and error; null when none failed since the last success. */
  last_failure: { scheduled_time: string; error: ExecutionError | null } | null;
}

/** What health rules read from a job spec (both optional durations like "1h"). */
export interface HealthRules {
  /** A success is expected at least this often; none for this long makes the job `late`. */
  expected_within?: string | undefined;
  /** A run starting later than this after its scheduled time makes the job `late`. */
  max_lateness?: string | undefined;
}

/** A change of health worth an alert: the event and the occurrence it is about (null: none). */
export interface HealthTransition {
  event: AlertEvent;
  scheduled_time: string | null;
  error: ExecutionError | null;
}

/** The health of a job that has not run yet. */
export function initialHealth(): JobHealth {
  return { state: 'unknown', consecutive_failures: 0, last_success_time: null, last_failure: null };
}

/**
 * How late a run's body started after its scheduled time (ms, ≥ 0): the first attempt's start (the
 * body's start when the attempt was held for its fire time), or the record's start when it has no
 * attempt list.
 */
export function startLatenessMs(record: ExecutionRecord): number {
  const started = record.attempt_history?.[0]?.started_at ?? record.started_at;
  return Math.max(0, Date.parse(started) - Date.parse(record.scheduled_time));
}

/**
 * The health after a run ended (`succeeded` or `failed`; other records leave it unchanged).
 * @returns the new health and the transition to alert (`failed` when the job starts failing,
 *   `recovered` when a failing or late job succeeds on time, `late` when a succeeding run started
 *   later than `max_lateness`), or null when the change needs no alert.
 */
export function healthAfterRun(
  health: JobHealth,
  record: ExecutionRecord,
  rules: HealthRules,
): { health: JobHealth; transition: HealthTransition | null } {
  if (record.status === 'failed') {
    const error = record.error ?? null;
    const next: JobHealth = {
      ...health,
      state: 'failing',
      consecutive_failures: health.consecutive_failures + 1,
      last_failure: { scheduled_time: record.scheduled_time, error },
    };
    const transition =
      health.state === 'failing' ? null : { event: 'failed' as const, scheduled_time: record.scheduled_time, error };
    return { health: next, transition };
  }
  if (record.status !== 'succeeded') return { health, transition: null };
  const late = rules.max_lateness !== undefined && startLatenessMs(record) > parseDuration(rules.max_lateness);
  const next: JobHealth = {
    state: late ? 'late' : 'ok',
    consecutive_failures: 0,
    last_success_time: record.finished_at,
    last_failure: null,
  };
  let transition: HealthTransition | null = null;
  if (late && health.state !== 'late')
    transition = { event: 'late', scheduled_time: record.scheduled_time, error: null };
  if (!late && (health.state === 'failing' || health.state === 'late')) {
    transition = { event: 'recovered', scheduled_time: record.scheduled_time, error: null };
  }
  return { health: next, transition };
}

/**
 * When the job becomes late for want of a success (epoch ms): the last success (or the job's
 * creation) plus `expected_within`; null without `expected_within`, or when the job is already
 * failing or late (nothing more to tell).
 */
export function lateDeadlineMs(health: JobHealth, rules: HealthRules, createdAt: string): number | null {
  if (rules.expected_within === undefined || health.state === 'failing' || health.state === 'late') return null;
  return Date.parse(health.last_success_time ?? createdAt) + parseDuration(rules.expected_within);
}

/**
 * The health at `nowMs` when no run ended: `late` (with its transition) once the deadline of
 * {@link lateDeadlineMs} has passed, otherwise unchanged.
 */
export function healthAt(
  health: JobHealth,
  rules: HealthRules,
  createdAt: string,
  nowMs: number,
): { health: JobHealth; transition: HealthTransition | null } {
  const deadline = lateDeadlineMs(health, rules, createdAt);
  if (deadline === null || nowMs < deadline) return { health, transition: null };
  return { health: { ...health, state: 'late' }, transition: { event: 'late', scheduled_time: null, error: null } };
}

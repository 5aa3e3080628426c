/**
 * Alerts of a job's health transitions (src/domain/health.ts), sent by the `sendAlert` activity
 * (src/activities/notify.ts) in the background: the loop goes on while an alert is retried, and
 * waits for the alerts in flight before it continues as new or ends, so none is dropped.
 *
 * An alert costs history events only when the job's health changes, never per occurrence.
 * Workflow code: deterministic, no Node APIs.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { AlertActivities } from '../activities/types';
import type { HealthTransition, JobHealth } from '../domain/health';
import type { JobSpec } from '../domain/job-spec';

/** Options of the `sendAlert` activity: about 20 minutes of retries (1 s doubling to 5 min), then given up. */
const ALERT_ACTIVITY_OPTIONS = {
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m', maximumAttempts: 10 },
} as const;

/**
 * The idempotency key of an alert: `<job_id>:alert:<event>:<scheduled_time>`, or the transition's
 * time (UTC) when it is about no occurrence (`late` for want of a success).
 */
export function alertKey(jobId: string, transition: HealthTransition, nowMs: number): string {
  return `${jobId}:alert:${transition.event}:${transition.scheduled_time ?? new Date(nowMs).toISOString()}`;
}

/** The alerts a job has in flight. */
export class AlertSender {
  private readonly inFlight = new Set<Promise<void>>();

  /**
   * Sends the alert of `transition` when the job's `notify.events` lists it (default: every
   * event), to its `notify.url` or else the worker's default. A failure after every retry is
   * logged by the SDK and does not stop the job.
   */
  send(spec: JobSpec, transition: HealthTransition, health: JobHealth): void {
    const events = spec.notify?.events;
    if (events !== undefined && !events.includes(transition.event)) return;
    const { sendAlert } = proxyActivities<AlertActivities>({
      ...ALERT_ACTIVITY_OPTIONS,
      summary: `alert ${transition.event} · ${spec.name}`,
    });
    const promise: Promise<void> = sendAlert({
      event: transition.event,
      job_id: spec.job_id,
      name: spec.name,
      scheduled_time: transition.scheduled_time,
      error: transition.error,
      health,
      ...(spec.notify?.url !== undefined ? { url: spec.notify.url } : {}),
      idempotency_key: alertKey(spec.job_id, transition, Date.now()),
    }).then(
      () => undefined,
      () => undefined,
    );
    this.inFlight.add(promise);
    void promise.then(() => this.inFlight.delete(promise));
  }

  /** True when no alert is in flight. */
  idle(): boolean {
    return this.inFlight.size === 0;
  }

  /** Resolves once every alert in flight has been sent or given up. */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }
}

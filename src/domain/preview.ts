/**
 * Planned run times of a schedule: the one function behind `GET /jobs/{id}`'s
 * `next_run_times`, `POST /schedules/preview`, and the workflow's own walk, so
 * what users are shown is what runs. Pure and workflow-safe.
 */
import { jitterOffsetMs } from './jitter';
import { nextOccurrence, occurrenceAtOrAfter, type ScheduleFields } from './schedule';

/**
 * The next `count` occurrences of a schedule at or after `fromMs`, without jitter.
 * @param spec schedule fields.
 * @param fromMs epoch milliseconds (UTC).
 * @param count how many, at most (the schedule may end earlier).
 * @returns epoch milliseconds, ascending.
 */
export function planOccurrences(spec: ScheduleFields, fromMs: number, count: number): number[] {
  const out: number[] = [];
  let next = occurrenceAtOrAfter(spec, fromMs);
  while (next !== null && out.length < count) {
    out.push(next);
    next = nextOccurrence(spec, next);
  }
  return out;
}

/**
 * When an occurrence actually fires: its scheduled time plus the job's stable jitter offset.
 * @param jobId the job id (jitter is stable per job and occurrence).
 * @param scheduledMs the occurrence's scheduled time, epoch ms.
 * @param jitterMs the bound, milliseconds (0 or undefined: no jitter).
 * @returns epoch milliseconds in [scheduledMs, scheduledMs + jitterMs).
 */
export function fireTime(jobId: string, scheduledMs: number, jitterMs: number | undefined): number {
  return jitterMs === undefined || jitterMs <= 0
    ? scheduledMs
    : scheduledMs + jitterOffsetMs(jobId, scheduledMs, jitterMs);
}

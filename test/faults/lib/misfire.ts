/**
 * What an interval job's ledger and the sink show about its misfire policy around an outage.
 * An occurrence is missed when the job handles it more than `catchup_window` after its scheduled
 * time (src/domain/misfire.ts); the instant it is handled is not observable from outside, so the
 * reading rests on what is: a run that started more than the window after its scheduled time can
 * only be a caught-up misfire (a run started when its occurrence is handled within the window starts
 * at most the window late), and a skipped entry with reason `misfire` names the missed span.
 */
import type { ExecutionRecord } from '../../../src/domain/job-state';
import type { SinkCall } from '../../helpers/e2e-sink';
import { scheduledOfKey } from './judge';

/** A span of consecutive occurrences skipped together, epoch ms. */
export interface SkippedSpan {
  first: number;
  last: number;
  count: number;
}

/** What {@link readMisfire} found for one job. */
export interface MisfireReading {
  /** Occurrences between the oldest and the newest ledger entry that no entry stands for (ISO). */
  gaps: string[];
  /** Occurrences more than one entry stands for (ISO). */
  doubles: string[];
  /** Entries that ran (succeeded or failed), oldest first. */
  runs: ExecutionRecord[];
  /** Runs that started more than `catchup_window` after their scheduled time: caught-up misfires. */
  caughtUp: ExecutionRecord[];
  /** Spans skipped with reason `misfire`, oldest first. */
  misfireSpans: SkippedSpan[];
  /** Occurrences skipped with reason `misfire`. */
  misfireSkipped: number;
  /** Occurrences skipped with reason `overlap`. */
  overlapSkipped: number;
  /** Sink arrivals whose scheduled time lies in a misfire span (ISO; must be none). */
  arrivedWhileSkipped: string[];
  /** Runs whose key never reached the sink (ISO). */
  runsNotAtSink: string[];
}

/**
 * Reads one interval job's ledger and its sink calls.
 * @param entries the job's ledger (any order).
 * @param calls the sink calls of this job.
 * @param everyMs the job's `every`, ms.
 * @param windowMs the job's `catchup_window`, ms.
 */
export function readMisfire(
  entries: readonly ExecutionRecord[],
  calls: readonly SinkCall[],
  everyMs: number,
  windowMs: number,
): MisfireReading {
  const covered = new Map<number, number>();
  const misfireSpans: SkippedSpan[] = [];
  let overlapSkipped = 0;
  for (const e of entries) {
    const first = Date.parse(e.scheduled_time);
    const count = e.count ?? 1;
    for (let k = 0; k < count; k++) covered.set(first + k * everyMs, (covered.get(first + k * everyMs) ?? 0) + 1);
    if (e.status === 'skipped' && e.reason === 'misfire') {
      misfireSpans.push({ first, last: Date.parse(e.last_scheduled_time ?? e.scheduled_time), count });
    }
    if (e.status === 'skipped' && e.reason === 'overlap') overlapSkipped += count;
  }
  misfireSpans.sort((a, b) => a.first - b.first);
  const times = [...covered.keys()].sort((a, b) => a - b);
  const gaps: string[] = [];
  const doubles: string[] = [];
  if (times.length > 0) {
    for (let t = times[0] as number; t <= (times.at(-1) as number); t += everyMs) {
      const n = covered.get(t) ?? 0;
      if (n === 0) gaps.push(new Date(t).toISOString());
      if (n > 1) doubles.push(new Date(t).toISOString());
    }
  }
  const runs = entries
    .filter((e) => e.status === 'succeeded' || e.status === 'failed')
    .sort((a, b) => Date.parse(a.scheduled_time) - Date.parse(b.scheduled_time));
  const caughtUp = runs.filter((e) => Date.parse(e.started_at) - Date.parse(e.scheduled_time) > windowMs);
  const arrived = new Set(calls.map((c) => c.idempotencyKey));
  const arrivedWhileSkipped = calls
    .map((c) => scheduledOfKey(c.idempotencyKey))
    .filter((t) => misfireSpans.some((s) => t >= s.first && t <= s.last))
    .map((t) => new Date(t).toISOString());
  return {
    gaps,
    doubles,
    runs,
    caughtUp,
    misfireSpans,
    misfireSkipped: misfireSpans.reduce((n, s) => n + s.count, 0),
    overlapSkipped,
    arrivedWhileSkipped,
    runsNotAtSink: runs.filter((e) => !arrived.has(e.execution_id)).map((e) => e.scheduled_time),
  };
}

/**
 * How many occurrences of an interval job lie strictly between `afterMs` and `beforeMs`.
 * @param anchorMs any occurrence of the job (e.g. a ledger entry's scheduled time).
 */
export function occurrencesBetween(anchorMs: number, everyMs: number, afterMs: number, beforeMs: number): number {
  if (beforeMs <= afterMs) return 0;
  const firstK = Math.floor((afterMs - anchorMs) / everyMs) + 1;
  const lastK = Math.ceil((beforeMs - anchorMs) / everyMs) - 1;
  return Math.max(0, lastK - firstK + 1);
}

/** One line per misfire job for the log. */
export function formatMisfire(name: string, r: MisfireReading): string {
  return (
    `[faults] ${name}: runs ${r.runs.length}, caught up ${r.caughtUp.length}, skipped as misfire ${r.misfireSkipped}` +
    ` (${r.misfireSpans.length} span(s)), as overlap ${r.overlapSkipped}, gaps ${r.gaps.length}, doubles ${r.doubles.length}`
  );
}

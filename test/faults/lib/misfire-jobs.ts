/**
 * The misfire jobs of the outage scenarios: one interval http job per misfire policy calling the
 * sink, with a catch-up window shorter than the outage (and one with a window longer than it), and
 * the check of what each policy promises for the occurrences the outage made it miss.
 */
import { expect } from 'vitest';
import { parseDuration } from '../../../src/domain/duration';
import type { ExecutionRecord } from '../../../src/domain/job-state';
import type { SinkCall } from '../../helpers/e2e-sink';
import type { Stack } from '../../helpers/e2e-stack';
import { scheduledOfKey } from './judge';
import { formatMisfire, type MisfireReading, readMisfire } from './misfire';

/** One misfire job: its policy and window. */
export interface MisfireCase {
  /** Names the job and the log line, e.g. `skip/5s`. */
  label: string;
  policy: 'skip' | 'latest' | 'all';
  catchupWindow: string;
  maxCatchup?: number;
}

/**
 * The cases: `skip`, `latest`, `all` and `all` with `max_catchup: 2` with the short window, and a
 * `skip` job with the long window (nothing it misses there: everything runs late).
 */
export function misfireCases(shortWindow: string, longWindow: string): MisfireCase[] {
  return [
    { label: `skip/${shortWindow}`, policy: 'skip', catchupWindow: shortWindow },
    { label: `latest/${shortWindow}`, policy: 'latest', catchupWindow: shortWindow },
    { label: `all/${shortWindow}`, policy: 'all', catchupWindow: shortWindow },
    { label: `all+max_catchup 2/${shortWindow}`, policy: 'all', catchupWindow: shortWindow, maxCatchup: 2 },
    { label: `skip/${longWindow}`, policy: 'skip', catchupWindow: longWindow },
  ];
}

/**
 * Submits one interval job per case (every `every`, POST to `<sinkUrl>/misfire`).
 * @returns the job ids, in case order.
 * @throws {Error} when a submission is not accepted.
 */
export async function submitMisfireJobs(
  stack: Stack,
  sinkUrl: string,
  every: string,
  cases: readonly MisfireCase[],
): Promise<string[]> {
  const ids: string[] = [];
  for (const c of cases) {
    const res = await stack.request('POST', '/jobs', {
      name: `misfire ${c.label}`,
      frequency: 'interval',
      every,
      misfire_policy: c.policy,
      catchup_window: c.catchupWindow,
      ...(c.maxCatchup !== undefined ? { max_catchup: c.maxCatchup } : {}),
      retry: { max_retries: 3, initial_interval: '1s' },
      payload: { type: 'http', method: 'POST', url: `${sinkUrl}/misfire`, body: { policy: c.label } },
    });
    if (res.status !== 201) throw new Error(`POST /jobs (${c.label}): ${res.status} ${JSON.stringify(res.body)}`);
    ids.push(res.body.job_id as string);
  }
  return ids;
}

/** The outage as the test saw it. */
export interface Outage {
  /** When the fault began (SIGKILL sent), epoch ms. */
  downAt: number;
  /** When the first process of the comeback was spawned (nothing is handled before), epoch ms. */
  upAt: number;
  /** The jobs' fire lead, ms: an occurrence due within it of `downAt` may have been dispatched before. */
  leadMs: number;
}

/**
 * Checks one misfire job against its policy. The occurrences scheduled after `downAt + leadMs` (not
 * dispatched before the fault) and before `upAt - catchup_window` were handled more than the window
 * late whatever the exact moment, so each of them is missed:
 * - `skip`: every one of them is in a `misfire` span, none ran, no occurrence after the fault ran
 *   more than the window late;
 * - `latest`: the newest missed occurrence (right after the `misfire` span holding them) ran late;
 *   the older ones are skipped;
 * - `all`: each of them ran late, none skipped as misfire; with `max_catchup: 2`, the two newest
 *   missed occurrences ran and the older ones are skipped;
 * - a window longer than the outage: none is missed; the occurrences of the outage run late, subject
 *   to the overlap policy (`skip`: those due while one runs are skipped as overlap), and at least
 *   one of them reached the sink later than the short window would have allowed.
 * Always: each occurrence has exactly one ledger entry, nothing skipped reached the sink, every run
 * reached it.
 * @returns the reading, printed.
 */
export function expectMisfireCase(
  c: MisfireCase,
  entries: readonly ExecutionRecord[],
  calls: readonly SinkCall[],
  everyMs: number,
  outage: Outage,
  shortWindowMs: number,
): MisfireReading {
  const windowMs = parseDuration(c.catchupWindow);
  const reading = readMisfire(entries, calls, everyMs, windowMs);
  console.log(formatMisfire(`misfire ${c.label}`, reading));
  const anchor = Date.parse((entries[0] as ExecutionRecord).scheduled_time);
  const after = outage.downAt + outage.leadMs;
  const before = outage.upAt - windowMs;
  const missed: number[] = [];
  for (let t = anchor + Math.floor((after - anchor) / everyMs + 1) * everyMs; t < before; t += everyMs) {
    missed.push(t);
  }
  const iso = (t: number) => new Date(t).toISOString();
  const timeline = describeTimeline(entries, calls, outage);
  const caughtUp = new Set(reading.caughtUp.map((e) => Date.parse(e.scheduled_time)));
  const spanOf = (t: number) => reading.misfireSpans.find((s) => t >= s.first && t <= s.last);

  expect(reading.gaps, `${c.label} (${timeline}): occurrences without a ledger entry`).toEqual([]);
  expect(reading.doubles, `${c.label} (${timeline}): occurrences with two ledger entries`).toEqual([]);
  expect(reading.arrivedWhileSkipped, `${c.label} (${timeline}): skipped occurrences at the sink`).toEqual([]);
  expect(reading.runsNotAtSink, `${c.label} (${timeline}): runs that never reached the sink`).toEqual([]);

  if (windowMs > outage.upAt - outage.downAt) {
    // Nothing is missed. The late occurrences run subject to the overlap policy (`skip`): one runs,
    // those that come due while it runs are skipped as overlap.
    expect(reading.misfireSkipped, `${c.label} (${timeline}): skipped as misfire`).toBe(0);
    const inOutage = entries.flatMap((e) =>
      Array.from({ length: e.count ?? 1 }, (_, k) => ({ at: Date.parse(e.scheduled_time) + k * everyMs, e })),
    );
    const during = inOutage.filter(({ at }) => at > outage.downAt && at < outage.upAt);
    expect(during.length, `${c.label} (${timeline}): occurrences during the outage`).toBeGreaterThan(0);
    expect(
      during
        .filter(({ e }) => e.status !== 'succeeded' && !(e.status === 'skipped' && e.reason === 'overlap'))
        .map(({ at, e }) => `${iso(at)} ${e.status} ${e.reason ?? ''}`),
      `${c.label} (${timeline}): occurrences of the outage neither run nor skipped as overlap`,
    ).toEqual([]);
    const lateArrivals = calls.filter(
      (call) => call.receivedAt > outage.upAt && scheduledOfKey(call.idempotencyKey) < outage.upAt - shortWindowMs,
    );
    expect(
      lateArrivals.length,
      `${c.label} (${timeline}): occurrences of the outage run after it, later than ${shortWindowMs} ms`,
    ).toBeGreaterThan(0);
    return reading;
  }

  expect(missed.length, `${c.label} (${timeline}): occurrences the outage made it miss`).toBeGreaterThanOrEqual(3);
  const first = missed[0] as number;
  switch (c.policy) {
    case 'skip': {
      // (A job's first occurrence may run up to a second more than the window late: it is
      // anchored at its submission truncated to the second, and nothing is missed before it.)
      expect(
        reading.caughtUp.filter((e) => Date.parse(e.scheduled_time) > outage.downAt).map((e) => e.scheduled_time),
        `${c.label} (${timeline}): runs of the outage caught up`,
      ).toEqual([]);
      expect(
        missed.filter((t) => spanOf(t) === undefined).map(iso),
        `${c.label} (${timeline}): missed occurrences not skipped as misfire`,
      ).toEqual([]);
      break;
    }
    case 'latest':
    case 'all': {
      const keep = c.policy === 'latest' ? 1 : (c.maxCatchup ?? 100);
      if (keep >= missed.length + 10) {
        // More room than missed occurrences: each of them runs, late.
        expect(
          missed.filter((t) => !caughtUp.has(t)).map(iso),
          `${c.label} (${timeline}): missed but not caught up`,
        ).toEqual([]);
        expect(
          reading.misfireSpans.filter((s) => s.last >= first),
          `${c.label} (${timeline}): misfire spans`,
        ).toEqual([]);
        break;
      }
      const span = spanOf(first);
      expect(span, `${c.label} (${timeline}): the misfire span holding ${iso(first)}`).toBeDefined();
      const kept = Array.from({ length: keep }, (_, k) => (span?.last ?? 0) + (k + 1) * everyMs);
      expect(
        kept.filter((t) => !caughtUp.has(t)).map(iso),
        `${c.label} (${timeline}): the ${keep} newest missed occurrence(s) caught up`,
      ).toEqual([]);
      expect(
        missed.filter((t) => !kept.includes(t) && spanOf(t) === undefined).map(iso),
        `${c.label} (${timeline}): older missed occurrences not skipped`,
      ).toEqual([]);
      break;
    }
  }
  return reading;
}

/** The job's ledger and sink arrivals around the outage, one line per entry, for failure messages. */
function describeTimeline(entries: readonly ExecutionRecord[], calls: readonly SinkCall[], outage: Outage): string {
  const at = (t: number) => new Date(t).toISOString().slice(11, 23);
  const arrivals = new Map<string, number[]>();
  for (const c of calls)
    arrivals.set(c.idempotencyKey ?? '', [...(arrivals.get(c.idempotencyKey ?? '') ?? []), c.receivedAt]);
  const lines = [...entries]
    .sort((a, b) => Date.parse(a.scheduled_time) - Date.parse(b.scheduled_time))
    .map((e) => {
      const attempts = (e.attempt_history ?? [])
        .map((a) => `#${a.attempt} ${a.status} ${a.started_at.slice(11, 23)}`)
        .join(', ');
      const sink = (arrivals.get(e.execution_id) ?? []).map(at).join(', ');
      return `${e.scheduled_time.slice(11, 23)} ${e.status}${e.reason ? ` ${e.reason}×${e.count ?? 1}` : ''} started ${e.started_at.slice(11, 23)} finished ${e.finished_at.slice(11, 23)} [${attempts}] sink [${sink}]`;
    });
  return `down ${at(outage.downAt)}, up ${at(outage.upAt)}\n${lines.join('\n')}\n`;
}

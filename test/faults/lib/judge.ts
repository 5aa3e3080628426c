/**
 * Reading many ledgers and holding them against the sink, for scenarios with hundreds or thousands
 * of jobs that keep running while they are read. Only occurrences scheduled before a cutoff are
 * judged (jobs keep firing meanwhile): the ledgers are read first, then the sink's record is taken,
 * so every run a ledger shows had reached the sink by then; a key the sink has but a ledger read
 * earlier lacks (a run that ended after its job's ledger was read) sends that job's ledger to be
 * read again until it shows the key, or a deadline.
 */
import type { ExecutionRecord } from '../../../src/domain/job-state';
import type { Sink, SinkCall } from '../../helpers/e2e-sink';
import type { Stack } from '../../helpers/e2e-stack';
import { account, type FaultFigures, readLedger } from './accounting';

/** Runs `fn` over `items` with at most `concurrency` calls in flight; results in input order. */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  return results;
}

/** The job id of an Idempotency-Key (`<job_id>:<scheduled_time>`), or null. */
export function jobOfKey(key: string | null): string | null {
  if (key === null) return null;
  const at = key.indexOf(':');
  return at === -1 ? null : key.slice(0, at);
}

/** The scheduled time of an Idempotency-Key (`<job_id>:<scheduled_time>`), epoch ms, or NaN. */
export function scheduledOfKey(key: string | null): number {
  if (key === null) return Number.NaN;
  const at = key.indexOf(':');
  return at === -1 ? Number.NaN : Date.parse(key.slice(at + 1));
}

/**
 * Reads the ledgers of `jobIds` through the API, `concurrency` jobs at a time; a failed read is
 * tried again (3 times in all).
 * @throws {Error} naming every job whose ledger could not be read, with Temporal's description of
 *   the first one (its pending workflow task, if any) for diagnosis.
 */
export async function readLedgers(
  stack: Stack,
  jobIds: readonly string[],
  concurrency = 16,
): Promise<Map<string, ExecutionRecord[]>> {
  const failed = new Map<string, string>();
  const entries = await mapConcurrent(jobIds, concurrency, async (jobId) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await readLedger(stack, jobId);
      } catch (err) {
        if (attempt >= 3) {
          failed.set(jobId, (err as Error).message);
          return [];
        }
        await new Promise((r) => setTimeout(r, 500 * attempt));
      }
    }
  });
  if (failed.size > 0) {
    const [first] = failed.keys();
    const described = await stack
      .cli(['workflow', 'describe', '--workflow-id', first as string])
      .catch((err: Error) => err.message);
    throw new Error(
      `${failed.size} of ${jobIds.length} ledgers could not be read: ${[...failed]
        .slice(0, 5)
        .map(([id, why]) => `${id}: ${why}`)
        .join('; ')}\n${first}:\n${described}`,
    );
  }
  return new Map(jobIds.map((id, i) => [id, entries[i] as ExecutionRecord[]]));
}

/** Inputs of {@link judge}. */
export interface JudgeInput {
  stack: Stack;
  sink: Sink;
  jobIds: readonly string[];
  /** As {@link account}'s `faultAtMs`. */
  faultAtMs: number;
  /** As {@link account}'s `inFlightSlackMs`. */
  inFlightSlackMs?: number;
  /** Ledgers read at once (default 16). */
  concurrency?: number;
  /** How long a key the sink has may take to show in its job's ledger (default 30 s). */
  settleMs?: number;
  /** Only occurrences scheduled before this instant (epoch ms) are judged; default: all. */
  cutoffMs?: number;
}

/** What {@link judge} found. */
export interface Judgement {
  figures: FaultFigures;
  /** Every ledger as read (entries after the cutoff too). */
  ledgers: Map<string, ExecutionRecord[]>;
  /** The ledgers as judged: entries scheduled before the cutoff. */
  judged: Map<string, ExecutionRecord[]>;
  /** The sink's record the figures were taken from (calls of these jobs only). */
  calls: SinkCall[];
  /** How long reading the ledgers took, ms. */
  readMs: number;
}

/**
 * Reads every ledger, then takes the sink's record, reads again the ledgers lacking a key the
 * sink has (until they show it or `settleMs` passed) and judges with {@link account}.
 */
export async function judge({
  stack,
  sink,
  jobIds,
  faultAtMs,
  inFlightSlackMs,
  concurrency = 16,
  settleMs = 30_000,
  cutoffMs = Number.POSITIVE_INFINITY,
}: JudgeInput): Promise<Judgement> {
  const started = Date.now();
  const ledgers = await readLedgers(stack, jobIds, concurrency);
  const ids = new Set(jobIds);
  const calls = sink.calls.filter(
    (c) => ids.has(jobOfKey(c.idempotencyKey) ?? '') && scheduledOfKey(c.idempotencyKey) < cutoffMs,
  );
  const deadline = Date.now() + settleMs;
  for (;;) {
    const known = new Set<string>();
    for (const entries of ledgers.values()) for (const e of entries) known.add(e.execution_id);
    const behind = [
      ...new Set(calls.filter((c) => !known.has(c.idempotencyKey as string)).map((c) => jobOfKey(c.idempotencyKey))),
    ] as string[];
    if (behind.length === 0 || Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, 500));
    for (const [id, entries] of await readLedgers(stack, behind, concurrency)) ledgers.set(id, entries);
  }
  const judged = new Map(
    [...ledgers].map(([id, entries]) => [id, entries.filter((e) => Date.parse(e.scheduled_time) < cutoffMs)]),
  );
  const figures = account({
    ledgers: judged,
    calls,
    faultAtMs,
    ...(inFlightSlackMs !== undefined ? { inFlightSlackMs } : {}),
  });
  return { figures, ledgers, judged, calls, readMs: Date.now() - started };
}

/** A scenario's wall clock: `done()` prints `[faults] <name>: wall time <s> s` and returns the seconds. */
export function wallClock(name: string): { done(): number } {
  const started = Date.now();
  return {
    done() {
      const seconds = (Date.now() - started) / 1000;
      console.log(`[faults] ${name}: wall time ${seconds.toFixed(1)} s`);
      return seconds;
    },
  };
}

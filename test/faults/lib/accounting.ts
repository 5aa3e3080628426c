/**
 * How a fault scenario is judged: the job ledgers (what the scheduler says ran) held against the
 * sink's record (what reached the target, by Idempotency-Key and arrival time).
 * - lost: a ledger entry that ran (succeeded, or failed after a request) whose key never reached the sink;
 * - phantom: a key at the sink that no ledger has;
 * - duplicates: keys that arrived more than once; allowed only for attempts in flight at the fault
 *   (their first arrival at most `inFlightSlackMs` before the fault, and a later one after it);
 * - recovery: from the fault to the first arrival after it, ms.
 */
import type { ExecutionRecord } from '../../../src/domain/job-state';
import type { TestCaller } from '../../helpers/api-keys';
import type { SinkCall } from '../../helpers/e2e-sink';
import type { Json, Stack } from '../../helpers/e2e-stack';

/** Figures of one scenario, printed and asserted. */
export interface FaultFigures {
  /** Ledger entries that ran (succeeded or failed with an attempt). */
  ran: number;
  lost: string[];
  phantom: string[];
  /** Keys that arrived more than once. */
  duplicates: string[];
  /** Duplicates that were not in flight at the fault (must be none). */
  unexplainedDuplicates: string[];
  /** First arrival after the fault − the fault, ms (null: nothing arrived after it). */
  recoveryMs: number | null;
}

/** Inputs of {@link account}. */
export interface AccountInput {
  /** Ledgers by job id (every entry, oldest or newest first). */
  ledgers: ReadonlyMap<string, readonly ExecutionRecord[]>;
  /** The sink's record (only calls of these jobs count). */
  calls: readonly SinkCall[];
  /** When the fault happened, epoch ms. */
  faultAtMs: number;
  /** How long before the fault a request may have arrived and still count as in flight (default 30 s). */
  inFlightSlackMs?: number;
}

/** Judges one scenario (see the module doc). */
export function account({ ledgers, calls, faultAtMs, inFlightSlackMs = 30_000 }: AccountInput): FaultFigures {
  const ranKeys = new Set<string>();
  const ledgerKeys = new Set<string>();
  for (const entries of ledgers.values()) {
    for (const e of entries) {
      ledgerKeys.add(e.execution_id);
      if (e.status === 'succeeded') ranKeys.add(e.execution_id);
    }
  }
  const jobIds = [...ledgers.keys()];
  const ours = calls.filter(
    (c) => c.idempotencyKey !== null && jobIds.some((id) => c.idempotencyKey?.startsWith(`${id}:`)),
  );
  const arrivals = new Map<string, number[]>();
  for (const c of ours) {
    const key = c.idempotencyKey as string;
    arrivals.set(key, [...(arrivals.get(key) ?? []), c.receivedAt]);
  }
  const lost = [...ranKeys].filter((k) => !arrivals.has(k));
  const phantom = [...arrivals.keys()].filter((k) => !ledgerKeys.has(k));
  const duplicates = [...arrivals].filter(([, times]) => times.length > 1).map(([k]) => k);
  const unexplainedDuplicates = duplicates.filter((k) => {
    const times = (arrivals.get(k) ?? []).sort((a, b) => a - b);
    const first = times[0] ?? 0;
    const inFlight = first <= faultAtMs && first >= faultAtMs - inFlightSlackMs;
    return !(inFlight && times.slice(1).every((t) => t >= faultAtMs));
  });
  const after = ours.map((c) => c.receivedAt).filter((t) => t > faultAtMs);
  return {
    ran: ranKeys.size,
    lost,
    phantom,
    duplicates,
    unexplainedDuplicates,
    recoveryMs: after.length > 0 ? Math.min(...after) - faultAtMs : null,
  };
}

/** Every ledger entry of a job, newest first, through `GET /jobs/{id}/executions` pages. */
export async function readLedger(stack: Stack, jobId: string, as?: TestCaller): Promise<ExecutionRecord[]> {
  const entries: ExecutionRecord[] = [];
  let token: string | null = null;
  do {
    const path: string = `/jobs/${jobId}/executions?limit=100${token ? `&page_token=${token}` : ''}`;
    const res = await stack.request<Json>('GET', path, undefined, as);
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    entries.push(...(res.body.executions as ExecutionRecord[]));
    token = res.body.next_page_token as string | null;
  } while (token !== null);
  return entries;
}

/** One line per scenario for the log (the README's "Faults we test" table takes its figures from it). */
export function formatFigures(scenario: string, f: FaultFigures): string {
  return (
    `[faults] ${scenario}: ran ${f.ran}, lost ${f.lost.length}, phantom ${f.phantom.length}, ` +
    `duplicates ${f.duplicates.length} (outside the fault ${f.unexplainedDuplicates.length}), ` +
    `recovery ${f.recoveryMs === null ? 'none' : `${(f.recoveryMs / 1000).toFixed(1)} s`}`
  );
}

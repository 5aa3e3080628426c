/**
 * Whose a decrypted payload is. The Temporal Web UI's `/decode` request names no workflow, so the
 * codec server decides from the payload's own content (decrypted first), by the shapes this
 * project writes (src/workflows/contract.ts, src/activities/types.ts, src/domain/job-state.ts):
 *
 * - an object with `spec.user_id` and `spec.job_id` (jobWorkflow's input, continue-as-new input,
 *   the `patch` update's argument, the `describe` answer): the job's owner is `spec.user_id`;
 * - an object with a string `job_id` (the payload activity's input `RunPayloadInput`, the alert
 *   activity's `AlertInput`): the owner is the job's, read from its `UserId` search attribute;
 * - a `binary/null` payload or JSON `null`: nothing to hide;
 * - anything else (activity results and failure details, heartbeat details, `trigger` arguments,
 *   summaries, memo, the registry workflow's payloads): no owner can be told.
 *
 * An admin may read every payload. A user may read a payload only when it names a job they own;
 * every other payload is withheld. Only payloads that this system encrypted carry such content,
 * and a payload a caller encrypted through `/codec/encode` holds only what that caller sent, so the
 * rule cannot be used to read another user's data.
 */
import { METADATA_ENCODING_KEY, type Payload } from '@temporalio/common';
import { LRUCache } from 'lru-cache';
import type { Principal } from '../api/auth';

/** What a payload says about its owner. */
export type OwnerEvidence =
  | { kind: 'user'; user_id: string }
  | { kind: 'job'; job_id: string }
  /** A `binary/null` payload or JSON `null`. */
  | { kind: 'empty' }
  | { kind: 'none' };

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads the owner evidence of a decoded (plain) payload by the rules of this module.
 * Only `json/plain` payloads are parsed; invalid JSON counts as no evidence.
 */
export function ownerEvidence(payload: Payload): OwnerEvidence {
  const encoding = Buffer.from(payload.metadata?.[METADATA_ENCODING_KEY] ?? new Uint8Array()).toString('utf8');
  if (encoding === 'binary/null') return { kind: 'empty' };
  if (encoding !== 'json/plain') return { kind: 'none' };
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payload.data ?? new Uint8Array()).toString('utf8'));
  } catch {
    return { kind: 'none' };
  }
  if (value === null) return { kind: 'empty' };
  if (!isRecord(value)) return { kind: 'none' };
  const spec = value.spec;
  if (isRecord(spec) && typeof spec.user_id === 'string' && typeof spec.job_id === 'string') {
    return { kind: 'user', user_id: spec.user_id };
  }
  if (typeof value.job_id === 'string' && value.job_id !== '') return { kind: 'job', job_id: value.job_id };
  return { kind: 'none' };
}

/**
 * Owner of a job (its `UserId` search attribute), or undefined when the job is unknown.
 * @throws what the Temporal client throws when the server cannot be reached.
 */
export type JobOwnerLookup = (jobId: string) => Promise<string | undefined>;

/**
 * Decides which decoded payloads a caller may read; owners of jobs are looked up once and kept
 * for `ttlMs` (an owner never changes; a job that is not found is asked again next time).
 */
export class PayloadAccess {
  private readonly owners: LRUCache<string, string>;

  /**
   * @param lookup the owner of a job id.
   * @param ttlMs how long a found owner is kept, ms (default 10 minutes).
   * @param max most job owners kept (default 10,000).
   */
  constructor(
    private readonly lookup: JobOwnerLookup,
    ttlMs = 600_000,
    max = 10_000,
  ) {
    this.owners = new LRUCache({ max, ttl: ttlMs });
  }

  /**
   * For each decoded payload, whether `principal` may read it (see the module doc).
   * @param maxLookups most distinct jobs whose owner is looked up; payloads of further jobs are not readable.
   * @returns one boolean per payload, same order.
   * @throws what the lookup throws (Temporal unreachable).
   */
  async readable(principal: Principal, payloads: readonly Payload[], maxLookups = 100): Promise<boolean[]> {
    if (principal.role === 'admin') return payloads.map(() => true);
    const evidence = payloads.map(ownerEvidence);
    const jobIds = [...new Set(evidence.flatMap((e) => (e.kind === 'job' ? [e.job_id] : [])))].slice(0, maxLookups);
    const owners = new Map(await Promise.all(jobIds.map(async (id) => [id, await this.ownerOf(id)] as const)));
    return evidence.map((e) => {
      if (e.kind === 'empty') return true;
      if (e.kind === 'user') return e.user_id === principal.user_id;
      if (e.kind === 'job') return owners.get(e.job_id) === principal.user_id;
      return false;
    });
  }

  private async ownerOf(jobId: string): Promise<string | undefined> {
    const cached = this.owners.get(jobId);
    if (cached !== undefined) return cached;
    const owner = await this.lookup(jobId);
    if (owner !== undefined) this.owners.set(jobId, owner);
    return owner;
  }
}

/**
 * Stable jitter: a pseudo-random offset per job and occurrence, so many jobs on
 * `0 0 * * *` do not all fire in the same second, yet a replayed or retried
 * occurrence always gets the same offset. Pure and workflow-safe.
 */

/** 32-bit FNV-1a hash of a string (https://datatracker.ietf.org/doc/html/draft-eastlake-fnv). */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * The jitter offset of one occurrence.
 * @param jobId job id.
 * @param scheduledMs the occurrence's scheduled time, epoch milliseconds.
 * @param boundMs exclusive upper bound, milliseconds (> 0).
 * @returns whole milliseconds in [0, boundMs), the same for the same inputs.
 */
export function jitterOffsetMs(jobId: string, scheduledMs: number, boundMs: number): number {
  if (boundMs <= 0) return 0;
  return fnv1a(`${jobId}|${scheduledMs}`) % Math.floor(boundMs);
}

/**
 * The all-in-one launcher's restart backoff for a crashed worker or API (src/dev/main.ts).
 */
import { describe, expect, it } from 'vitest';
import { RESTART_INITIAL_MS, RESTART_MAX_MS, restartDelayMs } from '../../src/dev/main';

describe('restartDelayMs', () => {
  it('doubles from 1 s at each crash in a row, up to 30 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map(restartDelayMs)).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000,
    ]);
    expect(RESTART_INITIAL_MS).toBe(1_000);
    expect(RESTART_MAX_MS).toBe(30_000);
  });
});

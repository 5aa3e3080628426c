import { describe, expect, it } from 'vitest';
import type { ExecutionRecord, JobProgress } from '../../src/domain/job-state';
import { appendToLedger, emptyProgress, RECENT_OUTPUTS_KEPT } from '../../src/domain/ledger';
import { captureOutput, keptHeaders, OUTPUT_MAX_BYTES, utf8Prefix } from '../../src/domain/output';

describe('captureOutput', () => {
  it('keeps a small value as its JSON and nothing for undefined', () => {
    expect(captureOutput({ rows: 3, at: new Date('2026-01-01T00:00:00Z') })).toEqual({
      output: { rows: 3, at: '2026-01-01T00:00:00.000Z' },
    });
    expect(captureOutput(undefined)).toEqual({});
    expect(captureOutput(null)).toEqual({ output: null });
    expect(captureOutput(() => 1)).toEqual({});
  });

  it('cuts a value over 8 KB to the start of its JSON text and says so', () => {
    const captured = captureOutput({ text: 'x'.repeat(10_000) });
    expect(captured.output_truncated).toBe(true);
    expect(typeof captured.output).toBe('string');
    expect(Buffer.byteLength(captured.output as string)).toBe(OUTPUT_MAX_BYTES);
    expect((captured.output as string).startsWith('{"text":"xxx')).toBe(true);
    const exact = captureOutput('y'.repeat(OUTPUT_MAX_BYTES - 2)); // plus two quotes: exactly the cap
    expect(exact).toEqual({ output: 'y'.repeat(OUTPUT_MAX_BYTES - 2) });
  });

  it('a value JSON cannot hold is kept as its error text', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(captureOutput(cyclic)).toMatchObject({ output_truncated: true });
    expect(String(captureOutput(10n).output)).toMatch(/^return value is not JSON/);
  });

  it('utf8Prefix never splits a character; keptHeaders keeps only the chosen ones', () => {
    expect(utf8Prefix('aé€😀', 4)).toBe('aé');
    expect(utf8Prefix('aé€😀', 6)).toBe('aé€');
    expect(utf8Prefix('abc', 10)).toBe('abc');
    expect(keptHeaders({ 'content-type': 'text/html', 'set-cookie': ['a=b'], 'retry-after': '5' })).toEqual({
      'content-type': 'text/html',
      'retry-after': '5',
    });
  });
});

describe('ledger retention of outputs', () => {
  it(`only the ${RECENT_OUTPUTS_KEPT} newest entries keep output and http`, () => {
    const progress: JobProgress = emptyProgress();
    for (let k = 0; k < 15; k++) {
      const time = new Date(Date.UTC(2026, 0, 1, 0, k)).toISOString();
      const entry: ExecutionRecord = {
        execution_id: `job:${time}`,
        scheduled_time: time,
        started_at: time,
        finished_at: time,
        status: 'succeeded',
        attempts: 1,
        worker_id: 'w',
        output: { k },
        http: { status: 200, headers: {}, body_excerpt: 'ok' },
      };
      appendToLedger(progress, entry);
    }
    const kept = progress.executions.filter((e) => e.output !== undefined);
    expect(kept).toHaveLength(RECENT_OUTPUTS_KEPT);
    expect(kept.map((e) => (e.output as { k: number }).k)).toEqual([14, 13, 12, 11, 10, 9, 8, 7, 6, 5]);
    expect(progress.executions.filter((e) => e.http !== undefined)).toHaveLength(RECENT_OUTPUTS_KEPT);
    expect(progress.executions).toHaveLength(15);
  });
});

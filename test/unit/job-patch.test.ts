/**
 * A PATCH merged into a job's spec (src/domain/job-patch.ts): fields replaced whole, `null`
 * removes one (its default comes back), the merged job validated like a submission, id, owner and
 * submission time kept; `user_id` and unknown names refused.
 */
import { describe, expect, it } from 'vitest';
import { mergeJobPatch, PATCHABLE_FIELDS, unpatchableFields } from '../../src/domain/job-patch';
import { jobSubmissionSchema, toJobSpec } from '../../src/domain/job-spec';

const spec = toJobSpec(
  jobSubmissionSchema.parse({
    name: 'report',
    frequency: 'interval',
    every: '1h',
    jitter: '5s',
    retry: { max_retries: 5 },
    payload: { type: 'http', url: 'https://example.com/hook', headers: { 'X-A': '1' } },
  }),
  'job_1',
  Date.parse('2026-01-01T00:00:00.123Z'),
  'alice',
);

describe('mergeJobPatch', () => {
  it('replaces fields whole, removes null ones, keeps id, owner and submission time', () => {
    const result = mergeJobPatch(spec, {
      frequency: 'cron',
      cron: '0 9 * * *',
      every: null,
      jitter: null,
      retry: { initial_interval: '2s' },
      payload: { type: 'handler', name: 'demo.echo' },
    });
    expect(result.success).toBe(true);
    if (!result.success) return;
    expect(result.spec).toMatchObject({
      job_id: 'job_1',
      user_id: 'alice',
      created_at: '2026-01-01T00:00:00.123Z',
      frequency: 'cron',
      cron: '0 9 * * *',
      // A replaced object is replaced whole: max_retries is back to its default.
      retry: { max_retries: 3, initial_interval: '2s', backoff_coefficient: 2 },
      payload: { type: 'handler', name: 'demo.echo', args: {} },
    });
    expect(result.spec).not.toHaveProperty('every');
    expect(result.spec).not.toHaveProperty('jitter');
    expect(spec.every).toBe('1h'); // the current spec is left as it was
  });

  it('a field removed with null gets its default back; execution_time is normalised like at submit', () => {
    const result = mergeJobPatch(spec, { timeout: null, execution_time: '2026-03-01T10:00:00.900+01:00' });
    expect(result.success && result.spec.timeout).toBe('5m');
    expect(result.success && result.spec.execution_time).toBe('2026-03-01T09:00:00.000Z');
  });

  it('the merged job is validated like a submission: each bad field is named', () => {
    const result = mergeJobPatch(spec, { frequency: 'cron' });
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(result.error.issues.map((i) => i.path.join('.')).sort()).toEqual(['cron', 'every']);
    const name = mergeJobPatch(spec, { name: '' });
    expect(!name.success && name.error.issues[0]?.path).toEqual(['name']);
  });
});

describe('unpatchableFields', () => {
  it('refuses user_id and unknown names, in the order given; every submission field may change', () => {
    expect(unpatchableFields({ cronn: 1, name: 'x', user_id: 'bob' })).toEqual([
      { field: 'cronn', message: 'is not a known field' },
      { field: 'user_id', message: 'cannot be changed' },
    ]);
    expect(unpatchableFields(Object.fromEntries(PATCHABLE_FIELDS.map((f) => [f, null])))).toEqual([]);
    expect(PATCHABLE_FIELDS).toContain('payload');
    expect(PATCHABLE_FIELDS).not.toContain('user_id');
  });
});

/**
 * The REST contract (src/contract): pure (its module graph reaches only zod and croner, so the
 * browser bundle and the client package can import it), the submission type's frequency rules
 * at compile time, and the answers the API builds fit the answer schemas.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  createdJobSchema,
  type JobPatch,
  type JobSubmission,
  type JobSubmissionFields,
  jobSubmissionSchema,
  jobViewSchema,
  ledgerPageSchema,
  problemSchema,
} from '../../src/contract';

const SRC = join(__dirname, '..', '..', 'src');

/** Every bare module name reached from `entry` through relative imports (type-only ones too). */
function bareImports(entry: string): { files: string[]; modules: Set<string> } {
  const seen = new Set<string>();
  const modules = new Set<string>();
  const stack = [entry];
  for (let file = stack.pop(); file !== undefined; file = stack.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const [, spec] of text.matchAll(/^(?:import|export)[^'"]*?from '([^']+)'/gm)) {
      if (spec === undefined) continue;
      if (spec.startsWith('.')) stack.push(`${resolve(dirname(file), spec)}.ts`);
      else modules.add(spec);
    }
  }
  return { files: [...seen], modules };
}

describe('the contract module graph', () => {
  it('reaches zod and croner only: no express, no Temporal, no server code', () => {
    const { files, modules } = bareImports(join(SRC, 'contract', 'index.ts'));
    expect([...modules].sort()).toEqual(['croner', 'zod']);
    const outside = files.map((f) => f.slice(SRC.length + 1)).filter((f) => !/^(contract|domain)\//.test(f));
    expect(outside).toEqual([]);
  });
});

describe('the submission type', () => {
  it('makes frequency pick the required schedule field', () => {
    const payload = { type: 'handler', name: 'demo.echo' } as const;
    expectTypeOf<JobSubmission>().toExtend<JobSubmissionFields>();
    expectTypeOf({ name: 'c', frequency: 'cron', cron: '0 9 * * *', payload } as const).toExtend<JobSubmission>();
    expectTypeOf({ name: 'c', frequency: 'cron', payload } as const).not.toExtend<JobSubmission>();
    expectTypeOf({ name: 'i', frequency: 'interval', every: '1m', payload } as const).toExtend<JobSubmission>();
    expectTypeOf({ name: 'i', frequency: 'interval', payload } as const).not.toExtend<JobSubmission>();
    expectTypeOf({ name: 'o', frequency: 'once', payload } as const).not.toExtend<JobSubmission>();
    expectTypeOf({ name: 'd', frequency: 'daily', payload } as const).not.toExtend<JobSubmission>();
    const daily = { name: 'd', frequency: 'daily', execution_time: '2026-01-01T09:00:00Z', payload } as const;
    expectTypeOf(daily).toExtend<JobSubmission>();
    expectTypeOf({ ...daily, cron: '* * * * *' } as const).not.toExtend<JobSubmission>();
    expectTypeOf({ name: null, every: null } as const).toExtend<JobPatch>();
    // What the type allows, the schema accepts.
    expect(jobSubmissionSchema.safeParse(daily).success).toBe(true);
  });
});

describe('answer schemas', () => {
  it('read what the API writes', () => {
    expect(createdJobSchema.parse({ job_id: 'job_1', status: 'pending', next_run_time: null })).toBeTruthy();
    expect(ledgerPageSchema.safeParse({ job_id: 'j', executions: [], next_page_token: null }).success).toBe(true);
    const problem = {
      type: '/problems/job-ended',
      title: 'Job already ended',
      status: 409,
      detail: 'd',
      job_status: 'x',
    };
    expect(problemSchema.parse(problem)).toEqual(problem);
    const row = {
      job_id: 'j',
      name: null,
      user_id: null,
      status: 'pending',
      next_run_time: null,
      last_run_time: null,
      started_at: null,
      health: { state: 'unknown', consecutive_failures: 0, last_success_time: null, last_failure: null },
      temporal: { workflow_id: 'j', run_id: 'r', status: 'RUNNING' },
      details_unavailable: 'no worker answered',
    };
    expect(jobViewSchema.safeParse(row).success).toBe(true);
  });
});

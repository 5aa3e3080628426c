import { describe, expect, it } from 'vitest';
import {
  type JobSpec,
  type JobSubmission,
  type JobSubmissionInput,
  jobSubmissionSchema,
  toJobSpec as toJobSpecOf,
} from '../../src/domain/job-spec';
import { idempotencyKey } from '../../src/domain/job-state';
import { firstOccurrence } from '../../src/domain/schedule';

const ms = (text: string): number => Date.parse(text);
const iso = (value: number | null): string | null => (value === null ? null : new Date(value).toISOString());

const HTTP_PAYLOAD = { type: 'http', url: 'https://example.com/hook' } as const;
const HANDLER_PAYLOAD = { type: 'handler', name: 'demo.echo' } as const;

const DEFAULTS = {
  timezone: 'UTC',
  retry: { max_retries: 3, initial_interval: '1s', backoff_coefficient: 2 },
  timeout: '5m',
  heartbeat_timeout: '10s',
  misfire_policy: 'latest',
  catchup_window: '1h',
  max_catchup: 100,
  overlap_policy: 'skip',
  run_as: 'activity',
};

/** toJobSpec for the owner u003 (the API stamps the owner from the caller's API key). */
function toJobSpec(submission: JobSubmission, jobId: string, nowMs: number): JobSpec {
  return toJobSpecOf(submission, jobId, nowMs, 'u003');
}

function parse(input: JobSubmissionInput) {
  return jobSubmissionSchema.parse(input);
}

describe('jobSubmissionSchema defaults', () => {
  it('once, with an http payload: job and http defaults', () => {
    const job = parse({
      name: 'report',
      frequency: 'once',
      execution_time: '2026-01-01T09:00:00Z',
      payload: HTTP_PAYLOAD,
    });
    expect(job).toEqual({
      name: 'report',
      frequency: 'once',
      execution_time: '2026-01-01T09:00:00Z',
      payload: { type: 'http', url: 'https://example.com/hook', method: 'GET', headers: {}, timeout: '30s' },
      ...DEFAULTS,
    });
  });

  it('daily, with a handler payload: handler args default to {}', () => {
    const job = parse({
      name: 'digest',
      frequency: 'daily',
      execution_time: '2026-01-01T09:00:00+01:00',
      payload: HANDLER_PAYLOAD,
    });
    expect(job).toEqual({
      name: 'digest',
      frequency: 'daily',
      execution_time: '2026-01-01T09:00:00+01:00',
      payload: { type: 'handler', name: 'demo.echo', args: {} },
      ...DEFAULTS,
    });
  });

  it('cron', () => {
    const job = parse({
      name: 'tick',
      frequency: 'cron',
      cron: '*/5 * * * *',
      payload: HANDLER_PAYLOAD,
    });
    expect(job).toEqual({
      name: 'tick',
      frequency: 'cron',
      cron: '*/5 * * * *',
      payload: { type: 'handler', name: 'demo.echo', args: {} },
      ...DEFAULTS,
    });
  });

  it('interval', () => {
    const job = parse({ name: 'poll', frequency: 'interval', every: '15m', payload: HTTP_PAYLOAD });
    expect(job).toEqual({
      name: 'poll',
      frequency: 'interval',
      every: '15m',
      payload: { type: 'http', url: 'https://example.com/hook', method: 'GET', headers: {}, timeout: '30s' },
      ...DEFAULTS,
    });
  });

  it('interval: every is at least 1 s (one-second resolution); shorter ones are refused naming the field', () => {
    for (const every of ['1ms', '999ms']) {
      const result = jobSubmissionSchema.safeParse({ name: 'n', frequency: 'interval', every, payload: HTTP_PAYLOAD });
      expect(result.success).toBe(false);
      expect(result.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
        ['every', 'must be at least 1s (schedules have one-second resolution)'],
      ]);
    }
    for (const every of ['1s', '1000ms', '1500ms']) {
      expect(parse({ name: 'n', frequency: 'interval', every, payload: HTTP_PAYLOAD }).every).toBe(every);
    }
  });

  it('http headers: RFC 9110 token names, no CR/LF/NUL in values, no framing or hop-by-hop headers', () => {
    const job = (headers: Record<string, string>) =>
      jobSubmissionSchema.safeParse({
        name: 'n',
        frequency: 'interval',
        every: '1m',
        payload: { ...HTTP_PAYLOAD, headers },
      });
    const refused = (headers: Record<string, string>) =>
      job(headers).error?.issues.map((i) => [
        i.path.join('.'),
        (i.code === 'invalid_key' ? (i.issues[0]?.message ?? '') : i.message).split(';')[0],
      ]);
    expect(refused({ 'X-Token': 'a\r\nInjected: 1' })).toEqual([
      ['payload.headers.X-Token', 'header values may not hold control characters (CR, LF, NUL…)'],
    ]);
    expect(refused({ 'X-Token': 'a\u0000b' })?.[0]?.[0]).toBe('payload.headers.X-Token');
    expect(refused({ 'Bad Name': 'v' })?.[0]?.[0]).toBe('payload.headers.Bad Name');
    for (const name of ['Host', 'content-length', 'Transfer-Encoding', 'Connection', 'Upgrade']) {
      expect(refused({ [name]: 'x' }), name).toEqual([['payload.headers.' + name, 'is set by the HTTP client']]);
    }
    expect(job({ Authorization: 'Bearer abc', 'X-Tab': 'a\tb', 'Content-Type': 'text/plain' }).success).toBe(true);
  });

  it('names with control characters (NUL, CR, DEL, C1) are refused naming the field', () => {
    for (const name of ['a\u0000b', 'line\r\nbreak', 'del\u007f', 'c1\u0085']) {
      const result = jobSubmissionSchema.safeParse({ name, frequency: 'interval', every: '1m', payload: HTTP_PAYLOAD });
      expect(result.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
        ['name', 'must not contain control characters'],
      ]);
    }
    expect(
      parse({ name: 'Nächtlicher Bericht · 夜間', frequency: 'interval', every: '1m', payload: HTTP_PAYLOAD }).name,
    ).toBe('Nächtlicher Bericht · 夜間');
  });

  it('run_as local_activity: timeout at most 10s and no queue; each refusal names its field', () => {
    const job = { name: 'n', frequency: 'interval', every: '1m', payload: HTTP_PAYLOAD } as const;
    expect(parse({ ...job, run_as: 'local_activity', timeout: '10s' }).run_as).toBe('local_activity');
    const result = jobSubmissionSchema.safeParse({ ...job, run_as: 'local_activity', queue: 'heavy' });
    expect(result.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      [
        'queue',
        'is not allowed when run_as is "local_activity" (a local activity runs on the worker of the job\'s workflow)',
      ],
      ['timeout', 'must be at most 10s when run_as is "local_activity" (the default is 5m: set a shorter one)'],
    ]);
    expect(jobSubmissionSchema.safeParse({ ...job, run_as: 'lambda' }).error?.issues[0]?.path).toEqual(['run_as']);
    // The same limits do not apply to a regular activity.
    expect(parse({ ...job, queue: 'heavy', timeout: '1h' }).run_as).toBe('activity');
  });

  it('args nested deeper than 64 levels are refused naming the field, without overflowing the stack', () => {
    let deep: unknown = {};
    for (let i = 0; i < 5_000; i++) deep = { a: deep };
    const result = jobSubmissionSchema.safeParse({
      name: 'n',
      frequency: 'once',
      execution_time: '2030-01-01T00:00:00Z',
      payload: { ...HANDLER_PAYLOAD, args: deep },
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['payload.args', 'is nested more than 64 levels deep'],
    ]);
    let ok: unknown = 1;
    for (let i = 0; i < 64; i++) ok = [ok];
    expect(
      parse({
        name: 'n',
        frequency: 'once',
        execution_time: '2030-01-01T00:00:00Z',
        payload: { ...HANDLER_PAYLOAD, args: ok },
      }).payload,
    ).toMatchObject({ args: ok });
  });

  it('keeps given values instead of defaults', () => {
    const job = parse({
      name: '  spaced  ',
      frequency: 'cron',
      cron: '0 9 * * *',
      timezone: 'Europe/Berlin',
      payload: {
        type: 'http',
        url: 'https://example.com/hook',
        method: 'POST',
        headers: { 'x-a': '1' },
        body: { a: 1 },
      },
      retry: { max_retries: 0, initial_interval: '2s', backoff_coefficient: 1.5, max_interval: '1m' },
      timeout: '1h',
      heartbeat_timeout: '30s',
    });
    expect(job.name).toBe('spaced');
    expect(job.timezone).toBe('Europe/Berlin');
    expect(job.payload).toEqual({
      type: 'http',
      url: 'https://example.com/hook',
      method: 'POST',
      headers: { 'x-a': '1' },
      body: { a: 1 },
      timeout: '30s',
    });
    expect(job.retry).toEqual({ max_retries: 0, initial_interval: '2s', backoff_coefficient: 1.5, max_interval: '1m' });
    expect(job.timeout).toBe('1h');
    expect(job.heartbeat_timeout).toBe('30s');
  });
});

describe('toJobSpec', () => {
  const submission = parse({
    name: 'report',
    frequency: 'once',
    execution_time: '2026-01-01T09:00:00.987+02:00',
    payload: HTTP_PAYLOAD,
  });

  it('truncates execution_time to whole seconds and converts it to UTC', () => {
    const spec = toJobSpec(submission, 'job_1', ms('2026-01-01T00:00:00Z'));
    expect(spec.execution_time).toBe('2026-01-01T07:00:00.000Z');
  });

  it('stamps job_id, owner and created_at (UTC) and keeps the rest of the submission', () => {
    const spec = toJobSpec(submission, 'job_1', ms('2025-12-31T23:00:00Z'));
    expect(spec.job_id).toBe('job_1');
    expect(spec.user_id).toBe('u003');
    expect(spec.created_at).toBe('2025-12-31T23:00:00.000Z');
    expect(spec.payload).toEqual(submission.payload);
    expect(spec.retry).toEqual(submission.retry);
  });

  it('does not modify the submission it was given', () => {
    toJobSpec(submission, 'job_1', ms('2026-01-01T00:00:00Z'));
    expect(submission.execution_time).toBe('2026-01-01T09:00:00.987+02:00');
  });
});

describe('firstOccurrence', () => {
  it('weekly: the time of day of execution_time on the listed days, or on its own weekday by default', () => {
    // 2026-01-05 is a Monday; submitted after that Monday's 09:00.
    const weekly = (days?: ('mon' | 'wed')[]) =>
      toJobSpec(
        parse({
          name: 'n',
          frequency: 'weekly',
          execution_time: '2026-01-05T09:00:00Z',
          ...(days ? { days_of_week: days } : {}),
          payload: HANDLER_PAYLOAD,
        }),
        'job_1',
        ms('2026-01-05T10:00:00Z'),
      );
    expect(iso(firstOccurrence(weekly(['wed', 'mon'])))).toBe('2026-01-07T09:00:00.000Z');
    expect(iso(firstOccurrence(weekly()))).toBe('2026-01-12T09:00:00.000Z');
  });

  it('once in the past: that (past) time, i.e. at once', () => {
    const spec = toJobSpec(
      parse({
        name: 'n',
        frequency: 'once',
        execution_time: '2026-01-01T09:00:00Z',
        payload: HANDLER_PAYLOAD,
      }),
      'job_1',
      ms('2026-02-01T00:00:00Z'),
    );
    expect(iso(firstOccurrence(spec))).toBe('2026-01-01T09:00:00.000Z');
  });

  it('once in the future: that time', () => {
    const spec = toJobSpec(
      parse({
        name: 'n',
        frequency: 'once',
        execution_time: '2026-03-01T09:00:00Z',
        payload: HANDLER_PAYLOAD,
      }),
      'job_1',
      ms('2026-02-01T00:00:00Z'),
    );
    expect(iso(firstOccurrence(spec))).toBe('2026-03-01T09:00:00.000Z');
  });

  it('daily with execution_time in the past: the next such time of day after created_at', () => {
    const daily = parse({
      name: 'n',
      frequency: 'daily',
      execution_time: '2026-01-01T09:00:00Z',
      payload: HANDLER_PAYLOAD,
    });
    // Submitted after 09:00: tomorrow.
    expect(iso(firstOccurrence(toJobSpec(daily, 'job_1', ms('2026-01-05T10:00:00Z'))))).toBe(
      '2026-01-06T09:00:00.000Z',
    );
    // Submitted before 09:00: today.
    expect(iso(firstOccurrence(toJobSpec(daily, 'job_1', ms('2026-01-05T08:00:00Z'))))).toBe(
      '2026-01-05T09:00:00.000Z',
    );
  });

  it('daily with execution_time in the future: execution_time', () => {
    const daily = parse({
      name: 'n',
      frequency: 'daily',
      execution_time: '2026-03-01T09:00:00Z',
      payload: HANDLER_PAYLOAD,
    });
    expect(iso(firstOccurrence(toJobSpec(daily, 'job_1', ms('2026-01-05T10:00:00Z'))))).toBe(
      '2026-03-01T09:00:00.000Z',
    );
  });

  it('cron with execution_time in the future: the schedule starts there', () => {
    const cron = (execution_time: string) =>
      parse({
        name: 'n',
        frequency: 'cron',
        cron: '0 * * * *',
        execution_time,
        payload: HANDLER_PAYLOAD,
      });
    const created = ms('2026-01-05T10:00:00Z');
    expect(iso(firstOccurrence(toJobSpec(cron('2026-02-01T10:00:00Z'), 'job_1', created)))).toBe(
      '2026-02-01T10:00:00.000Z',
    );
    expect(iso(firstOccurrence(toJobSpec(cron('2026-02-01T10:30:00Z'), 'job_1', created)))).toBe(
      '2026-02-01T11:00:00.000Z',
    );
  });

  it('cron without execution_time: the first match at or after created_at', () => {
    const cron = parse({ name: 'n', frequency: 'cron', cron: '0 * * * *', payload: HANDLER_PAYLOAD });
    expect(iso(firstOccurrence(toJobSpec(cron, 'job_1', ms('2026-01-05T10:00:01Z'))))).toBe('2026-01-05T11:00:00.000Z');
  });

  it('interval without execution_time: created_at', () => {
    const interval = parse({ name: 'n', frequency: 'interval', every: '15m', payload: HANDLER_PAYLOAD });
    expect(iso(firstOccurrence(toJobSpec(interval, 'job_1', ms('2026-01-05T10:00:07Z'))))).toBe(
      '2026-01-05T10:00:07.000Z',
    );
  });

  it('interval with execution_time in the past: the next tick of its grid after created_at', () => {
    const interval = parse({
      name: 'n',
      frequency: 'interval',
      every: '15m',
      execution_time: '2026-01-05T09:00:00Z',
      payload: HANDLER_PAYLOAD,
    });
    expect(iso(firstOccurrence(toJobSpec(interval, 'job_1', ms('2026-01-05T10:07:00Z'))))).toBe(
      '2026-01-05T10:15:00.000Z',
    );
  });
});

describe('idempotencyKey', () => {
  it('is <job_id>:<scheduled time as UTC RFC 3339>, the same for every call', () => {
    const at = Date.parse('2026-03-08T07:00:00+01:00');
    expect(idempotencyKey('job_1', at)).toBe('job_1:2026-03-08T06:00:00.000Z');
    expect(idempotencyKey('job_1', at)).toBe(idempotencyKey('job_1', at));
  });
});

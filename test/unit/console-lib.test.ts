/**
 * The job console's pure logic (console/src/lib): schedule in words, success rate, problem+json
 * field errors mapped onto form fields, the form ↔ API body conversions, display formats.
 */
import { describe, expect, it } from 'vitest';
import { between, formatDuration, formatTime, isKnownTimeZone, relativeTime } from '../../console/src/lib/format';
import {
  emptyForm,
  FORM_FIELD_PATHS,
  formFromSpec,
  scheduleBody,
  scheduleReady,
  toPatch,
  toSubmission,
} from '../../console/src/lib/job-form';
import { mapFieldErrors, problemText } from '../../console/src/lib/problems';
import { cronInWords, describeSchedule, localTimeOfDay, localWeekday } from '../../console/src/lib/schedule-words';
import { formatRate, successRate } from '../../console/src/lib/success-rate';

describe('schedule in words', () => {
  it.each([
    [
      { frequency: 'daily', execution_time: '2026-11-24T02:00:00+08:00', timezone: 'Asia/Shanghai' },
      'at 02:00 every day, Asia/Shanghai',
    ],
    [{ frequency: 'daily', execution_time: '2026-11-24T02:00:30Z' }, 'at 02:00:30 every day, UTC'],
    [{ frequency: 'cron', cron: '0 2 * * *', timezone: 'Europe/Berlin' }, 'at 02:00, Europe/Berlin'],
    [{ frequency: 'cron', cron: '*/2 * * * * *' }, 'every 2 seconds, UTC'],
    [
      { frequency: 'cron', cron: '30 9 * * 1-5', timezone: 'America/New_York' },
      'at 09:30, Monday through Friday, America/New_York',
    ],
    [{ frequency: 'cron', cron: '@hourly' }, 'every hour, at minute 0, UTC'],
    [{ frequency: 'cron', cron: 'not a cron' }, 'cron not a cron, UTC'],
    [{ frequency: 'cron' }, 'cron (no expression)'],
    [{ frequency: 'interval', every: '2s' }, 'every 2s'],
    [{ frequency: 'interval' }, 'interval (no period set)'],
    [
      {
        frequency: 'weekly',
        execution_time: '2026-11-23T09:00:00+01:00',
        timezone: 'Europe/Berlin',
        days_of_week: ['mon', 'thu'],
      },
      'at 09:00 on Mon, Thu, Europe/Berlin',
    ],
    [
      { frequency: 'weekly', execution_time: '2026-11-23T09:00:00+01:00', timezone: 'Europe/Berlin' },
      'at 09:00 on Mon, Europe/Berlin',
    ],
    [
      { frequency: 'once', execution_time: '2026-11-24T02:00:00Z', timezone: 'Asia/Tokyo' },
      'once at 2026-11-24 11:00, Asia/Tokyo',
    ],
    [{ frequency: 'once' }, 'once (no time set)'],
    [{ frequency: 'daily', execution_time: 'yesterday' }, 'daily (no time set)'],
    [{ frequency: 'daily', execution_time: '2026-11-24T02:00:00Z', timezone: 'Mars/Base' }, 'daily (no time set)'],
  ])('%j → %s', (schedule, words) => {
    expect(describeSchedule(schedule)).toBe(words);
  });

  it('local time and weekday in a zone; null for bad input', () => {
    expect(localTimeOfDay('2026-03-08T07:23:00Z', 'America/New_York')).toBe('03:23');
    expect(localTimeOfDay('nope', 'UTC')).toBeNull();
    expect(localWeekday('2026-11-22T23:30:00Z', 'Asia/Shanghai')).toBe('mon');
    expect(localWeekday('2026-11-22T23:30:00Z', 'Nowhere/Zone')).toBeNull();
    expect(localWeekday('nope', 'UTC')).toBeNull();
    expect(cronInWords('0 0 1 1 *')).toMatch(/^at 00:00/);
    expect(cronInWords('61 * * * *')).toBeNull();
  });
});

describe('success rate of recent runs', () => {
  const entries = (statuses: string[]) => statuses.map((status) => ({ status }));
  it('counts only succeeded and failed, newest first, up to the limit', () => {
    expect(successRate(entries(['succeeded', 'skipped', 'failed', 'cancelled', 'succeeded']))).toEqual({
      succeeded: 2,
      failed: 1,
      runs: 3,
      rate: 2 / 3,
    });
    expect(successRate(entries(['failed', 'succeeded', 'succeeded']), 2)).toEqual({
      succeeded: 1,
      failed: 1,
      runs: 2,
      rate: 0.5,
    });
    expect(successRate(entries(Array(30).fill('succeeded'))).runs).toBe(20);
  });
  it('no runs: null rate, "no runs"; rates are rounded down', () => {
    expect(successRate(entries(['skipped']))).toEqual({ succeeded: 0, failed: 0, runs: 0, rate: null });
    expect(formatRate(successRate([]))).toBe('no runs');
    expect(formatRate(successRate(entries([...Array(199).fill('succeeded'), 'failed']), 200))).toBe('99 %');
  });
});

describe('problem details mapped onto form fields', () => {
  it('each error goes to its field, or to the nearest parent the form shows, or apart', () => {
    const mapped = mapFieldErrors(
      {
        status: 400,
        errors: [
          { field: 'cron', message: 'invalid cron expression' },
          { field: 'retry.max_retries', message: 'too big' },
          { field: 'payload.headers.X-Key', message: 'too long' },
          { field: 'cron', message: 'second message' },
          { field: 'body', message: 'is not an object' },
          { field: 'bogus', message: 'is not a known field' },
        ],
      },
      FORM_FIELD_PATHS,
    );
    expect(mapped.byField).toEqual({
      cron: ['invalid cron expression', 'second message'],
      'retry.max_retries': ['too big'],
      'payload.headers': ['X-Key: too long'],
    });
    expect(mapped.other).toEqual(['body: is not an object', 'bogus: is not a known field']);
  });
  it('a problem without field errors yields its detail; none yields nothing', () => {
    expect(mapFieldErrors({ status: 409, title: 'Conflict', detail: 'job ended' }, ['name']).other).toEqual([
      'job ended',
    ]);
    expect(mapFieldErrors(null, ['name'])).toEqual({ byField: {}, other: [] });
    expect(problemText({ title: 'Not found', detail: 'job not found' })).toBe('Not found: job not found');
    expect(problemText({ title: 'Invalid request', errors: [{ field: 'cron', message: 'bad' }] })).toBe(
      'Invalid request: cron bad',
    );
    expect(problemText(undefined, 'x')).toBe('x');
  });
});

describe('job form ↔ API bodies', () => {
  it('a new cron handler job: only the fields set, JSON args parsed, defaults left to the API', () => {
    const form = {
      ...emptyForm(),
      name: ' report ',
      cron: '*/5 * * * * *',
      every: 'stale',
      timezone: 'Europe/Berlin',
      handler_name: 'demo.echo',
      handler_args: '{"a": 1}',
      retry_max_retries: '2',
    };
    expect(toSubmission(form)).toEqual({
      body: {
        name: ' report ',
        frequency: 'cron',
        cron: '*/5 * * * * *',
        timezone: 'Europe/Berlin',
        misfire_policy: 'latest',
        overlap_policy: 'skip',
        run_as: 'activity',
        payload: { type: 'handler', name: 'demo.echo', args: { a: 1 } },
        retry: { max_retries: 2 },
      },
      errors: [],
    });
    expect(scheduleBody(form)).toEqual({ frequency: 'cron', cron: '*/5 * * * * *', timezone: 'Europe/Berlin' });
  });

  it('a preview waits for the field that defines the schedule', () => {
    expect(scheduleReady(emptyForm())).toBe(false);
    expect(scheduleReady({ ...emptyForm(), cron: '0 2 * * *' })).toBe(true);
    expect(scheduleReady({ ...emptyForm(), frequency: 'interval', cron: '0 2 * * *' })).toBe(false);
    expect(scheduleReady({ ...emptyForm(), frequency: 'interval', every: '2s' })).toBe(true);
    expect(scheduleReady({ ...emptyForm(), frequency: 'daily', execution_time: '2026-11-24T02:00:00Z' })).toBe(true);
  });

  it('bad JSON and numbers are reported under the API field names', () => {
    const form = {
      ...emptyForm(),
      payload_type: 'http' as const,
      http_url: 'https://x.test',
      http_headers: '{nope',
      max_runs: '1.5',
      retry_backoff_coefficient: 'two',
    };
    const { errors, body } = toSubmission(form);
    expect(errors).toEqual([
      { field: 'max_runs', message: 'must be a whole number' },
      { field: 'payload.headers', message: 'is not valid JSON' },
      { field: 'retry.backoff_coefficient', message: 'must be a number' },
    ]);
    expect(body.payload).toEqual({ type: 'http', method: 'GET', url: 'https://x.test' });
  });

  it('spec → form → PATCH round trip; cleared optional fields become null', () => {
    const spec = {
      name: 'n',
      frequency: 'weekly',
      execution_time: '2026-11-23T09:00:00Z',
      days_of_week: ['mon', 'thu'],
      timezone: 'UTC',
      jitter: '5m',
      payload: {
        type: 'http',
        method: 'POST',
        url: 'https://x.test/run',
        headers: {},
        body: { full: true },
        timeout: '30s',
      },
      retry: { max_retries: 3, initial_interval: '1s', backoff_coefficient: 2 },
      timeout: '5m',
      heartbeat_timeout: '10s',
      misfire_policy: 'skip',
      overlap_policy: 'buffer_one',
      run_as: 'local_activity',
      catchup_window: '1h',
      max_catchup: 100,
    };
    const form = formFromSpec(spec);
    expect(form).toMatchObject({
      run_as: 'local_activity',
      frequency: 'weekly',
      days_of_week: ['mon', 'thu'],
      payload_type: 'http',
      http_method: 'POST',
      http_headers: '',
      http_body: '{\n  "full": true\n}',
      retry_max_retries: '3',
      max_catchup: '100',
    });
    const patch = toPatch({ ...form, jitter: '' }, spec);
    expect(patch.errors).toEqual([]);
    expect(patch.body).toMatchObject({
      frequency: 'weekly',
      days_of_week: ['mon', 'thu'],
      jitter: null,
      payload: { type: 'http', method: 'POST', url: 'https://x.test/run', body: { full: true }, timeout: '30s' },
      retry: { max_retries: 3, initial_interval: '1s', backoff_coefficient: 2 },
    });
    expect(patch.body).not.toHaveProperty('cron');
    expect(formFromSpec({ payload: { type: 'handler', name: 'h', args: { x: 1 } } })).toMatchObject({
      frequency: 'cron',
      handler_name: 'h',
      handler_args: '{\n  "x": 1\n}',
    });
  });
});

describe('display formats', () => {
  it('times in UTC or a zone, durations, relative times', () => {
    expect(formatTime('2026-11-23T09:05:07.123Z')).toBe('2026-11-23 09:05:07');
    expect(formatTime('2026-11-23T09:05:07Z', 'Asia/Shanghai')).toBe('2026-11-23 17:05:07');
    expect(formatTime(null)).toBe('—');
    expect(formatTime('soon')).toBe('soon');
    expect(isKnownTimeZone('Europe/Berlin')).toBe(true);
    expect(isKnownTimeZone('Mars/Base')).toBe(false);
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(2_400)).toBe('2.4 s');
    expect(formatDuration(42_000)).toBe('42 s');
    expect(formatDuration(185_000)).toBe('3 min 5 s');
    expect(formatDuration(7_800_000)).toBe('2 h 10 min');
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(-1)).toBe('—');
    expect(between('2026-11-23T09:00:00Z', '2026-11-23T09:00:01.5Z')).toBe(1500);
    expect(between(null, 'x')).toBeNull();
    expect(between('x', 'y')).toBeNull();
    const now = Date.parse('2026-11-23T09:00:00Z');
    expect(relativeTime('2026-11-23T09:00:05Z', now)).toBe('in 5.0 s');
    expect(relativeTime('2026-11-23T08:57:00Z', now)).toBe('3 min ago');
    expect(relativeTime('2026-11-23T09:00:00.5Z', now)).toBe('now');
    expect(relativeTime(null, now)).toBe('—');
  });
});

/**
 * The job console's pure logic (console/src/lib): schedule in words, success rate (and its bar's
 * red and green parts), job health in words, the handler picker's list and warning, a run's output
 * and Temporal Web UI links, problem+json
 * field errors mapped onto form fields and put in plain language, the form's checks and its ↔ API
 * body conversions, display formats, clock-change notes of run times, refreshing while visible,
 * bulk actions' requests and summary, and the themes' colour contrast (styles.css).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bulkCall, summarizeBulk } from '../../console/src/lib/bulk';
import {
  clockChangeNotes,
  formatOffset,
  utcOffsetMinutes,
  zoneAbbreviation,
} from '../../console/src/lib/clock-changes';
import { contrastRatio, parseColor } from '../../console/src/lib/contrast';
import { between, formatDuration, formatTime, isKnownTimeZone, relativeTime } from '../../console/src/lib/format';
import {
  handlerListed,
  handlerListHint,
  handlerListUnavailable,
  handlerOptions,
  handlerWarning,
} from '../../console/src/lib/handlers';
import { HEALTH_STATES, healthSummary, healthTone, isHealthState } from '../../console/src/lib/health';
import {
  ALERT_EVENTS,
  checkForm,
  emptyForm,
  executionTimeText,
  FORM_FIELD_PATHS,
  formFromSpec,
  scheduleBody,
  scheduleReady,
  toPatch,
  toSubmission,
} from '../../console/src/lib/job-form';
import { FIELD_LABELS, fieldLabel, plainMessage, plainProblem } from '../../console/src/lib/messages';
import { startPolling, type VisibilitySource } from '../../console/src/lib/poll';
import { mapFieldErrors, problemText } from '../../console/src/lib/problems';
import { headerPairs, outputText, temporalHistoryUrl, temporalWorkflowUrl } from '../../console/src/lib/run-details';
import { cronInWords, describeSchedule, localTimeOfDay, localWeekday } from '../../console/src/lib/schedule-words';
import { formatRate, rateSegments, successRate } from '../../console/src/lib/success-rate';
import { SchedulerClient } from '../../src/client';

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
  it("the bar's parts: all failed is a full red part, not an empty bar", () => {
    expect(rateSegments(successRate(entries(['failed', 'failed'])))).toEqual({ succeeded: 0, failed: 100 });
    expect(rateSegments(successRate(entries(['succeeded', 'failed', 'failed'])))).toEqual({
      succeeded: 33,
      failed: 67,
    });
    expect(rateSegments(successRate(entries(['succeeded'])))).toEqual({ succeeded: 100, failed: 0 });
    expect(rateSegments(successRate(entries(['skipped'])))).toEqual({ succeeded: 0, failed: 0 });
  });
});

describe('job health in words', () => {
  const base = { consecutive_failures: 0, last_success_time: null, last_failure: null };
  it('the states of the API, a tone each (failing red)', () => {
    expect([...HEALTH_STATES].sort()).toEqual(['failing', 'late', 'ok', 'unknown']);
    expect(HEALTH_STATES.map(healthTone)).toEqual(['bad', 'warn', 'good', 'neutral']);
    expect(healthTone('something else')).toBe('neutral');
    expect(isHealthState('failing')).toBe(true);
    expect(isHealthState('FAILING')).toBe(false);
    expect(isHealthState('')).toBe(false);
  });
  it('failing names the runs in a row, the error when known, the last success', () => {
    const failing = {
      ...base,
      state: 'failing',
      consecutive_failures: 3,
      last_failure: {
        scheduled_time: '2026-11-23T09:00:00Z',
        error: { type: 'HandlerError', message: 'boom', non_retryable: false },
      },
    };
    expect(healthSummary(failing)).toBe(
      'Failing: the last 3 runs failed (latest HandlerError: boom). No run has succeeded yet.',
    );
    expect(
      healthSummary({
        ...failing,
        consecutive_failures: 1,
        last_failure: { scheduled_time: '2026-11-23T09:00:00Z', error: null },
        last_success_time: '2026-11-23T08:00:01.500Z',
      }),
    ).toBe('Failing: the last run failed. Last success: 2026-11-23 08:00:01 UTC.');
  });
  it('late says which rule; ok and unknown', () => {
    const late = { ...base, state: 'late', last_success_time: '2026-11-23T08:00:00Z' };
    expect(healthSummary(late, { expected_within: '1h' })).toBe(
      'Late: no run succeeded within 1h. Last success: 2026-11-23 08:00:00 UTC.',
    );
    expect(healthSummary(late, { expected_within: '1h', max_lateness: '5m' })).toMatch(
      /^Late: no run succeeded within 1h, or a run started more than 5m after its scheduled time\./,
    );
    expect(healthSummary(late)).toMatch(/^Late: runs are not succeeding on time\./);
    expect(healthSummary({ ...late, state: 'ok' })).toBe(
      'OK: the last run succeeded on time. Last success: 2026-11-23 08:00:00 UTC.',
    );
    expect(healthSummary({ ...base, state: 'unknown' })).toBe('Unknown: no run has ended yet.');
  });
});

describe('the handler picker', () => {
  const workers = {
    task_queue: 'q',
    handlers: ['demo.echo', 'demo.fail', 'demo.sleep'],
    source: 'workers' as const,
  };
  const config = { task_queue: 'q', handlers: ['demo.echo', 'reports.*'], source: 'config' as const };
  it('names and prefix patterns', () => {
    expect(handlerListed('demo.echo', workers.handlers)).toBe(true);
    expect(handlerListed('demo.ech', workers.handlers)).toBe(false);
    expect(handlerListed('reports.daily', config.handlers)).toBe(true);
    expect(handlerListed('report', config.handlers)).toBe(false);
    expect(handlerOptions(workers)).toEqual(['demo.echo', 'demo.fail', 'demo.sleep']);
    expect(handlerOptions(config)).toEqual(['demo.echo', 'reports.']);
    expect(handlerOptions(null)).toEqual([]);
  });
  it('a warning, in plain language, only for a typed name not in the list', () => {
    expect(handlerWarning('', workers)).toBeNull();
    expect(handlerWarning('demo.echo', workers)).toBeNull();
    expect(handlerWarning('demo.nope', null)).toBeNull();
    expect(handlerWarning(' demo.nope ', workers)).toBe(
      'No worker of task queue "q" has a handler named "demo.nope": its runs would fail unless a worker adds it. ' +
        'Pick a name from the list or check the spelling.',
    );
    expect(handlerWarning('reports.x', config)).toBeNull();
    expect(handlerWarning('other', config)).toMatch(/^"other" is not one of the handler names this API accepts/);
    expect(handlerWarning('x', { ...workers, handlers: [] })).toMatch(/register no handler/);
  });
  it('the hint under the field: the names, or why there are none', () => {
    expect(handlerListHint(workers, null)).toBe(
      'Handlers the workers of "q" register: demo.echo, demo.fail, demo.sleep.',
    );
    expect(handlerListHint(config, null)).toMatch(/^Names this API accepts: demo.echo, reports\. \(a name ending/);
    expect(handlerListHint(null, 'No worker answered.')).toBe("No worker answered. Type the handler's name.");
    expect(handlerListHint(null, null)).toBe('Loading the handler names…');
    expect(handlerListUnavailable(404, 'reports', 'x')).toBe(
      'No worker polls task queue "reports", so its handler names are not known.',
    );
    expect(handlerListUnavailable(503, '', 'x')).toBe(
      'No worker of this task queue answered, so its handler names are not known.',
    );
    expect(handlerListUnavailable(403, 'q', 'x')).toBe('This API key may not use task queue "q".');
    expect(handlerListUnavailable(null, '', 'TypeError: fetch failed')).toBe(
      'The handler names could not be read (TypeError: fetch failed).',
    );
    const many = { ...workers, handlers: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'] };
    expect(handlerListHint(many, null)).toBe('Handlers the workers of "q" register: a, b, c, d, e and 3 more.');
  });
});

describe('a run, expanded', () => {
  it('output as pretty JSON, or the cut text as it is; none when absent', () => {
    expect(outputText({ output: { a: [1, 2] } })).toEqual({
      text: '{\n  "a": [\n    1,\n    2\n  ]\n}',
      truncated: false,
    });
    expect(outputText({ output: null })).toEqual({ text: 'null', truncated: false });
    expect(outputText({ output: '{"a": "xxx', output_truncated: true })).toEqual({
      text: '{"a": "xxx',
      truncated: true,
    });
    expect(outputText({})).toBeNull();
  });
  it("HTTP headers sorted; links to the workflow and to one run's events in the Temporal Web UI", () => {
    expect(headerPairs({ 'x-request-id': '1', 'content-type': 'text/plain' })).toEqual([
      ['content-type', 'text/plain'],
      ['x-request-id', '1'],
    ]);
    expect(headerPairs(undefined)).toEqual([]);
    const ui = { temporal_ui_url: 'http://localhost:8233', namespace: 'default' };
    expect(temporalWorkflowUrl(ui, 'job_1')).toBe('http://localhost:8233/namespaces/default/workflows/job_1');
    expect(temporalHistoryUrl(ui, 'job_1', 'run/1')).toBe(
      'http://localhost:8233/namespaces/default/workflows/job_1/run%2F1/history',
    );
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
    expect(
      problemText({
        title: 'Invalid request',
        errors: [
          { field: 'cron', message: 'never fires' },
          { field: 'payload.args', message: 'is not valid JSON' },
        ],
      }),
    ).toBe(
      'Invalid request: Cron expression: This cron expression never runs: no date matches it. ' +
        'Args: Enter valid JSON, e.g. {"key": "value"} (keys and strings in double quotes).',
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

  it('health rules and alerts: sent only when set; notify only when it differs from the default', () => {
    const form = { ...emptyForm(), name: 'n', cron: '* * * * *', handler_name: 'demo.echo' };
    expect(form.notify_events).toEqual([...ALERT_EVENTS]);
    const plain = toSubmission(form).body;
    for (const key of ['expected_within', 'max_lateness', 'notify']) expect(plain).not.toHaveProperty(key);
    expect(
      toSubmission({
        ...form,
        expected_within: ' 1h ',
        max_lateness: '5m',
        notify_url: 'https://hooks.test/a',
      }).body,
    ).toMatchObject({ expected_within: '1h', max_lateness: '5m', notify: { url: 'https://hooks.test/a' } });
    expect(toSubmission({ ...form, notify_url: 'https://hooks.test/a' }).body.notify).toEqual({
      url: 'https://hooks.test/a',
    });
    expect(toSubmission({ ...form, notify_events: ['recovered', 'failed'] }).body.notify).toEqual({
      events: ['failed', 'recovered'],
    });
    expect(toSubmission({ ...form, notify_events: [] }).body.notify).toEqual({ events: [] });

    const spec = {
      name: 'n',
      frequency: 'cron',
      cron: '* * * * *',
      payload: { type: 'handler', name: 'demo.echo' },
      expected_within: '1h',
      notify: { url: 'https://hooks.test/a', events: ['late', 'failed'] },
    };
    const edited = formFromSpec(spec);
    expect(edited).toMatchObject({
      expected_within: '1h',
      max_lateness: '',
      notify_url: 'https://hooks.test/a',
      notify_events: ['failed', 'late'],
    });
    expect(formFromSpec({}).notify_events).toEqual([...ALERT_EVENTS]);
    // Cleared in the form: removed by the PATCH.
    const cleared = toPatch(
      { ...edited, expected_within: '', notify_url: '', notify_events: [...ALERT_EVENTS] },
      spec,
    ).body;
    expect(cleared).toMatchObject({ expected_within: null, notify: null });
    expect(cleared).not.toHaveProperty('max_lateness');
    expect(toPatch(edited, spec).body).toMatchObject({
      expected_within: '1h',
      notify: { url: 'https://hooks.test/a', events: ['failed', 'late'] },
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

describe('validation messages in plain language', () => {
  it.each([
    ['name', 'Too small: expected string to have >=1 characters', 'Enter a name.'],
    ['payload.name', 'Too small: expected string to have >=1 characters', 'Enter a handler name.'],
    ['payload.url', 'Invalid input: expected string, received undefined', 'Enter a URL.'],
    ['cron', 'is required when frequency is "cron"', 'Enter a cron expression.'],
    ['execution_time', 'is required when frequency is "once"', 'Enter when it runs ("Run at").'],
    ['name', 'Too big: expected string to have <=200 characters', 'Use at most 200 characters.'],
    ['max_runs', 'Too small: expected number to be >=1', 'Enter a number of at least 1.'],
    ['max_catchup', 'Too big: expected number to be <=10000', 'Enter a number of at most 10000.'],
    ['max_runs', 'Invalid input: expected int, received number', 'Enter a whole number.'],
    ['payload.method', 'Invalid option: expected one of "GET"|"POST"|"HEAD"', 'Choose one of: GET, POST, HEAD.'],
    ['days_of_week', 'Too small: expected array to have >=1 items', 'Choose at least 1.'],
    ['every', 'is not allowed when frequency is "cron"', 'Leave this empty: a cron schedule does not use it.'],
    ['days_of_week', 'is not allowed when frequency is "daily"', 'Only weekly schedules have days of the week.'],
    [
      'start_at',
      'must be an RFC 3339 date-time with a zone, e.g. 2026-01-01T09:00:00Z',
      'Enter a date and time with its UTC offset, e.g. 2026-01-01T09:00:00Z or 2026-01-01T10:00:00+01:00.',
    ],
    [
      'jitter',
      'must be a duration like "90s", "15m" or "1h30m" (units ms, s, m, h, d)',
      'Enter a duration such as 90s, 15m or 1h30m (units ms, s, m, h, d).',
    ],
    ['end_at', 'must be after start_at', 'Enter a time after "Starts at".'],
    [
      'timezone',
      'unknown IANA time zone "Mars/Base"',
      '"Mars/Base" is not a time zone: use an IANA name such as Europe/Berlin.',
    ],
    ['queue', 'only letters, digits and . _ : @ - are allowed', 'Use only letters, digits and . _ : @ -.'],
    [
      'payload.url',
      'must be an absolute http:// or https:// URL',
      'Enter a full URL starting with http:// or https://.',
    ],
    [
      'cron',
      'is not a valid cron expression: CronPattern: Invalid value for minute: 61',
      'This is not a valid cron expression (invalid value for minute: 61).',
    ],
    [
      'cron',
      'must have 5 or 6 fields (seconds first), found 3',
      'A cron expression has 5 fields (minute hour day month weekday), or 6 with seconds first; this one has 3.',
    ],
    ['cron', 'never fires', 'This cron expression never runs: no date matches it.'],
    ['timeout', 'is set by the worker pool', 'Attempt timeout is set by the worker pool.'],
    [
      'run_as',
      'must be at most 10s when run_as is "local_activity"',
      'Runs as must be at most 10s when "Runs as" is "local_activity".',
    ],
    [
      'payload.headers.X-Key',
      'header values may not hold control characters',
      'Header values may not hold control characters.',
    ],
  ])('%s: %s → %s', (field, message, plain) => {
    expect(plainMessage(field, message)).toBe(plain);
  });

  it('no validator wording is left in what a user reads', () => {
    const zod = [
      'Too small: expected string to have >=1 characters',
      'Too big: expected number to be <=100',
      'Invalid input: expected number, received string',
      'Invalid option: expected one of "skip"|"latest"',
    ];
    for (const field of Object.keys(FIELD_LABELS)) {
      for (const message of zod) expect(plainMessage(field, message)).not.toMatch(/expected|received|Too (small|big)/);
    }
  });

  it('labels follow the form; a problem keeps its shape', () => {
    expect(fieldLabel('retry.max_retries')).toBe('Max retries');
    expect(fieldLabel('payload.headers.X-Key')).toBe('Headers (X-Key)');
    expect(fieldLabel('unknown')).toBe('unknown');
    expect(
      plainProblem({
        status: 400,
        title: 'Invalid request',
        errors: [{ field: 'name', message: 'Too small: expected string to have >=1 characters' }],
      }),
    ).toEqual({ status: 400, title: 'Invalid request', errors: [{ field: 'name', message: 'Enter a name.' }] });
    expect(plainProblem({ status: 404, detail: 'job not found' })).toEqual({ status: 404, detail: 'job not found' });
  });
});

describe("the form's own checks", () => {
  it('every field at once: a bad JSON args does not hide the empty name and handler', () => {
    const form = { ...emptyForm(), cron: '0 2 * * *', handler_args: '{nope', max_runs: '1.5', jitter: '5 minutes' };
    expect(checkForm(form)).toEqual([
      { field: 'name', message: 'Enter a name.' },
      { field: 'max_runs', message: 'Enter a whole number.' },
      { field: 'jitter', message: 'Enter a duration such as 90s, 15m or 1h30m (units ms, s, m, h, d).' },
      { field: 'payload.name', message: 'Enter a handler name.' },
      {
        field: 'payload.args',
        message: 'Enter valid JSON, e.g. {"key": "value"} (keys and strings in double quotes).',
      },
    ]);
  });

  it('the field of the frequency, date-times, URLs; a complete form passes', () => {
    const once = { ...emptyForm(), name: 'n', frequency: 'once', handler_name: 'demo.echo' };
    expect(checkForm(once)).toEqual([{ field: 'execution_time', message: 'Enter when it runs ("Run at").' }]);
    expect(checkForm({ ...once, execution_time: '2026-01-01 09:00' })[0]?.message).toMatch(/^Enter a date and time/);
    expect(checkForm({ ...once, execution_time: '2026-01-01T09:00:00+01:00' })).toEqual([]);
    expect(checkForm({ ...once, frequency: 'interval' })).toEqual([
      { field: 'every', message: 'Enter how often it runs, e.g. 15m.' },
    ]);
    const http = { ...emptyForm(), name: 'n', cron: '* * * * *', payload_type: 'http' as const };
    expect(checkForm(http)).toEqual([{ field: 'payload.url', message: 'Enter a URL.' }]);
    expect(checkForm({ ...http, http_url: 'ftp://x.test' })[0]?.message).toBe(
      'Enter a full URL starting with http:// or https://.',
    );
    expect(checkForm({ ...http, http_url: 'https://x.test/run', http_headers: '{"a": 1}' })).toEqual([]);
  });

  it('health durations and the alert URL, in plain language', () => {
    const form = { ...emptyForm(), name: 'n', cron: '* * * * *', handler_name: 'demo.echo' };
    expect(checkForm({ ...form, expected_within: 'a day', max_lateness: '5 min', notify_url: 'hooks.test' })).toEqual([
      { field: 'expected_within', message: 'Enter a duration such as 90s, 15m or 1h30m (units ms, s, m, h, d).' },
      { field: 'max_lateness', message: 'Enter a duration such as 90s, 15m or 1h30m (units ms, s, m, h, d).' },
      { field: 'notify.url', message: 'Enter a full URL starting with http:// or https://.' },
    ]);
    expect(checkForm({ ...form, expected_within: '26h', notify_url: 'https://hooks.test/a' })).toEqual([]);
    expect(fieldLabel('notify.events.0')).toBe('Alert on (0)');
    expect(plainMessage('notify.events', 'must not repeat an event')).toBe('Choose each event once.');
  });

  it('"Run at" is the run, "Starts at" the window: no frequency calls execution_time a start', () => {
    expect(executionTimeText('once').label).toBe('Run at');
    expect(executionTimeText('daily').label).toBe('Run at');
    expect(executionTimeText('weekly').label).toBe('Run at');
    for (const f of ['once', 'daily', 'weekly', 'cron', 'interval']) {
      expect(executionTimeText(f).label).not.toMatch(/start/i);
    }
    expect(FIELD_LABELS.start_at).toBe('Starts at');
    expect(FIELD_LABELS.execution_time).toBe('Run at');
  });
});

describe('clock changes around run times', () => {
  it('offsets and zone names from Intl', () => {
    expect(utcOffsetMinutes(Date.parse('2027-07-01T12:00:00Z'), 'Europe/Berlin')).toBe(120);
    expect(utcOffsetMinutes(Date.parse('2027-01-01T12:00:00Z'), 'Europe/Berlin')).toBe(60);
    expect(utcOffsetMinutes(Date.parse('2027-01-01T12:00:00Z'), 'Asia/Kolkata')).toBe(330);
    expect(utcOffsetMinutes(Date.parse('2027-07-01T12:00:00Z'), 'America/New_York')).toBe(-240);
    expect(utcOffsetMinutes(0, 'UTC')).toBe(0);
    expect(formatOffset(330)).toBe('UTC+5:30');
    expect(formatOffset(-240)).toBe('UTC-4');
    expect(zoneAbbreviation(Date.parse('2027-07-01T12:00:00Z'), 'Europe/Berlin')).toBe('CEST');
    expect(zoneAbbreviation(Date.parse('2027-07-01T12:00:00Z'), 'America/New_York')).toBe('EDT');
    expect(zoneAbbreviation(Date.parse('2027-07-01T12:00:00Z'), 'Asia/Kolkata')).toBe('UTC+5:30');
  });

  it('clocks go forward: the run whose offset changed says so, in local time', () => {
    // 02:30 every day in Berlin: on 2027-03-28 02:30 does not exist; the run is at 03:30 CEST.
    const runs = ['2027-03-26T01:30:00Z', '2027-03-27T01:30:00Z', '2027-03-28T01:30:00Z', '2027-03-29T00:30:00Z'];
    expect(clockChangeNotes(runs, 'Europe/Berlin')).toEqual([
      null,
      null,
      'Clocks change on 2027-03-28: this run is at 03:30 CEST',
      null,
    ]);
    // New York's change is on 2027-03-14 (a weekly run sees it days later).
    expect(clockChangeNotes(['2027-03-10T14:00:00Z', '2027-03-17T13:00:00Z'], 'America/New_York')).toEqual([
      null,
      'Clocks change on 2027-03-14: this run is at 09:00 EDT',
    ]);
  });

  it('clocks go back: a repeated local time is named, first or second', () => {
    const runs = ['2027-10-30T00:30:00Z', '2027-10-31T00:30:00Z', '2027-10-31T01:30:00Z', '2027-11-01T01:30:00Z'];
    expect(clockChangeNotes(runs, 'Europe/Berlin')).toEqual([
      null,
      '02:30 happens twice on 2027-10-31 (clocks go back): this run is the first, at 02:30 CEST',
      'Clocks change on 2027-10-31: this run is at 02:30 CET. ' +
        '02:30 happens twice on 2027-10-31 (clocks go back): this run is the second, at 02:30 CET',
      null,
    ]);
  });

  it('a first run within a day after a change is noted; UTC, fixed zones and bad input never are', () => {
    expect(clockChangeNotes(['2027-03-28T01:30:00Z'], 'Europe/Berlin')).toEqual([
      'Clocks change on 2027-03-28: this run is at 03:30 CEST',
    ]);
    expect(clockChangeNotes(['2027-03-29T01:30:00Z'], 'Europe/Berlin')).toEqual([null]);
    expect(clockChangeNotes(['2027-03-28T01:30:00Z', '2027-10-31T01:30:00Z'], 'UTC')).toEqual([null, null]);
    expect(clockChangeNotes(['2027-03-01T00:00:00Z', '2027-11-01T00:00:00Z'], 'Asia/Kolkata')).toEqual([null, null]);
    expect(clockChangeNotes(['2027-03-28T01:30:00Z'], 'Mars/Base')).toEqual([null]);
    expect(clockChangeNotes(['soon'], 'Europe/Berlin')).toEqual([null]);
  });
});

describe('refreshing while the page is visible', () => {
  class FakeDocument extends EventTarget implements VisibilitySource {
    visibilityState = 'visible';
    set(state: 'visible' | 'hidden') {
      this.visibilityState = state;
      this.dispatchEvent(new Event('visibilitychange'));
    }
  }
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('every interval while visible; none while hidden; at once when shown again; never after stop', async () => {
    const doc = new FakeDocument();
    const refresh = vi.fn(async () => {});
    const stop = startPolling(refresh, { intervalMs: 5000, visibility: doc });
    await vi.advanceTimersByTimeAsync(4999);
    expect(refresh).toHaveBeenCalledTimes(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(refresh).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(refresh).toHaveBeenCalledTimes(3);
    doc.set('hidden');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(refresh).toHaveBeenCalledTimes(3);
    doc.set('visible');
    await vi.advanceTimersByTimeAsync(0);
    expect(refresh).toHaveBeenCalledTimes(4);
    await vi.advanceTimersByTimeAsync(5000);
    expect(refresh).toHaveBeenCalledTimes(5);
    stop();
    doc.set('hidden');
    doc.set('visible');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(refresh).toHaveBeenCalledTimes(5);
  });

  it('the next refresh waits for a slow one to end; a failing one does not stop the polling', async () => {
    const doc = new FakeDocument();
    let calls = 0;
    const refresh = vi.fn(async () => {
      calls++;
      await new Promise((resolve) => setTimeout(resolve, 8000));
      if (calls === 1) throw new Error('API down');
    });
    const stop = startPolling(refresh, { intervalMs: 5000, visibility: doc });
    await vi.advanceTimersByTimeAsync(5000 + 8000 + 4999);
    expect(refresh).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(refresh).toHaveBeenCalledTimes(2);
    // Shown again while a refresh runs: no second one at the same time.
    doc.set('visible');
    expect(refresh).toHaveBeenCalledTimes(2);
    stop();
  });

  it('a document hidden from the start refreshes only once it shows', async () => {
    const doc = new FakeDocument();
    doc.visibilityState = 'hidden';
    const refresh = vi.fn();
    const stop = startPolling(refresh, { intervalMs: 5000, visibility: doc });
    await vi.advanceTimersByTimeAsync(30_000);
    expect(refresh).not.toHaveBeenCalled();
    doc.set('visible');
    await vi.advanceTimersByTimeAsync(0);
    expect(refresh).toHaveBeenCalledTimes(1);
    stop();
  });
});

describe('bulk actions on jobs', () => {
  it('each action calls the per-job route through the client', async () => {
    const seen: string[] = [];
    const client = new SchedulerClient({
      baseUrl: '',
      retry: false,
      fetch: async (input, init) => {
        seen.push(`${init?.method} ${String(input)}`);
        return new Response(JSON.stringify({ status: 'paused' }), { status: 200 });
      },
    });
    expect(await bulkCall(client, 'pause', 'job_1')).toBe('paused');
    await bulkCall(client, 'resume', 'job_1');
    await bulkCall(client, 'cancel', 'a/b');
    expect(seen).toEqual(['POST /jobs/job_1/pause', 'POST /jobs/job_1/resume', 'DELETE /jobs/a%2Fb']);
  });

  it('a summary of what succeeded and what failed', () => {
    const ok = (name: string, status?: string) => ({ job_id: name, name, ok: true, status });
    const failed = (name: string, error: string) => ({ job_id: name, name, ok: false, error });
    expect(summarizeBulk('pause', [ok('a', 'paused'), ok('b', 'paused')])).toEqual({
      kind: 'success',
      text: 'Paused 2 jobs.',
    });
    expect(summarizeBulk('resume', [ok('a')]).text).toBe('Resumed 1 job.');
    expect(summarizeBulk('cancel', [ok('a', 'cancelled'), ok('b', 'running')]).text).toBe(
      'Cancelled 2 jobs (1 still ending).',
    );
    expect(summarizeBulk('pause', [ok('a'), failed('b', 'Conflict: the job has ended')])).toEqual({
      kind: 'error',
      text: 'Paused 1 of 2 jobs. Failed: b (Conflict: the job has ended).',
    });
    expect(summarizeBulk('cancel', [failed('a', 'x'), failed('b', 'y')])).toEqual({
      kind: 'error',
      text: 'Could not cancel 2 jobs: a (x); b (y).',
    });
    expect(summarizeBulk('pause', []).text).toBe('No job selected.');
  });
});

describe('colour contrast of the themes', () => {
  it('WCAG ratios and the colours getComputedStyle answers', () => {
    expect(contrastRatio('#000', '#fff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#767676', '#ffffff')).toBeCloseTo(4.54, 2);
    expect(contrastRatio('rgb(242, 169, 0)', 'rgb(246, 248, 250)')).toBeCloseTo(1.89, 2);
    expect(parseColor('rgba(0, 0, 0, 0.5)')).toEqual({ r: 0, g: 0, b: 0, a: 0.5 });
    expect(parseColor('rgb(1 2 3 / 50%)')).toEqual({ r: 1, g: 2, b: 3, a: 0.5 });
    expect(parseColor('oklch(0.5 0.1 100)')).toBeNull();
    expect(contrastRatio('rgba(0, 0, 0, 0)', '#fff')).toBeCloseTo(1, 5);
    expect(() => contrastRatio('nope', '#fff')).toThrow(/not a colour/);
  });

  /** The custom properties of styles.css: the light theme (:root), and the dark one over it. */
  function themes(): Record<'light' | 'dark', Record<string, string>> {
    const css = readFileSync(join(__dirname, '..', '..', 'console', 'src', 'styles.css'), 'utf8');
    const props = (block: string) =>
      Object.fromEntries([...block.matchAll(/(--[\w-]+):\s*([^;]+);/g)].map((m) => [m[1], (m[2] ?? '').trim()]));
    const light = props(css.slice(css.indexOf(':root {'), css.indexOf('}', css.indexOf(':root {'))));
    const darkStart = css.indexOf('@media (prefers-color-scheme: dark)');
    const dark = { ...light, ...props(css.slice(darkStart, css.indexOf('}\n}', darkStart))) };
    return { light, dark };
  }

  it.each(['light', 'dark'] as const)('%s: text ≥ 4.5:1, focus ring ≥ 3:1 on every background it sits on', (name) => {
    const t = themes()[name];
    const c = (fg: string, bg: string) => contrastRatio(t[fg] as string, t[bg] as string);
    for (const bg of ['--bg', '--card', '--th-bg']) {
      expect(c('--fg', bg), `--fg on ${bg}`).toBeGreaterThanOrEqual(4.5);
      expect(c('--muted', bg), `--muted on ${bg}`).toBeGreaterThanOrEqual(4.5);
      expect(c('--accent', bg), `--accent on ${bg}`).toBeGreaterThanOrEqual(4.5);
      expect(c('--focus', bg), `--focus on ${bg}`).toBeGreaterThanOrEqual(3);
    }
    expect(c('--topbar-fg', '--topbar-bg')).toBeGreaterThanOrEqual(4.5);
    expect(c('--topbar-focus', '--topbar-bg')).toBeGreaterThanOrEqual(3);
    expect(c('--accent-fg', '--accent-bg')).toBeGreaterThanOrEqual(4.5);
    expect(c('--control-border', '--bg')).toBeGreaterThanOrEqual(3);
    for (const [fg, bg] of [
      ['--good', '--good-bg'],
      ['--warn', '--warn-bg'],
      ['--bad', '--bad-bg'],
      ['--pending', '--pending-bg'],
      ['--running', '--running-bg'],
      ['--ended', '--ended-bg'],
      ['--success-fg', '--good-bg'],
      ['--warn', '--card'],
      // A failing job's row is tinted: its text, muted text and links stay readable.
      ['--fg', '--bad-bg'],
      ['--muted', '--bad-bg'],
      ['--accent', '--bad-bg'],
      ['--fg', '--warn-bg'],
      ['--bad', '--bg'],
      ['--warn', '--bg'],
    ] as const) {
      expect(c(fg, bg), `${fg} on ${bg}`).toBeGreaterThanOrEqual(4.5);
    }
  });
});

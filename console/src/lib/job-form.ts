/**
 * The create / edit form's model: every field of a job submission as text (what the inputs hold),
 * and the conversions form → `POST /jobs` body, form → `PATCH /jobs/{id}` body, form →
 * `POST /schedules/preview` body, and job spec → form. The API validates; the console parses what
 * must be parsed to be sent (JSON and numbers) and checks every field's presence and shape at once
 * before a submit ({@link checkForm}), reporting under the API's field names, so every message sits
 * next to its input the same way.
 */
import { plainMessage } from './messages';
import type { FieldProblem } from './problems';

/** Alert events a job can send (`notify.events`), in the order the form lists them. */
export const ALERT_EVENTS = ['failed', 'recovered', 'late', 'missed'] as const;

/** The form's values: text as typed (numbers and JSON too), `days_of_week` and `notify_events` as checked boxes. */
export interface JobForm {
  name: string;
  frequency: string;
  execution_time: string;
  cron: string;
  every: string;
  days_of_week: string[];
  timezone: string;
  start_at: string;
  end_at: string;
  max_runs: string;
  jitter: string;
  misfire_policy: string;
  catchup_window: string;
  max_catchup: string;
  overlap_policy: string;
  run_as: string;
  queue: string;
  payload_type: 'handler' | 'http';
  handler_name: string;
  handler_args: string;
  http_method: string;
  http_url: string;
  http_headers: string;
  http_body: string;
  http_timeout: string;
  retry_max_retries: string;
  retry_initial_interval: string;
  retry_backoff_coefficient: string;
  retry_max_interval: string;
  timeout: string;
  heartbeat_timeout: string;
  expected_within: string;
  max_lateness: string;
  notify_url: string;
  notify_events: string[];
}

/** Form key → the API's field path (as `errors[].field` names it). */
export const FIELD_PATHS: Record<keyof JobForm, string> = {
  name: 'name',
  frequency: 'frequency',
  execution_time: 'execution_time',
  cron: 'cron',
  every: 'every',
  days_of_week: 'days_of_week',
  timezone: 'timezone',
  start_at: 'start_at',
  end_at: 'end_at',
  max_runs: 'max_runs',
  jitter: 'jitter',
  misfire_policy: 'misfire_policy',
  catchup_window: 'catchup_window',
  max_catchup: 'max_catchup',
  overlap_policy: 'overlap_policy',
  run_as: 'run_as',
  queue: 'queue',
  payload_type: 'payload.type',
  handler_name: 'payload.name',
  handler_args: 'payload.args',
  http_method: 'payload.method',
  http_url: 'payload.url',
  http_headers: 'payload.headers',
  http_body: 'payload.body',
  http_timeout: 'payload.timeout',
  retry_max_retries: 'retry.max_retries',
  retry_initial_interval: 'retry.initial_interval',
  retry_backoff_coefficient: 'retry.backoff_coefficient',
  retry_max_interval: 'retry.max_interval',
  timeout: 'timeout',
  heartbeat_timeout: 'heartbeat_timeout',
  expected_within: 'expected_within',
  max_lateness: 'max_lateness',
  notify_url: 'notify.url',
  notify_events: 'notify.events',
};

/** Every API field path the form shows, plus the parents errors may name (`payload`, `retry`, `notify`). */
export const FORM_FIELD_PATHS: readonly string[] = [...Object.values(FIELD_PATHS), 'payload', 'retry', 'notify'];

/** An empty form: a handler job, UTC, the API's defaults left blank (the API fills them), every alert event. */
export function emptyForm(): JobForm {
  return {
    name: '',
    frequency: 'cron',
    execution_time: '',
    cron: '',
    every: '',
    days_of_week: [],
    timezone: 'UTC',
    start_at: '',
    end_at: '',
    max_runs: '',
    jitter: '',
    misfire_policy: 'latest',
    catchup_window: '',
    max_catchup: '',
    overlap_policy: 'skip',
    run_as: 'activity',
    queue: '',
    payload_type: 'handler',
    handler_name: '',
    handler_args: '',
    http_method: 'GET',
    http_url: '',
    http_headers: '',
    http_body: '',
    http_timeout: '',
    retry_max_retries: '',
    retry_initial_interval: '',
    retry_backoff_coefficient: '',
    retry_max_interval: '',
    timeout: '',
    heartbeat_timeout: '',
    expected_within: '',
    max_lateness: '',
    notify_url: '',
    notify_events: [...ALERT_EVENTS],
  };
}

// biome-ignore lint/suspicious/noExplicitAny: a job spec is arbitrary JSON read from the API
type Json = any;

const text = (value: unknown): string => (value === undefined || value === null ? '' : String(value));
const jsonText = (value: unknown): string =>
  value === undefined || (typeof value === 'object' && value !== null && Object.keys(value).length === 0)
    ? ''
    : JSON.stringify(value, null, 2);

/** The form of an existing job's spec (`GET /jobs/{id}` `.spec`), for editing. */
export function formFromSpec(spec: Json): JobForm {
  const form = emptyForm();
  const payload = spec?.payload ?? {};
  const retry = spec?.retry ?? {};
  const notify = spec?.notify ?? {};
  return {
    ...form,
    name: text(spec?.name),
    frequency: text(spec?.frequency) || 'cron',
    execution_time: text(spec?.execution_time),
    cron: text(spec?.cron),
    every: text(spec?.every),
    days_of_week: Array.isArray(spec?.days_of_week) ? [...spec.days_of_week] : [],
    timezone: text(spec?.timezone) || 'UTC',
    start_at: text(spec?.start_at),
    end_at: text(spec?.end_at),
    max_runs: text(spec?.max_runs),
    jitter: text(spec?.jitter),
    misfire_policy: text(spec?.misfire_policy) || 'latest',
    catchup_window: text(spec?.catchup_window),
    max_catchup: text(spec?.max_catchup),
    overlap_policy: text(spec?.overlap_policy) || 'skip',
    run_as: text(spec?.run_as) || 'activity',
    queue: text(spec?.queue),
    payload_type: payload.type === 'http' ? 'http' : 'handler',
    handler_name: payload.type === 'handler' ? text(payload.name) : '',
    handler_args: payload.type === 'handler' ? jsonText(payload.args) : '',
    http_method: payload.type === 'http' ? text(payload.method) || 'GET' : 'GET',
    http_url: payload.type === 'http' ? text(payload.url) : '',
    http_headers: payload.type === 'http' ? jsonText(payload.headers) : '',
    http_body: payload.type === 'http' ? jsonText(payload.body) : '',
    http_timeout: payload.type === 'http' ? text(payload.timeout) : '',
    retry_max_retries: text(retry.max_retries),
    retry_initial_interval: text(retry.initial_interval),
    retry_backoff_coefficient: text(retry.backoff_coefficient),
    retry_max_interval: text(retry.max_interval),
    timeout: text(spec?.timeout),
    heartbeat_timeout: text(spec?.heartbeat_timeout),
    expected_within: text(spec?.expected_within),
    max_lateness: text(spec?.max_lateness),
    notify_url: text(notify.url),
    notify_events: Array.isArray(notify.events)
      ? ALERT_EVENTS.filter((e) => notify.events.includes(e))
      : [...ALERT_EVENTS],
  };
}

/** A body built from the form, and the fields that could not be turned into JSON. */
export interface BuiltBody {
  body: Record<string, unknown>;
  errors: FieldProblem[];
}

/**
 * Schedule fields of the form, as `POST /schedules/preview` and `POST /jobs` take them: blank ones
 * left out, and `cron` / `every` / `days_of_week` only for the frequency that uses them.
 */
export function scheduleBody(form: JobForm): Record<string, unknown> {
  const errors: FieldProblem[] = [];
  const body: Record<string, unknown> = { frequency: form.frequency };
  putText(body, 'execution_time', form.execution_time);
  if (form.frequency === 'cron') putText(body, 'cron', form.cron);
  if (form.frequency === 'interval') putText(body, 'every', form.every);
  if (form.frequency === 'weekly' && form.days_of_week.length > 0) body.days_of_week = [...form.days_of_week];
  putText(body, 'timezone', form.timezone);
  putText(body, 'start_at', form.start_at);
  putText(body, 'end_at', form.end_at);
  putNumber(body, errors, 'max_runs', form.max_runs, true);
  putText(body, 'jitter', form.jitter);
  return body;
}

/**
 * True when the field that defines the schedule of the chosen frequency is filled in (`cron`,
 * `every`, or `execution_time` for once / daily / weekly): before that a preview would only say
 * that the field is required.
 */
export function scheduleReady(form: JobForm): boolean {
  if (form.frequency === 'cron') return form.cron.trim() !== '';
  if (form.frequency === 'interval') return form.every.trim() !== '';
  return form.execution_time.trim() !== '';
}

/**
 * The `POST /jobs` body of the form. Only the fields of the chosen frequency and payload type are
 * sent (a cron left in the form of an interval job is not); blank optional fields are left out so
 * the API applies its defaults. `notify` is sent when it differs from the default (no URL, every
 * event): with a URL, or with some events unchecked (none checked: `events: []`, no alert).
 * @returns the body, and `errors` for JSON or numbers that do not parse (named like the API does).
 */
export function toSubmission(form: JobForm): BuiltBody {
  const errors: FieldProblem[] = [];
  const body: Record<string, unknown> = { name: form.name };
  Object.assign(body, scheduleBody(form));
  putNumber(body, errors, 'max_runs', form.max_runs, true);
  putText(body, 'misfire_policy', form.misfire_policy);
  putText(body, 'catchup_window', form.catchup_window);
  putNumber(body, errors, 'max_catchup', form.max_catchup, true);
  putText(body, 'overlap_policy', form.overlap_policy);
  putText(body, 'run_as', form.run_as);
  putText(body, 'queue', form.queue);
  if (form.payload_type === 'http') {
    const payload: Record<string, unknown> = { type: 'http', method: form.http_method || 'GET', url: form.http_url };
    putJson(payload, errors, 'headers', form.http_headers, 'payload.headers');
    putJson(payload, errors, 'body', form.http_body, 'payload.body');
    putText(payload, 'timeout', form.http_timeout);
    body.payload = payload;
  } else {
    const payload: Record<string, unknown> = { type: 'handler', name: form.handler_name };
    putJson(payload, errors, 'args', form.handler_args, 'payload.args');
    body.payload = payload;
  }
  const retry: Record<string, unknown> = {};
  putNumber(retry, errors, 'max_retries', form.retry_max_retries, true, 'retry.max_retries');
  putText(retry, 'initial_interval', form.retry_initial_interval);
  putNumber(retry, errors, 'backoff_coefficient', form.retry_backoff_coefficient, false, 'retry.backoff_coefficient');
  putText(retry, 'max_interval', form.retry_max_interval);
  if (Object.keys(retry).length > 0) body.retry = retry;
  putText(body, 'timeout', form.timeout);
  putText(body, 'heartbeat_timeout', form.heartbeat_timeout);
  putText(body, 'expected_within', form.expected_within);
  putText(body, 'max_lateness', form.max_lateness);
  const events = ALERT_EVENTS.filter((e) => form.notify_events.includes(e));
  const notify: Record<string, unknown> = {};
  putText(notify, 'url', form.notify_url);
  if (events.length < ALERT_EVENTS.length) notify.events = events;
  if (Object.keys(notify).length > 0) body.notify = notify;
  return { body, errors };
}

/** Optional top-level fields a PATCH removes (`null`) when the form leaves them blank. */
const REMOVABLE = [
  'execution_time',
  'cron',
  'every',
  'days_of_week',
  'start_at',
  'end_at',
  'max_runs',
  'jitter',
  'queue',
  'retry',
  'expected_within',
  'max_lateness',
  'notify',
] as const;

/**
 * The `PATCH /jobs/{id}` body of the form: every field of {@link toSubmission} (top-level fields
 * are replaced whole), plus `null` for each optional field the spec has and the form no longer sets.
 */
export function toPatch(form: JobForm, spec: Json): BuiltBody {
  const { body, errors } = toSubmission(form);
  for (const field of REMOVABLE) {
    if (body[field] === undefined && spec?.[field] !== undefined && spec?.[field] !== null) body[field] = null;
  }
  return { body, errors };
}

function putText(target: Record<string, unknown>, key: string, value: string): void {
  const trimmed = value.trim();
  if (trimmed !== '') target[key] = trimmed;
}

function putNumber(
  target: Record<string, unknown>,
  errors: FieldProblem[],
  key: string,
  value: string,
  integer: boolean,
  field = key,
): void {
  const trimmed = value.trim();
  if (trimmed === '') return;
  const n = Number(trimmed);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    if (!errors.some((e) => e.field === field)) {
      errors.push({ field, message: integer ? 'must be a whole number' : 'must be a number' });
    }
    return;
  }
  target[key] = n;
}

function putJson(target: Record<string, unknown>, errors: FieldProblem[], key: string, value: string, field: string) {
  const trimmed = value.trim();
  if (trimmed === '') return;
  try {
    target[key] = JSON.parse(trimmed);
  } catch {
    errors.push({ field, message: 'is not valid JSON' });
  }
}

/** Label and hint of the `execution_time` input: what the field means for the frequency. */
export interface FieldText {
  label: string;
  hint: string;
}

const RFC3339_HINT = 'RFC 3339 with its UTC offset, e.g. 2026-11-24T02:00:00+08:00';

/**
 * What `execution_time` is called for each frequency: "Run at" when it is the (first) run, never
 * "Starts at" (that is `start_at`, the start of the window every kind of schedule runs in).
 */
export function executionTimeText(frequency: string): FieldText {
  switch (frequency) {
    case 'daily':
      return { label: 'Run at', hint: `The first run; its local time of day repeats every day. ${RFC3339_HINT}` };
    case 'weekly':
      return {
        label: 'Run at',
        hint: `The first run; its local time of day repeats on the days below (default: its weekday). ${RFC3339_HINT}`,
      };
    case 'cron':
      return {
        label: 'First run at or after (optional)',
        hint: `No run of the expression before this time. ${RFC3339_HINT}`,
      };
    case 'interval':
      return {
        label: 'Anchor (optional)',
        hint: `Runs are counted from this time (default: when the job is created). ${RFC3339_HINT}`,
      };
    default:
      return { label: 'Run at', hint: `When the job runs (a past time runs at once). ${RFC3339_HINT}` };
  }
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;
const DURATION = /^(?:\d+(?:ms|s|m|h|d))+$/;

/**
 * Every check the form makes before a submit, all at once: the fields the chosen frequency and
 * payload type require, and JSON, numbers, date-times, durations and URLs that are not well formed.
 * The API still applies its own rules (ranges, cron expressions, time zones, fields across each other).
 * @returns the problems in the form's order, each message in plain language (./messages.ts).
 */
export function checkForm(form: JobForm): FieldProblem[] {
  const found: FieldProblem[] = [];
  const add = (field: string, message: string) => {
    if (!found.some((p) => p.field === field)) found.push({ field, message: plainMessage(field, message) });
  };
  const blank = (value: string) => value.trim() === '';
  const shape = (field: string, value: string, pattern: RegExp, message: string) => {
    if (!blank(value) && !pattern.test(value.trim())) add(field, message);
  };
  const dateTime = 'must be an RFC 3339 date-time';
  const duration = 'must be a duration like "90s"';
  const parsed = toSubmission(form).errors;

  if (blank(form.name)) add('name', 'is required');
  if (form.frequency === 'cron' && blank(form.cron)) add('cron', 'is required');
  if (form.frequency === 'interval') {
    if (blank(form.every)) add('every', 'is required');
    shape('every', form.every, DURATION, duration);
  }
  if (['once', 'daily', 'weekly'].includes(form.frequency) && blank(form.execution_time)) {
    add('execution_time', 'is required');
  }
  shape('execution_time', form.execution_time, DATE_TIME, dateTime);
  if (blank(form.timezone)) add('timezone', 'is required');
  shape('start_at', form.start_at, DATE_TIME, dateTime);
  shape('end_at', form.end_at, DATE_TIME, dateTime);
  shape('jitter', form.jitter, DURATION, duration);
  shape('catchup_window', form.catchup_window, DURATION, duration);
  if (form.payload_type === 'handler') {
    if (blank(form.handler_name)) add('payload.name', 'is required');
  } else if (blank(form.http_url)) {
    add('payload.url', 'is required');
  } else if (!isHttpUrl(form.http_url.trim())) {
    add('payload.url', 'must be an absolute http:// or https:// URL');
  }
  if (form.payload_type === 'http') shape('payload.timeout', form.http_timeout, DURATION, duration);
  shape('retry.initial_interval', form.retry_initial_interval, DURATION, duration);
  shape('retry.max_interval', form.retry_max_interval, DURATION, duration);
  shape('timeout', form.timeout, DURATION, duration);
  shape('heartbeat_timeout', form.heartbeat_timeout, DURATION, duration);
  shape('expected_within', form.expected_within, DURATION, duration);
  shape('max_lateness', form.max_lateness, DURATION, duration);
  if (!blank(form.notify_url) && !isHttpUrl(form.notify_url.trim())) {
    add('notify.url', 'must be an absolute http:// or https:// URL');
  }
  for (const p of parsed) add(p.field, p.message);
  const order = Object.values(FIELD_PATHS);
  return found.sort((a, b) => order.indexOf(a.field) - order.indexOf(b.field));
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * Create or edit a job: every field of a submission, each with its label and, next to it, its
 * message in plain language: the form's own checks of every field at once before a submit
 * (checkForm), the API's (problem+json `errors[].field`) after it, and the live preview's for the
 * schedule fields. A submit with errors lists them all above the buttons, opens the sections they
 * are in and focuses the first. The preview shows the next run times from `POST /schedules/preview`
 * (debounced 400 ms) while the schedule and time zone are typed, with a note on each run a clock
 * change moves. The handler name has a picker fed by `GET /handlers` (the names the workers of
 * the job's task queue register) and a warning when the typed name is not among them; free text
 * stays allowed (no worker polls or answered, or the API's `HANDLER_NAMES` patterns). An "Alerts" section,
 * collapsed at first, holds the health rules (`expected_within`, `max_lateness`) and where and when
 * alerts go (`notify`). Create: `POST /jobs`; edit: `PATCH /jobs/{id}` (blank optional fields are
 * removed), then the job's page says "Saved.".
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { JobPatch, JobSubmission, SchedulePreviewParams } from '../../../src/contract';
import { api, errorText, SchedulerApiError } from '../api';
import { Message, RunTimes } from '../components/Bits';
import { flash } from '../flash';
import { isKnownTimeZone } from '../lib/format';
import {
  type HandlerList,
  handlerListHint,
  handlerListUnavailable,
  handlerOptions,
  handlerWarning,
} from '../lib/handlers';
import {
  ALERT_EVENTS,
  checkForm,
  emptyForm,
  executionTimeText,
  FIELD_PATHS,
  FORM_FIELD_PATHS,
  formFromSpec,
  type JobForm,
  scheduleBody,
  scheduleReady,
  toPatch,
  toSubmission,
} from '../lib/job-form';
import { fieldLabel, plainProblem } from '../lib/messages';
import { mapFieldErrors } from '../lib/problems';
import { describeSchedule } from '../lib/schedule-words';
import { href, navigate } from '../router';

const PREVIEW_DELAY_MS = 400;
/** What each alert event means, next to its checkbox. */
const EVENT_TEXT: Record<(typeof ALERT_EVENTS)[number], string> = {
  failed: 'failed: a run fails after a success (or as the first run)',
  recovered: 'recovered: a run succeeds again after failing or being late',
  late: 'late: no success in time, or a run started too late',
  missed: 'missed: runs were skipped, missed by more than the catch-up window',
};
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const ZONES: string[] = (() => {
  try {
    return (Intl as unknown as { supportedValuesOf(k: string): string[] }).supportedValuesOf('timeZone');
  } catch {
    return [];
  }
})();

/** The DOM id of a form field's input, from its API path. */
export function inputId(path: string): string {
  return `f-${path.replace(/\./g, '-')}`;
}

type Errors = Record<string, string[]>;

/**
 * One checkbox per option (its label `label(option)`, default the option itself); `onChange` gets
 * the checked options in the order of `options`.
 */
function Checkboxes<T extends string>({
  name,
  options,
  label = (option) => option,
  checked,
  onChange,
}: {
  name?: string;
  options: readonly T[];
  label?: (option: T) => string;
  checked: readonly string[];
  onChange: (checked: T[]) => void;
}) {
  return options.map((option) => (
    <label key={option} class="check">
      <input
        type="checkbox"
        name={name}
        value={option}
        checked={checked.includes(option)}
        onChange={(e) =>
          onChange(
            e.currentTarget.checked
              ? options.filter((o) => o === option || checked.includes(o))
              : options.filter((o) => o !== option && checked.includes(o)),
          )
        }
      />
      {label(option)}
    </label>
  ));
}

function Field({
  path,
  label,
  hint,
  warning,
  errors,
  children,
}: {
  path: string;
  label: string;
  hint?: string;
  /** A warning in plain language that does not block a submit (e.g. an unknown handler name). */
  warning?: string | null;
  errors: Errors;
  children: (props: { id: string; 'aria-describedby'?: string; 'aria-invalid'?: boolean }) => ComponentChildren;
}) {
  const id = inputId(path);
  const messages = errors[path] ?? [];
  const described = [hint ? `${id}-hint` : '', warning ? `${id}-warning` : '', messages.length ? `${id}-error` : '']
    .filter(Boolean)
    .join(' ');
  return (
    <div class={`field${messages.length ? ' invalid' : ''}`} data-field={path}>
      <label for={id}>{label}</label>
      {children({
        id,
        ...(described ? { 'aria-describedby': described } : {}),
        ...(messages.length ? { 'aria-invalid': true } : {}),
      })}
      {hint && (
        <p id={`${id}-hint`} class="hint">
          {hint}
        </p>
      )}
      {warning && (
        <p id={`${id}-warning`} class="field-warning" data-warning-for={path}>
          {warning}
        </p>
      )}
      {messages.length > 0 && (
        <p id={`${id}-error`} class="field-error" data-error-for={path}>
          {messages.join(' ')}
        </p>
      )}
    </div>
  );
}

/** A text field of the form: its form field (the API path is the field's, FIELD_PATHS), label, hint and input attributes. */
interface TextFieldSpec {
  key: keyof JobForm;
  label: string;
  hint?: string;
  input?: Record<string, unknown>;
}

/** The text fields of the "Health and alerts" section. */
const ALERT_FIELDS: TextFieldSpec[] = [
  {
    key: 'expected_within',
    label: 'Expect a success within (optional)',
    hint: 'If no run succeeds for this long, the job turns late. A duration such as "1h" or "26h"; empty: never late for this reason.',
    input: { autocomplete: 'off' },
  },
  {
    key: 'max_lateness',
    label: 'Max lateness (optional)',
    hint: 'A run that starts this long after its scheduled time turns the job late, e.g. "5m"; empty: no limit.',
    input: { autocomplete: 'off' },
  },
  {
    key: 'notify_url',
    label: 'Alert URL (optional)',
    hint: "Where alerts are POSTed (http:// or https://). Empty: the workers' NOTIFY_URL, if they have one.",
    input: { type: 'url', autocomplete: 'off', spellcheck: false },
  },
];

/** The create form, or with `jobId` the edit form of that job. */
export function JobFormPage({ jobId }: { jobId?: string }) {
  const editing = jobId !== undefined;
  const [form, setForm] = useState<JobForm>(emptyForm);
  const [spec, setSpec] = useState<Record<string, unknown> | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [submitErrors, setSubmitErrors] = useState<Errors>({});
  const [otherErrors, setOtherErrors] = useState<string[]>([]);
  const [previewErrors, setPreviewErrors] = useState<Errors>({});
  const [preview, setPreview] = useState<string[] | null>(null);
  const [busy, setBusy] = useState(false);
  /** A submit found errors: list them above the buttons until the next submit. */
  const [summary, setSummary] = useState(false);
  /** The next render after a failed submit opens the sections with errors and focuses the first. */
  const revealErrors = useRef(false);
  const previewSeq = useRef(0);
  const [handlers, setHandlers] = useState<HandlerList | null>(null);
  const [handlersUnavailable, setHandlersUnavailable] = useState<string | null>(null);
  const handlersSeq = useRef(0);

  useEffect(() => {
    document.title = `${editing ? 'Edit job' : 'New job'} · Job console`;
    if (!editing) return;
    api
      .get(jobId)
      .then((job) => {
        setSpec(job.spec ?? {});
        setForm(formFromSpec(job.spec ?? {}));
      })
      .catch((err) =>
        setLoadError(err instanceof SchedulerApiError && err.status === 404 ? 'Job not found' : errorText(err)),
      );
  }, [jobId]);

  const schedule = useMemo(() => scheduleBody(form), [form]);
  const ready = scheduleReady(form);
  const scheduleKey = JSON.stringify(schedule);
  useEffect(() => {
    const seq = ++previewSeq.current;
    if (!ready) {
      setPreview(null);
      setPreviewErrors({});
      return;
    }
    const timer = setTimeout(async () => {
      try {
        // The server checks the fields; its answer names each bad one.
        const answer = await api.previewSchedule({ ...schedule, count: 5 } as SchedulePreviewParams);
        if (seq !== previewSeq.current) return;
        setPreview(answer.run_times);
        setPreviewErrors({});
      } catch (err) {
        if (seq !== previewSeq.current) return;
        setPreview(null);
        if (err instanceof SchedulerApiError) {
          setPreviewErrors(mapFieldErrors(plainProblem(err.problem), FORM_FIELD_PATHS).byField);
        }
      }
    }, PREVIEW_DELAY_MS);
    return () => clearTimeout(timer);
  }, [scheduleKey, ready]);

  // The handler names of the job's task queue (the API's when blank), asked again when it changes.
  const handlerQueue = form.queue.trim();
  useEffect(() => {
    const seq = ++handlersSeq.current;
    const timer = setTimeout(
      async () => {
        try {
          const answer = await api.handlers(handlerQueue === '' ? {} : { task_queue: handlerQueue });
          if (seq !== handlersSeq.current) return;
          setHandlers(answer);
          setHandlersUnavailable(null);
        } catch (err) {
          if (seq !== handlersSeq.current) return;
          setHandlers(null);
          setHandlersUnavailable(
            handlerListUnavailable(err instanceof SchedulerApiError ? err.status : null, handlerQueue, errorText(err)),
          );
        }
      },
      handlerQueue === '' ? 0 : PREVIEW_DELAY_MS,
    );
    return () => clearTimeout(timer);
  }, [handlerQueue]);

  useEffect(() => {
    if (!revealErrors.current) return;
    revealErrors.current = false;
    const invalid = FORM_FIELD_PATHS.map((path) => document.getElementById(inputId(path))).filter(
      (input): input is HTMLElement => input !== null && input.getAttribute('aria-invalid') === 'true',
    );
    for (const input of invalid) {
      const section = input.closest('details');
      if (section) section.open = true;
    }
    invalid[0]?.focus();
  });

  if (editing && loadError) {
    return (
      <section>
        <h1>{loadError}</h1>
        <p>
          <a href={href('/jobs')}>Back to the jobs</a>
        </p>
      </section>
    );
  }
  if (editing && spec === null) return <Message kind="info">Loading job…</Message>;

  // A field's messages: the last submit's, else the live preview's (schedule fields).
  const errors: Errors = { ...previewErrors, ...submitErrors };
  const set = <K extends keyof JobForm>(key: K, value: JobForm[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    const path = FIELD_PATHS[key];
    if (submitErrors[path]) {
      const { [path]: _gone, ...rest } = submitErrors;
      setSubmitErrors(rest);
    }
  };
  const text =
    (key: keyof JobForm, props: Record<string, unknown> = {}) =>
    (a: Record<string, unknown>) => (
      <input
        {...a}
        {...props}
        name={key}
        value={form[key] as string}
        onInput={(e) => set(key, e.currentTarget.value as never)}
      />
    );
  /** A text field with its label, hint and errors. */
  const textField = (f: TextFieldSpec) => (
    <Field key={f.key} path={FIELD_PATHS[f.key]} label={f.label} {...(f.hint ? { hint: f.hint } : {})} errors={errors}>
      {text(f.key, f.input)}
    </Field>
  );
  const select = (key: keyof JobForm, options: string[]) => (a: Record<string, unknown>) => (
    <select {...a} name={key} value={form[key] as string} onChange={(e) => set(key, e.currentTarget.value as never)}>
      {options.map((o) => (
        <option key={o} value={o}>
          {o}
        </option>
      ))}
    </select>
  );
  const area = (key: keyof JobForm) => (a: Record<string, unknown>) => (
    <textarea
      {...a}
      name={key}
      rows={3}
      value={form[key] as string}
      onInput={(e) => set(key, e.currentTarget.value as never)}
    />
  );

  const submit = async (e: Event) => {
    e.preventDefault();
    // Every field is checked at once: nothing is sent while one of them cannot be.
    const local = checkForm(form);
    if (local.length > 0) {
      setSubmitErrors(mapFieldErrors({ errors: local }, FORM_FIELD_PATHS).byField);
      setOtherErrors([]);
      setSummary(true);
      revealErrors.current = true;
      return;
    }
    const built = editing ? toPatch(form, spec) : toSubmission(form);
    setBusy(true);
    try {
      if (editing) {
        await api.update(jobId, built.body as JobPatch);
        flash('Saved.', `/jobs/${jobId}`);
        navigate(`/jobs/${encodeURIComponent(jobId)}`);
      } else {
        // The server validates the submission; its answer names each bad field.
        const created = await api.create(built.body as JobSubmission);
        flash('Job created.', `/jobs/${created.job_id}`);
        navigate(`/jobs/${encodeURIComponent(created.job_id)}`);
      }
    } catch (err) {
      if (err instanceof SchedulerApiError) {
        const mapped = mapFieldErrors(plainProblem(err.problem), FORM_FIELD_PATHS);
        setSubmitErrors(mapped.byField);
        setOtherErrors(mapped.other);
        setSummary(Object.keys(mapped.byField).length > 0);
        revealErrors.current = true;
      } else {
        setOtherErrors([String(err)]);
      }
    } finally {
      setBusy(false);
    }
  };

  const zone = form.timezone.trim() || 'UTC';
  const zoneOk = isKnownTimeZone(zone);
  const freq = form.frequency;
  const executionTime = executionTimeText(freq);
  const listed = summary ? FORM_FIELD_PATHS.filter((path) => errors[path]?.length) : [];

  return (
    <section>
      <h1>{editing ? `Edit ${form.name || 'job'}` : 'New job'}</h1>
      <form class="job-form" onSubmit={submit} noValidate>
        <div class="form-main">
          <fieldset>
            <legend>Job</legend>
            {textField({ key: 'name', label: 'Name', input: { required: true, autocomplete: 'off' } })}
          </fieldset>
          <fieldset>
            <legend>Schedule</legend>
            <Field path="frequency" label="Frequency" errors={errors}>
              {select('frequency', ['once', 'daily', 'weekly', 'cron', 'interval'])}
            </Field>
            {freq === 'cron' && (
              <Field
                path="cron"
                label="Cron expression"
                hint="5 fields (min hour day month weekday), 6 with seconds first, or @hourly, @daily…"
                errors={errors}
              >
                {text('cron', { autocomplete: 'off', spellcheck: false })}
              </Field>
            )}
            {freq === 'interval' &&
              textField({
                key: 'every',
                label: 'Every',
                hint: 'A duration: "2s", "15m", "1h30m"',
                input: { autocomplete: 'off' },
              })}
            <Field path="execution_time" label={executionTime.label} hint={executionTime.hint} errors={errors}>
              {text('execution_time', { autocomplete: 'off' })}
            </Field>
            {freq === 'weekly' && (
              <div class="field" data-field="days_of_week">
                <fieldset class="inline" aria-describedby={errors.days_of_week ? 'f-days_of_week-error' : undefined}>
                  <legend>Days of the week</legend>
                  <Checkboxes
                    options={WEEKDAYS}
                    checked={form.days_of_week}
                    onChange={(days) => set('days_of_week', days)}
                  />
                </fieldset>
                {errors.days_of_week && (
                  <p id="f-days_of_week-error" class="field-error" data-error-for="days_of_week">
                    {errors.days_of_week.join(' ')}
                  </p>
                )}
              </div>
            )}
            {textField({
              key: 'timezone',
              label: 'Time zone',
              hint: 'IANA name, e.g. Europe/Berlin',
              input: { list: 'zones', autocomplete: 'off' },
            })}
            <datalist id="zones">
              {ZONES.map((z) => (
                <option key={z} value={z} />
              ))}
            </datalist>
            <details>
              <summary>Bounds and jitter</summary>
              {textField({
                key: 'start_at',
                label: 'Starts at (optional)',
                hint: 'No run before this time. RFC 3339, e.g. 2026-11-24T00:00:00+08:00',
              })}
              {textField({
                key: 'end_at',
                label: 'Ends at (optional)',
                hint: 'No run after this time; then the job completes',
              })}
              {textField({
                key: 'max_runs',
                label: 'Max runs (optional)',
                input: { inputMode: 'numeric' },
              })}
              {textField({ key: 'jitter', label: 'Jitter (optional)', hint: 'e.g. "5m"' })}
            </details>
          </fieldset>
          <fieldset>
            <legend>Payload</legend>
            <Field path="payload.type" label="Type" errors={errors}>
              {select('payload_type', ['handler', 'http'])}
            </Field>
            {form.payload_type === 'handler' ? (
              <>
                <Field
                  path="payload.name"
                  label="Handler name"
                  hint={handlerListHint(handlers, handlersUnavailable)}
                  warning={handlerWarning(form.handler_name, handlers)}
                  errors={errors}
                >
                  {text('handler_name', { autocomplete: 'off', spellcheck: false, list: 'handler-names' })}
                </Field>
                <datalist id="handler-names">
                  {handlerOptions(handlers).map((h) => (
                    <option key={h} value={h} />
                  ))}
                </datalist>
                <Field path="payload.args" label="Args (JSON, optional)" errors={errors}>
                  {area('handler_args')}
                </Field>
              </>
            ) : (
              <>
                <Field path="payload.method" label="Method" errors={errors}>
                  {select('http_method', ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'])}
                </Field>
                {textField({
                  key: 'http_url',
                  label: 'URL',
                  input: { type: 'url', autocomplete: 'off' },
                })}
                <Field path="payload.headers" label="Headers (JSON object, optional)" errors={errors}>
                  {area('http_headers')}
                </Field>
                <Field path="payload.body" label="Body (JSON, optional)" errors={errors}>
                  {area('http_body')}
                </Field>
                {textField({
                  key: 'http_timeout',
                  label: 'Request timeout (optional)',
                  hint: 'default "30s"',
                })}
              </>
            )}
          </fieldset>
          <details>
            <summary>Retries, timeouts and policies</summary>
            <fieldset>
              <legend>Retry</legend>
              {textField({
                key: 'retry_max_retries',
                label: 'Max retries',
                hint: 'default 3',
                input: { inputMode: 'numeric' },
              })}
              {textField({
                key: 'retry_initial_interval',
                label: 'Initial interval',
                hint: 'default "1s"',
              })}
              {textField({
                key: 'retry_backoff_coefficient',
                label: 'Backoff coefficient',
                hint: 'default 2',
                input: { inputMode: 'decimal' },
              })}
              {textField({ key: 'retry_max_interval', label: 'Max interval (optional)' })}
            </fieldset>
            <fieldset>
              <legend>Limits and policies</legend>
              {textField({ key: 'timeout', label: 'Attempt timeout', hint: 'default "5m"' })}
              {textField({
                key: 'heartbeat_timeout',
                label: 'Heartbeat timeout',
                hint: 'default "10s"',
              })}
              <Field path="misfire_policy" label="Misfire policy" errors={errors}>
                {select('misfire_policy', ['latest', 'skip', 'all'])}
              </Field>
              {textField({
                key: 'catchup_window',
                label: 'Catch-up window',
                hint: 'default "1h"',
              })}
              {textField({
                key: 'max_catchup',
                label: 'Max catch-up',
                hint: 'default 100',
                input: { inputMode: 'numeric' },
              })}
              <Field path="overlap_policy" label="Overlap policy" errors={errors}>
                {select('overlap_policy', ['skip', 'buffer_one'])}
              </Field>
              <Field
                path="run_as"
                label="Runs as"
                hint='"local_activity": cheaper, timeout ≤ 10s, no lead or heartbeat'
                errors={errors}
              >
                {select('run_as', ['activity', 'local_activity'])}
              </Field>
              {textField({ key: 'queue', label: 'Task queue (optional)' })}
            </fieldset>
          </details>
          <details class="alerts-section">
            <summary>Alerts</summary>
            <fieldset>
              <legend>Health and alerts</legend>
              <p class="hint">
                A job is failing when its latest run failed, and late by the rules below. Each change is sent once as an
                alert: a signed JSON POST.
              </p>
              {ALERT_FIELDS.map(textField)}
              <div class="field" data-field="notify.events">
                <fieldset
                  class="inline events"
                  aria-describedby={errors['notify.events'] ? 'f-notify-events-error' : 'f-notify-events-hint'}
                >
                  <legend>Alert on</legend>
                  <Checkboxes
                    name="notify_events"
                    options={ALERT_EVENTS}
                    label={(event) => EVENT_TEXT[event]}
                    checked={form.notify_events}
                    onChange={(events) => set('notify_events', events)}
                  />
                </fieldset>
                <p id="f-notify-events-hint" class="hint">
                  None checked: the job sends no alert.
                </p>
                {errors['notify.events'] && (
                  <p id="f-notify-events-error" class="field-error" data-error-for="notify.events">
                    {errors['notify.events'].join(' ')}
                  </p>
                )}
              </div>
            </fieldset>
          </details>
          {(listed.length > 0 || otherErrors.length > 0) && (
            <div class="message message-error error-summary" role="alert">
              {listed.length > 0 && (
                <>
                  <p>
                    {listed.length === 1 ? 'Fix this field' : `Fix these ${listed.length} fields`}, then submit again:
                  </p>
                  <ul>
                    {listed.map((path) => (
                      <li key={path}>
                        {fieldLabel(path)}: {(errors[path] ?? []).join(' ')}
                      </li>
                    ))}
                  </ul>
                </>
              )}
              {otherErrors.map((m) => (
                <p key={m}>{m}</p>
              ))}
            </div>
          )}
          <div class="form-buttons">
            <button type="submit" class="primary" disabled={busy}>
              {editing ? 'Save changes' : 'Create job'}
            </button>
            <a class="button" href={href(editing ? `/jobs/${encodeURIComponent(jobId)}` : '/jobs')}>
              Cancel
            </a>
          </div>
        </div>
        <aside class="card preview" aria-labelledby="h-preview">
          <h2 id="h-preview">Next run times</h2>
          <p class="schedule-words">{describeSchedule({ ...form, timezone: zone })}</p>
          <div aria-live="polite">
            {preview === null ? (
              <p class="muted">
                {Object.keys(previewErrors).length ? 'Fix the schedule to see its run times.' : 'Type a schedule…'}
              </p>
            ) : preview.length === 0 ? (
              <p class="muted">This schedule never runs.</p>
            ) : (
              <RunTimes times={preview} zone={zoneOk ? zone : 'UTC'} id="preview-times" />
            )}
          </div>
        </aside>
      </form>
    </section>
  );
}

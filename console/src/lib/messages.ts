/**
 * Validation messages in plain language. The API answers problem+json `errors: [{ field, message }]`
 * whose messages are the validator's own (zod's `Too small: expected string to have >=1 characters`,
 * or the job spec's rules such as `is required when frequency is "cron"`); the console shows each as
 * a sentence that says what to do (`Enter a name.`). Each zod issue kind (too_small, too_big,
 * invalid_type, invalid_value, invalid_format…) has one message shape, recognised here; a message
 * no rule knows is shown as a sentence about the field, with API field names replaced by the form's
 * labels. Pure: unit-tested in test/unit/console-lib.test.ts.
 */
import type { FieldProblem, Problem } from './problems';

/** The form's label of each API field path, as messages name fields. */
export const FIELD_LABELS: Record<string, string> = {
  name: 'Name',
  frequency: 'Frequency',
  execution_time: 'Run at',
  cron: 'Cron expression',
  every: 'Every',
  days_of_week: 'Days of the week',
  timezone: 'Time zone',
  start_at: 'Starts at',
  end_at: 'Ends at',
  max_runs: 'Max runs',
  jitter: 'Jitter',
  misfire_policy: 'Misfire policy',
  catchup_window: 'Catch-up window',
  max_catchup: 'Max catch-up',
  overlap_policy: 'Overlap policy',
  run_as: 'Runs as',
  queue: 'Task queue',
  payload: 'Payload',
  'payload.type': 'Payload type',
  'payload.name': 'Handler name',
  'payload.args': 'Args',
  'payload.method': 'Method',
  'payload.url': 'URL',
  'payload.headers': 'Headers',
  'payload.body': 'Body',
  'payload.timeout': 'Request timeout',
  retry: 'Retry',
  'retry.max_retries': 'Max retries',
  'retry.initial_interval': 'Initial interval',
  'retry.backoff_coefficient': 'Backoff coefficient',
  'retry.max_interval': 'Max interval',
  timeout: 'Attempt timeout',
  heartbeat_timeout: 'Heartbeat timeout',
  expected_within: 'Expect a success within',
  max_lateness: 'Max lateness',
  notify: 'Alerts',
  'notify.url': 'Alert URL',
  'notify.events': 'Alert on',
};

/** What to enter in a required field that is empty. */
const REQUIRED: Record<string, string> = {
  name: 'Enter a name.',
  execution_time: 'Enter when it runs ("Run at").',
  cron: 'Enter a cron expression.',
  every: 'Enter how often it runs, e.g. 15m.',
  timezone: 'Enter a time zone.',
  'payload.name': 'Enter a handler name.',
  'payload.url': 'Enter a URL.',
};

/** The label of an API field path (its own, or its nearest labelled parent's), else the path. */
export function fieldLabel(field: string): string {
  let path = field;
  for (;;) {
    const label = FIELD_LABELS[path];
    if (label) return path === field ? label : `${label} (${field.slice(path.length + 1)})`;
    if (!path.includes('.')) return field;
    path = path.slice(0, path.lastIndexOf('.'));
  }
}

const DATE_TIME = 'Enter a date and time with its UTC offset, e.g. 2026-01-01T09:00:00Z or 2026-01-01T10:00:00+01:00.';
const DURATION = 'Enter a duration such as 90s, 15m or 1h30m (units ms, s, m, h, d).';
const FIELD_NAMES =
  /\b(execution_time|start_at|end_at|max_runs|days_of_week|frequency|timezone|run_as|expected_within|max_lateness)\b/g;

/** `"a"|"b"` (zod's option list) as `a, b`. */
const options = (list: string) => list.replace(/"/g, '').split('|').join(', ');

/** The rules: a message pattern and the sentence it becomes (given the field). */
const RULES: [RegExp, (m: RegExpMatchArray, field: string) => string][] = [
  // zod too_small / too_big
  [/^Too small: expected string to have >=?1 characters?$/, (_m, f) => required(f)],
  [/^Too small: expected string to have >=?(\d+) characters$/, (m) => `Use at least ${m[1]} characters.`],
  [/^Too big: expected string to have <=?(\d+) characters$/, (m) => `Use at most ${m[1]} characters.`],
  [/^Too small: expected number to be >=(\S+)$/, (m) => `Enter a number of at least ${m[1]}.`],
  [/^Too small: expected number to be >(\S+)$/, (m) => `Enter a number greater than ${m[1]}.`],
  [/^Too big: expected number to be <=(\S+)$/, (m) => `Enter a number of at most ${m[1]}.`],
  [/^Too big: expected number to be <(\S+)$/, (m) => `Enter a number less than ${m[1]}.`],
  [/^Too small: expected array to have >=?(\d+) items?$/, (m) => `Choose at least ${m[1]}.`],
  [/^Too big: expected array to have <=?(\d+) items?$/, (m) => `Choose at most ${m[1]}.`],
  // zod invalid_type / invalid_value
  [/^Invalid input: expected \w+, received undefined$/, (_m, f) => required(f)],
  [/^Invalid input: expected int, received \w+$/, () => 'Enter a whole number.'],
  [/^Invalid input: expected number, received \w+$/, () => 'Enter a number.'],
  [/^Invalid input: expected string, received \w+$/, () => 'Enter text.'],
  [/^Invalid input: expected array, received \w+$/, () => 'Choose from the list.'],
  [/^Invalid input: expected object, received \w+$/, () => 'Enter a JSON object, e.g. {"key": "value"}.'],
  [/^Invalid option: expected one of (.+)$/, (m) => `Choose one of: ${options(m[1] ?? '')}.`],
  [/^Invalid input: expected (".*")$/, (m) => `Choose ${options(m[1] ?? '')}.`],
  [/^Invalid input$/, () => 'This value is not valid.'],
  // The job spec's own rules
  [/^is required when frequency is "(\w+)"$/, (_m, f) => required(f)],
  [
    /^is not allowed when frequency is "(\w+)"$/,
    (m, f) =>
      f === 'days_of_week'
        ? 'Only weekly schedules have days of the week.'
        : `Leave this empty: a ${m[1]} schedule does not use it.`,
  ],
  [/^must be an RFC 3339 date-time/, () => DATE_TIME],
  [/^must be a duration like/, () => DURATION],
  [/^must be longer than 0$/, () => 'Enter a duration longer than 0, e.g. 30s.'],
  [/^must be at least 1s/, () => 'Enter at least 1s: schedules have a resolution of one second.'],
  [/^must be after start_at$/, () => 'Enter a time after "Starts at".'],
  [/^is outside start_at\.\.end_at$/, () => 'This time is outside "Starts at" to "Ends at": the job would never run.'],
  [
    /^the schedule has no occurrence between start_at and end_at$/,
    () => 'The schedule has no run between "Starts at" and "Ends at".',
  ],
  [/^unknown IANA time zone "(.*)"$/, (m) => `"${m[1]}" is not a time zone: use an IANA name such as Europe/Berlin.`],
  [/^only letters, digits and (.+) are allowed$/, (m) => `Use only letters, digits and ${m[1]}`],
  [/^must be an absolute http:\/\/ or https:\/\/ URL$/, () => 'Enter a full URL starting with http:// or https://.'],
  [/^must not repeat an event$/, () => 'Choose each event once.'],
  [/^is not a known field$/, () => 'The API does not know this field.'],
  [/^is nested more than (\d+) levels deep$/, (m) => `Nest the JSON at most ${m[1]} levels deep.`],
  // Cron expressions
  [
    /^is not a valid cron expression: (?:CronPattern: )?(.+?)\.?$/,
    (m) => `This is not a valid cron expression (${lowerFirst(m[1] ?? '')}).`,
  ],
  [
    /^must have 5 or 6 fields \(seconds first\), found (\d+)$/,
    (m) =>
      `A cron expression has 5 fields (minute hour day month weekday), or 6 with seconds first; this one has ${m[1]}.`,
  ],
  [/^never fires$/, () => 'This cron expression never runs: no date matches it.'],
  // The form's own checks (./job-form.ts)
  [/^is not valid JSON$/, () => 'Enter valid JSON, e.g. {"key": "value"} (keys and strings in double quotes).'],
  [/^must be a whole number$/, () => 'Enter a whole number.'],
  [/^must be a number$/, () => 'Enter a number.'],
  [/^is required$/, (_m, f) => required(f)],
];

function required(field: string): string {
  return REQUIRED[field] ?? `Enter ${lowerFirst(fieldLabel(field))}.`;
}

function lowerFirst(text: string): string {
  return /^[A-Z][a-z]/.test(text) ? text.charAt(0).toLowerCase() + text.slice(1) : text;
}

function sentence(text: string): string {
  const trimmed = text.trim();
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?)]$/.test(capital) ? capital : `${capital}.`;
}

/**
 * A validation message of `field` (an API field path) in plain language.
 * @param message the API's (or the form's) message.
 * @returns a sentence that says what to enter; never empty.
 */
export function plainMessage(field: string, message: string): string {
  const text = message.trim();
  for (const [pattern, render] of RULES) {
    const match = text.match(pattern);
    if (match) return sentence(render(match, field));
  }
  if (text === '') return 'This value is not valid.';
  const labelled = text.replace(FIELD_NAMES, (name) => `"${FIELD_LABELS[name] ?? name}"`);
  // The job spec's messages are predicates ("is …", "must …"): they read after the field's label.
  return /^(is|must|may|should|has|cannot|can't|only)\b/.test(labelled)
    ? sentence(`${fieldLabel(field)} ${labelled}`)
    : sentence(labelled);
}

/** The problem with each of its `errors` in plain language ({@link plainMessage}); other fields kept. */
export function plainProblem(problem: Problem): Problem {
  if (!problem.errors) return problem;
  return {
    ...problem,
    errors: problem.errors.map((e: FieldProblem) => ({ ...e, message: plainMessage(e.field, e.message) })),
  };
}

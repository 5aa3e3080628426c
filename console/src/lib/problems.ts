/**
 * The API's errors (application/problem+json, RFC 9457) mapped onto the console's form fields:
 * each `errors[].field` (a dotted path such as `retry.max_retries`) goes to the nearest field the
 * form shows (`payload.headers.X-Key` → `payload.headers`); the rest is listed apart.
 */
import { fieldLabel, plainMessage } from './messages';

/** One validation problem of the API. */
export interface FieldProblem {
  field: string;
  message: string;
}

/** An API problem body (the contract's `ProblemDetails`, or a part of one). */
export interface Problem {
  type?: string | undefined;
  title?: string | undefined;
  status?: number | undefined;
  detail?: string | undefined;
  errors?: FieldProblem[] | undefined;
}

/** Result of {@link mapFieldErrors}. */
export interface MappedErrors {
  /** Messages per form field (API path), in the API's order. */
  byField: Record<string, string[]>;
  /** `field: message` lines that name no field of the form (e.g. the whole body). */
  other: string[];
}

/**
 * Maps the problem's field errors onto `fields` (the API paths the form has inputs for).
 * A problem without `errors` yields its `detail` (or title) in `other`.
 */
export function mapFieldErrors(problem: Problem | null | undefined, fields: readonly string[]): MappedErrors {
  const byField: Record<string, string[]> = {};
  const other: string[] = [];
  if (!problem) return { byField, other };
  const known = new Set(fields);
  const errors = problem.errors ?? [];
  if (errors.length === 0) {
    other.push(problem.detail ?? problem.title ?? 'the request failed');
    return { byField, other };
  }
  for (const { field, message } of errors) {
    let path = field;
    while (!known.has(path) && path.includes('.')) path = path.slice(0, path.lastIndexOf('.'));
    if (known.has(path)) {
      const list = byField[path] ?? [];
      list.push(path === field ? message : `${field.slice(path.length + 1)}: ${message}`);
      byField[path] = list;
    } else {
      other.push(`${field}: ${message}`);
    }
  }
  return { byField, other };
}

/**
 * A one-line text of a problem for a status message: `Not found: job not found`; field errors in
 * plain language after their field's label (`Invalid request: Args: Enter valid JSON, …`).
 */
export function problemText(problem: Problem | null | undefined, fallback = 'request failed'): string {
  if (!problem) return fallback;
  const head = problem.title ?? (problem.status ? `HTTP ${problem.status}` : fallback);
  const fields = (problem.errors ?? [])
    .map((e) => `${fieldLabel(e.field)}: ${plainMessage(e.field, e.message)}`)
    .join(' ');
  return `${head}: ${fields || problem.detail || fallback}`;
}

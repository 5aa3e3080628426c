/**
 * Submit-time check of handler names: when the API is told which handlers the
 * workers register (`HANDLER_NAMES`), `POST /jobs` refuses a `handler` payload naming
 * another one with a 400 on `payload.name`, instead of a job that fails at its first run.
 * Without `HANDLER_NAMES` the API cannot know the registry (it lives in the workers), and an
 * unknown name fails the occurrence non-retryably (`UnknownHandler`) on the worker.
 */
import type { RequestHandler } from 'express';
import { ProblemError } from './problem';

/**
 * Parses `HANDLER_NAMES`: comma-separated names; a trailing `*` matches a prefix (`reports.*`).
 * @returns the patterns, or undefined when unset or empty (no check).
 */
export function parseHandlerNames(value: string | undefined): string[] | undefined {
  const names = (value ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n.length > 0);
  return names.length > 0 ? names : undefined;
}

/** True when `name` matches one of the patterns (exact, or prefix for a pattern ending in `*`). */
export function isKnownHandler(name: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : name === p));
}

/**
 * Refuses a submission whose `handler` payload names a handler outside `patterns` (no check
 * when `patterns` is undefined). Anything else passes: the submission schema validates the rest.
 * @throws ProblemError 400 `validation-error` on the field `payload.name`.
 */
export function checkHandlerName(submission: unknown, patterns: readonly string[] | undefined): void {
  const payload = (submission as { payload?: { type?: unknown; name?: unknown } } | undefined)?.payload;
  if (
    patterns !== undefined &&
    payload?.type === 'handler' &&
    typeof payload.name === 'string' &&
    !isKnownHandler(payload.name, patterns)
  ) {
    const message = `no handler named "${payload.name}" is registered (known: ${patterns.join(', ')})`;
    throw new ProblemError(400, 'Invalid request', 'invalid body: payload.name', 'validation-error', {
      errors: [{ field: 'payload.name', message }],
    });
  }
}

/**
 * Middleware for `POST /jobs`: 400 (`payload.name`) for a handler name outside `patterns`;
 * passes everything else on to the jobs router (which validates the rest).
 */
export function handlerNameGuard(patterns: readonly string[] | undefined): RequestHandler {
  return (req, _res, next) => {
    checkHandlerName(req.body, patterns);
    next();
  };
}

/**
 * Errors as `application/problem+json` (RFC 9457): `type`, `title`, `status`,
 * `detail`, and for validation `errors: [{ field, message }]`. One error
 * middleware turns every thrown value into such a response; nothing thrown in a
 * route crashes the process.
 */

import { isGrpcServiceError } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { ErrorRequestHandler, Request, Response } from 'express';
import type { z } from 'zod';
import type { FieldError, ProblemDetails } from '../contract';
import type { Logger } from '../logger';

/** One invalid field: dotted path from the body root (e.g. `retry.max_retries`). */
export type { FieldError } from '../contract';

/** An error that becomes a problem response. */
export class ProblemError extends Error {
  override name = 'ProblemError';
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
    readonly slug: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
  }
}

/** An issue's message; for a bad record key (e.g. an HTTP header name), what is wrong with the key. */
function messageOf(issue: z.core.$ZodIssue): string {
  return issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
}

/** 400 from a zod error, naming each bad field. */
export function validationProblem(error: z.ZodError, where = 'body'): ProblemError {
  const errors: FieldError[] = error.issues.flatMap((issue) => {
    // Unknown keys are reported at their parent object; name each key instead.
    const paths = issue.code === 'unrecognized_keys' ? issue.keys.map((key) => [...issue.path, key]) : [issue.path];
    return paths.map((path) => ({
      field: path.length > 0 ? path.join('.') : where,
      message: issue.code === 'unrecognized_keys' ? 'is not a known field' : messageOf(issue),
    }));
  });
  const fields = [...new Set(errors.map((e) => e.field))].join(', ');
  return new ProblemError(400, 'Invalid request', `invalid ${where}: ${fields}`, 'validation-error', { errors });
}

/**
 * `value` parsed by `schema`, the check every route runs on its path, query, headers and body.
 * @param where what `value` is (`body`, `query`, a parameter's name): names the field of a
 *   problem at the root, and the problem's detail.
 * @throws ProblemError 400 naming each bad field.
 */
export function parseOr400<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationProblem(result.error, where);
  return result.data;
}

/**
 * Refuses a body that is not JSON (`application/json` or `application/*+json`).
 * @param what what the body holds, for the message (`send the job as application/json`).
 * @throws ProblemError 415 `unsupported-media-type`.
 */
export function requireJsonBody(req: Request, what = 'the body'): void {
  if (!req.is(['application/json', 'application/*+json'])) {
    throw new ProblemError(415, 'Unsupported media type', `send ${what} as application/json`, 'unsupported-media-type');
  }
}

/** 404 `not-found`: `<what> not found`. */
export function notFound(what: string): ProblemError {
  return new ProblemError(404, 'Not found', `${what} not found`, 'not-found');
}

/**
 * The path of a request without its query string: what problems (as `instance`) and logs name.
 * A query string may carry what must not be echoed or logged, such as a key sent as `?api_key=`
 * (keys are read only from headers).
 */
export function requestPath(req: Request): string {
  const url = req.originalUrl;
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** The problem document (RFC 9457) of `problem`; `instance` is the request path it answers. */
export function problemDocument(problem: ProblemError, instance?: string): ProblemDetails {
  return {
    type: `/problems/${problem.slug}`,
    title: problem.title,
    status: problem.status,
    detail: problem.message,
    ...(instance !== undefined ? { instance } : {}),
    ...problem.extra,
  };
}

/** Sends a problem response. */
export function sendProblem(res: Response, problem: ProblemError, instance?: string): void {
  res.status(problem.status).type('application/problem+json').json(problemDocument(problem, instance));
}

const GRPC_UNAVAILABLE = 14;
const GRPC_DEADLINE_EXCEEDED = 4;

/** True when an error (or its cause chain) says Temporal could not be reached. */
export function isTemporalUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (isGrpcServiceError(e) && (e.code === GRPC_UNAVAILABLE || e.code === GRPC_DEADLINE_EXCEEDED)) return true;
    if (e.name === 'TransportError' || e.name === 'ConnectionError') return true;
  }
  return false;
}

/** Maps any thrown value to a problem: ours, body-parser's, Temporal's, or a 500. */
export function toProblem(err: unknown): ProblemError {
  if (err instanceof ProblemError) return err;
  const type = (err as { type?: unknown })?.type;
  if (type === 'entity.parse.failed') {
    return new ProblemError(400, 'Malformed JSON', 'the request body is not valid JSON', 'malformed-json');
  }
  if (type === 'entity.too.large') {
    return new ProblemError(413, 'Payload too large', 'the request body is larger than the limit', 'too-large');
  }
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return new ProblemError(415, 'Unsupported encoding', (err as Error).message, 'unsupported-encoding');
  }
  if (err instanceof URIError) {
    // Express could not percent-decode a path parameter.
    return new ProblemError(400, 'Malformed URL', 'the request path is not valid percent-encoding', 'malformed-url');
  }
  const status = (err as { status?: unknown; expose?: unknown })?.status;
  if (typeof status === 'number' && status >= 400 && status < 500 && (err as { expose?: unknown }).expose === true) {
    // Other client errors of Express and body-parser (http-errors marks them safe to show).
    return new ProblemError(status, 'Bad request', (err as Error).message, 'bad-request');
  }
  if (err instanceof WorkflowNotFoundError) return notFound('job');
  if (isTemporalUnavailable(err)) {
    return new ProblemError(
      503,
      'Temporal unavailable',
      'the Temporal service cannot be reached; try again',
      'temporal-unavailable',
    );
  }
  return new ProblemError(500, 'Internal error', 'an unexpected error occurred', 'internal');
}

/** Express error middleware (last in the chain). */
export function problemHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const problem = toProblem(err);
    if (problem.status >= 500) logger.error({ err, path: req.path }, problem.title);
    if (problem.status === 503) res.setHeader('Retry-After', '5');
    if (res.headersSent) return;
    sendProblem(res, problem, requestPath(req));
  };
}

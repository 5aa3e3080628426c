/**
 * The OpenAPI 3.1 document, generated from the REST contract (src/contract), the zod schemas the
 * routes validate with (no hand-kept copy). Each feature lists its routes as {@link ApiRoute} entries next to its router;
 * adding a route to the document is one entry in such a list. The usual problem answers (400, 401,
 * 404, 413, 415, 429, 503) are added from what the route declares.
 */
import type { ZodObject, ZodType } from 'zod';
import { createDocument, type oas31 } from 'zod-openapi';
import { healthSchema, problemSchema } from '../contract';

/** One answer of a route. */
export interface ApiResponse {
  description: string;
  /** JSON body; none for an empty answer. */
  schema?: ZodType;
  /**
   * OpenAPI links: operations that take a value of this answer, by link name, e.g.
   * `{ GetJob: { operationId: 'getJob', parameters: { job_id: '$response.body#/job_id' } } }`.
   */
  links?: Record<string, { operationId: string; parameters: Record<string, string> }>;
}

/** One documented route. */
export interface ApiRoute {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI path template, e.g. `/jobs/{job_id}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  /** Answered without an API key (health, docs). */
  public?: boolean;
  request?: {
    body?: ZodType;
    query?: ZodObject;
    path?: ZodObject;
    headers?: ZodObject;
  };
  /** Success answers by status. */
  responses: Record<number, ApiResponse>;
  /** Other answers specific to the route (e.g. 409), added to the standard ones. */
  problems?: Record<number, string>;
}

const problemContent = { 'application/problem+json': { schema: problemSchema } };

/** The standard problem answers of a route, from what it declares. */
function standardProblems(route: ApiRoute): Record<number, string> {
  const problems: Record<number, string> = {};
  if (route.request?.body || route.request?.query || route.request?.path || route.request?.headers) {
    problems[400] = 'Invalid request: the `errors` list names each bad field';
  }
  if (!route.public) problems[401] = 'Missing or unknown API key';
  if (route.request?.path) problems[404] = "No such job, or another user's job";
  if (route.request?.body) {
    problems[413] = 'Body larger than 64 KB';
    problems[415] = 'Body is not application/json';
  }
  // Every keyed route counts against a per-user limit (reads, writes or submissions) and the
  // per-address limit of failed logins.
  if (!route.public) problems[429] = 'Rate limit reached: see `Retry-After` and `RateLimit-*` headers';
  if (!route.public) problems[503] = 'Temporal unavailable: retry after `Retry-After` seconds';
  return { ...problems, ...route.problems };
}

function operation(route: ApiRoute): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const [status, answer] of Object.entries(route.responses)) {
    responses[status] = {
      description: answer.description,
      ...(answer.schema ? { content: { 'application/json': { schema: answer.schema } } } : {}),
      ...(answer.links ? { links: answer.links } : {}),
    };
  }
  for (const [status, description] of Object.entries(standardProblems(route))) {
    responses[status] = { description, content: problemContent };
  }
  const params: Record<string, ZodObject> = {};
  if (route.request?.path) params.path = route.request.path;
  if (route.request?.query) params.query = route.request.query;
  if (route.request?.headers) params.header = route.request.headers;
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: [route.tag],
    ...(route.public ? { security: [] } : {}),
    ...(Object.keys(params).length > 0 ? { requestParams: params } : {}),
    ...(route.request?.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: route.request.body } } } }
      : {}),
    responses,
  };
}

/** Routes of the app itself (health, documentation). */
export const operationsRoutes: ApiRoute[] = [
  {
    method: 'get',
    path: '/healthz',
    operationId: 'health',
    summary: 'Liveness: the API process answers',
    tag: 'operations',
    public: true,
    responses: { 200: { description: 'Alive', schema: healthSchema } },
  },
  {
    method: 'get',
    path: '/readyz',
    operationId: 'ready',
    summary: 'Readiness: Temporal answers',
    tag: 'operations',
    public: true,
    responses: { 200: { description: 'Ready', schema: healthSchema } },
    problems: { 503: 'Temporal unavailable' },
  },
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'openapi',
    summary: 'This OpenAPI 3.1 document',
    tag: 'operations',
    public: true,
    responses: { 200: { description: 'The document' } },
  },
];

/**
 * Builds the OpenAPI 3.1 document of the given routes.
 * @param routes every documented route (features' lists plus {@link operationsRoutes}).
 * @param version the API version (package version).
 * @throws when a schema cannot be represented in JSON Schema (a programming error, caught by the tests).
 */
export function buildOpenApiDocument(routes: ApiRoute[], version: string): oas31.OpenAPIObject {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const item = paths[route.path] ?? {};
    item[route.method] = operation(route);
    paths[route.path] = item;
  }
  return createDocument(
    {
      openapi: '3.1.0',
      info: {
        title: 'Temporal job scheduler API',
        version,
        description:
          'Submit, list, read and cancel scheduled jobs. Every job is one Temporal workflow (workflow id = job id). ' +
          'Authenticate with `Authorization: Bearer <API key>`. Errors are `application/problem+json` (RFC 9457).',
      },
      security: [{ apiKey: [] }],
      components: {
        securitySchemes: {
          apiKey: {
            type: 'http',
            scheme: 'bearer',
            description: 'An API key (`sk_...`); `X-API-Key: <key>` works too.',
          },
        },
      },
      // biome-ignore lint/suspicious/noExplicitAny: zod-openapi's ZodOpenApiPathsObject, built generically above
      paths: paths as any,
    },
    { reused: 'inline' },
  );
}

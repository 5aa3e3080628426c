/**
 * The OpenAPI 3.1 document, generated from the REST contract (src/contract), the zod schemas the
 * routes validate with (no hand-kept copy). Each feature declares its operations in a
 * {@link RouteTable}, each beside its handler: the same declaration mounts the handler on the
 * feature's router and puts the operation in the document. The usual problem answers (400, 401,
 * 404, 413, 415, 429, 503) are added from what the route declares.
 */
import { type Request, type Response, Router } from 'express';
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

/**
 * A route as declared in a {@link RouteTable} (or with {@link apiRoute}): the {@link ApiRoute} fields
 * with the request parts and the success answers written flat.
 */
export interface RouteSpec {
  summary: string;
  description?: string;
  /** The operation's tag; default the table's. */
  tag?: string;
  /** Answered without an API key (health, docs). */
  public?: boolean;
  body?: ZodType;
  query?: ZodObject;
  path?: ZodObject;
  headers?: ZodObject;
  /** Success answers by status: `[description, schema]` (no schema: an empty answer), or an {@link ApiResponse}. */
  ok: Record<number, [description: string, schema?: ZodType] | ApiResponse>;
  /** Other answers specific to the route (e.g. 409), added to the standard ones. */
  problems?: Record<number, string>;
}

/** The {@link ApiRoute} of a route declared as a {@link RouteSpec}. */
export function apiRoute(
  method: ApiRoute['method'],
  path: string,
  operationId: string,
  tag: string,
  { summary, description, public: isPublic, body, query, path: params, headers, ok, problems, ...spec }: RouteSpec,
): ApiRoute {
  const request = Object.fromEntries(
    Object.entries({ body, query, path: params, headers }).filter(([, schema]) => schema !== undefined),
  );
  const responses = Object.fromEntries(
    Object.entries(ok).map(([status, answer]) => {
      if (!Array.isArray(answer)) return [status, answer];
      const [text, schema] = answer;
      return [status, schema ? { description: text, schema } : { description: text }];
    }),
  );
  return {
    method,
    path,
    operationId,
    summary,
    ...(description !== undefined ? { description } : {}),
    tag: spec.tag ?? tag,
    ...(isPublic ? { public: true } : {}),
    ...(Object.keys(request).length > 0 ? { request } : {}),
    responses,
    ...(problems ? { problems } : {}),
  };
}

/**
 * A handler of a {@link RouteTable}: Express's request and answer, and the collaborators the router
 * was built with. Express 5 forwards a rejected promise to the problem handler.
 */
export type RouteHandler<D> = (req: Request, res: Response, deps: D) => void | Promise<void>;

/**
 * One feature's routes, each operation declared beside its handler:
 * `table.get('/jobs/{job_id}', 'getJob', { summary, path: jobPathSchema, ok: { 200: ['The job', jobViewSchema] }, handle })`.
 * {@link routes} lists them for the OpenAPI document; {@link router} mounts the handlers at the
 * same paths (the OpenAPI path template below the table's prefix, `{job_id}` as `:job_id`). A route
 * whose handler needs middleware of its own before it (e.g. another body limit) is mounted by the
 * app and documented with {@link apiRoute}.
 * @typeParam D the collaborators every handler receives (services, clock, caches of one router).
 */
export class RouteTable<D> {
  /** The documented routes, in declaration order. */
  readonly routes: ApiRoute[] = [];
  readonly #handlers: { method: ApiRoute['method']; path: string; handle: RouteHandler<D> }[] = [];

  /**
   * @param prefix where the router is mounted, e.g. `/jobs`; every path declared starts with it.
   * @param tag the default tag of its operations.
   */
  constructor(
    readonly prefix: string,
    readonly tag: string,
  ) {}

  get(path: string, operationId: string, spec: RouteSpec & { handle: RouteHandler<D> }): void {
    this.#add('get', path, operationId, spec);
  }

  post(path: string, operationId: string, spec: RouteSpec & { handle: RouteHandler<D> }): void {
    this.#add('post', path, operationId, spec);
  }

  patch(path: string, operationId: string, spec: RouteSpec & { handle: RouteHandler<D> }): void {
    this.#add('patch', path, operationId, spec);
  }

  delete(path: string, operationId: string, spec: RouteSpec & { handle: RouteHandler<D> }): void {
    this.#add('delete', path, operationId, spec);
  }

  /** A router with every handler of the table, acting with `deps`; mount it at {@link prefix}. */
  router(deps: D): Router {
    const router = Router({ caseSensitive: true });
    for (const { method, path, handle } of this.#handlers) {
      router[method](path, (req, res) => handle(req, res, deps));
    }
    return router;
  }

  #add(
    method: ApiRoute['method'],
    path: string,
    operationId: string,
    { handle, ...spec }: RouteSpec & { handle: RouteHandler<D> },
  ): void {
    if (!path.startsWith(this.prefix)) throw new Error(`${operationId}: ${path} is not below ${this.prefix}`);
    this.routes.push(apiRoute(method, path, operationId, this.tag, spec));
    // A literal colon (e.g. `/jobs:batch`) is escaped; `{name}` becomes Express's `:name`.
    const below = path
      .slice(this.prefix.length)
      .replace(/:/g, '\\:')
      .replace(/\{(\w+)\}/g, ':$1');
    this.#handlers.push({ method, path: below === '' ? '/' : below, handle });
  }
}

/** Routes of the app itself (health, documentation); their handlers are the app's (app.ts). */
export const operationsRoutes: ApiRoute[] = [
  apiRoute('get', '/healthz', 'health', 'operations', {
    summary: 'Liveness: the API process answers',
    public: true,
    ok: { 200: ['Alive', healthSchema] },
  }),
  apiRoute('get', '/readyz', 'ready', 'operations', {
    summary: 'Readiness: Temporal answers',
    public: true,
    ok: { 200: ['Ready', healthSchema] },
    problems: { 503: 'Temporal unavailable' },
  }),
  apiRoute('get', '/openapi.json', 'openapi', 'operations', {
    summary: 'This OpenAPI 3.1 document',
    public: true,
    ok: { 200: ['The document'] },
  }),
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

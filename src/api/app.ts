/**
 * The HTTP API as an Express 5 app, built without side effects: only the entry
 * point (./main.ts) listens on a port. Route tests use supertest on this app.
 *
 * Order of the middleware: security headers (helmet; no CORS headers: cross-origin
 * browser calls are refused by default) → public routes (`/healthz`, `/readyz`,
 * `/openapi.json`, `/docs`, the console's page `/` and `/assets`) → API key (401) → write log with the acting user →
 * per-user write rate limit (429) → `POST /jobs:batch` (its own 8 MB JSON body) → JSON body (64 KB, 413) →
 * feature routes →
 * 404 → problem+json errors.
 */
import type { Client } from '@temporalio/client';
import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import swaggerUi from 'swagger-ui-express';
import { version } from '../../package.json';
import type { AllowedTarget } from '../activities/http-guard';
import { codecRouter } from '../codec/routes';
import type { Logger } from '../logger';
import { apiMetrics } from '../observability/http-metrics';
import { type AuthOptions, authenticate, principalOf } from './auth';
import { type ConsoleOptions, consoleConfigRouter, consoleRoutes, consoleStaticRouter } from './console/routes';
import { executionsRouter, executionsRoutes } from './executions/routes';
import { ExecutionService } from './executions/service';
import { handlerNameGuard } from './handler-names';
import { handlersRouter, handlersRoutes } from './handlers/routes';
import { batchHandlers, batchRoutes } from './jobs/batch';
import { JobControl } from './jobs/control';
import { jobsRouter, jobsRoutes } from './jobs/routes';
import { JobService } from './jobs/service';
import { type ApiRoute, buildOpenApiDocument, operationsRoutes } from './openapi';
import { notFound, problemHandler, requestPath } from './problem';
import {
  DEFAULT_FAILED_LOGINS_PER_MINUTE,
  failedLoginLimit,
  type RateLimitOptions,
  userRateLimits,
} from './rate-limit';
import { schedulesRouter, schedulesRoutes } from './schedules/routes';
import { statsRouter, statsRoutes } from './stats/routes';
import { workersRouter, workersRoutes } from './workers/routes';
import { WorkerService } from './workers/service';

/** Largest accepted request body (a job spec); larger bodies get 413. Temporal's blob limit is 2 MB. */
export const BODY_LIMIT = '64kb';

/** Every documented route: one list per feature. */
export const API_ROUTES: ApiRoute[] = [
  ...operationsRoutes,
  ...jobsRoutes,
  ...batchRoutes,
  ...schedulesRoutes,
  ...workersRoutes,
  ...handlersRoutes,
  ...executionsRoutes,
  ...statsRoutes,
  ...consoleRoutes,
];

/** Collaborators of the app. */
export interface AppDeps {
  client: Client;
  taskQueue: string;
  logger: Logger;
  /** API keys, or auth explicitly disabled (see ./auth.ts). */
  auth: AuthOptions;
  /** Per-user write limits; default 1,000 submissions and 1,000 other writes per minute, in memory. */
  rateLimit?: RateLimitOptions;
  /** Clock, epoch ms (tests pass a fixed one). */
  now?: () => number;
  /** How long before its fire time an occurrence's attempt is dispatched (ms, `FIRE_LEAD`); default 2,000. */
  fireLeadMs?: number;
  /**
   * Internal targets http jobs may call (`HTTP_ALLOW_TARGETS`, as the workers have it): a URL whose
   * host is a literal loopback, private, link-local or other non-unicast IP outside it is refused at
   * submit. Default none.
   */
  httpAllowTargets?: readonly AllowedTarget[];
  /** Handler names the workers register (`HANDLER_NAMES`); when set, POST /jobs refuses others. */
  handlerNames?: readonly string[] | undefined;
  /** `GET /metrics` asks for an API key (any valid one: give Prometheus a key of its own); default public. */
  metricsRequireKey?: boolean;
  /** The job console at `/`: its built folder and the Temporal Web UI base URL (defaults: see ./console/routes.ts). */
  console?: ConsoleOptions;
}

/**
 * Logs every write (non-GET request) once answered, with the acting user and what the route put in
 * `res.locals.writeLogFields` (e.g. the created job's id); never headers or keys.
 */
function writeLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'OPTIONS') {
      const { user_id, role } = principalOf(res);
      res.once('finish', () => {
        const fields = (res.locals.writeLogFields ?? {}) as Record<string, unknown>;
        logger.info(
          { method: req.method, path: requestPath(req), status: res.statusCode, user_id, role, ...fields },
          'write',
        );
      });
    }
    next();
  };
}

/**
 * Builds the app: `/jobs`, `/workers`, `/schedules`, `/stats`, `/healthz`, `/readyz`, `/openapi.json`,
 * `/docs`, `/metrics`, the job console (`/`, `/console/config`), problem+json errors.
 */
export function createApp({
  client,
  taskQueue,
  logger,
  auth,
  rateLimit,
  now,
  fireLeadMs,
  httpAllowTargets,
  handlerNames,
  metricsRequireKey = false,
  console: consoleOptions,
}: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // One route table, matched as written: `/JOBS` is not `/jobs` (nor a way around its rate limit).
  app.set('case sensitive routing', true);
  // GET /metrics (Prometheus; public unless metricsRequireKey) and request latency / submissions / errors.
  app.use(apiMetrics(undefined, metricsRequireKey ? authenticate(auth) : undefined));
  app.use(
    helmet({
      // The API is often reached over plain HTTP on a private network: do not upgrade /docs' assets to https.
      contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
    }),
  );

  /** Liveness: the process answers. */
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  /** Readiness: Temporal answers. */
  app.get('/readyz', async (_req, res) => {
    await client.workflowService.getSystemInfo({});
    res.json({ status: 'ready' });
  });
  const document = buildOpenApiDocument(API_ROUTES, version);
  app.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  // Swagger UI from the swagger-ui-dist package: every asset is served from here, nothing from a CDN.
  app.use(
    '/docs',
    swaggerUi.serveFiles(document),
    swaggerUi.setup(document, {
      customSiteTitle: 'Job scheduler API',
      swaggerOptions: { validatorUrl: null, persistAuthorization: true },
    }),
  );

  // The job console's page and bundled assets (public, like /docs; its data needs a key).
  app.use(consoleStaticRouter(consoleOptions));

  app.use(
    failedLoginLimit(
      rateLimit?.failedLoginsPerMinute ?? DEFAULT_FAILED_LOGINS_PER_MINUTE,
      rateLimit?.store?.('login:'),
    ),
  );
  app.use('/codec', codecRouter({ client, auth, logger, uiUrl: consoleOptions?.temporalUiUrl })); // own auth + CORS
  app.use(authenticate(auth));
  app.use(writeLog(logger));
  const jobs = new JobService({
    client,
    taskQueue,
    ...(now ? { now } : {}),
    ...(fireLeadMs !== undefined ? { fireLeadMs } : {}),
    ...(httpAllowTargets !== undefined ? { httpAllowTargets } : {}),
  });
  const limits = userRateLimits(rateLimit ?? { submissionsPerMinute: 1000, writesPerMinute: 1000 });
  app.use(limits.middleware);
  // Before the 64 KB JSON parser: the batch has its own body limit. The colon is literal (escaped).
  app.post('/jobs\\:batch', ...batchHandlers({ jobs, limits, logger, ...(handlerNames ? { handlerNames } : {}) }));
  app.use(express.json({ limit: BODY_LIMIT, strict: false, type: ['application/json', 'application/*+json'] }));

  app.post('/jobs', handlerNameGuard(handlerNames));
  app.use('/jobs', jobsRouter(jobs, logger, new JobControl()));
  app.use('/workers', workersRouter(new WorkerService({ client, taskQueue, ...(now ? { now } : {}) }), taskQueue));
  app.use('/handlers', handlersRouter(client, taskQueue, handlerNames, now));
  app.use('/job/executions', executionsRouter(new ExecutionService(client)));
  app.use('/schedules', schedulesRouter(now));
  app.use('/stats', statsRouter(jobs, client, now));
  app.use('/console', consoleConfigRouter(client.options.namespace, consoleOptions));

  app.use((req, _res, next) => next(notFound(`${req.method} ${req.path}`)));
  app.use(problemHandler(logger));
  return app;
}

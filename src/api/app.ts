/**
 * The HTTP API as an Express 5 app, built without side effects: only the entry
 * point (./main.ts) listens on a port. Route tests use supertest on this app.
 */
import type { Client } from '@temporalio/client';
import express, { type Express } from 'express';
import type { Logger } from '../logger';
import { JobControl } from './jobs/control';
import { jobsRouter } from './jobs/routes';
import { JobService } from './jobs/service';
import { notFound, problemHandler } from './problem';

/** Largest accepted request body (a job spec); larger bodies get 413. */
export const BODY_LIMIT = '64kb';

/** Collaborators of the app. */
export interface AppDeps {
  client: Client;
  taskQueue: string;
  logger: Logger;
  /** Clock, epoch ms (tests pass a fixed one). */
  now?: () => number;
}

/** Builds the app: `/jobs`, `/healthz`, `/readyz`, problem+json errors. */
export function createApp({ client, taskQueue, logger, now }: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(express.json({ limit: BODY_LIMIT, strict: false, type: ['application/json', 'application/*+json'] }));

  const jobs = new JobService({ client, taskQueue, ...(now ? { now } : {}) });
  app.use('/jobs', jobsRouter(jobs, logger, new JobControl(client)));

  /** Liveness: the process answers. */
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  /** Readiness: Temporal answers. */
  app.get('/readyz', async (_req, res) => {
    await client.workflowService.getSystemInfo({});
    res.json({ status: 'ready' });
  });

  app.use((req, _res, next) => next(notFound(`${req.method} ${req.path}`)));
  app.use(problemHandler(logger));
  return app;
}

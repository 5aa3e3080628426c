/**
 * The job console: the single-page app built from `console/` (Vite) into
 * `dist/console/`, served by the API itself at `/` (no other server). The page and its
 * bundled assets are public, like /docs: they hold no data; every figure the page shows is
 * fetched from the API with the key the user enters (Authorization: Bearer).
 * Same origin, no inline script: Helmet's default Content-Security-Policy holds unchanged.
 * When the built folder is missing, `/` answers a 503 problem saying how to build it.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import express, { Router } from 'express';
import { type ConsoleConfig, consoleConfigSchema } from '../../contract';
import { principalOf } from '../auth';
import { type ApiRoute, RouteTable } from '../openapi';
import { notFound, ProblemError, sendProblem } from '../problem';

/** Where `npm run build:console` writes the console (git-ignored). */
export const DEFAULT_CONSOLE_DIR = resolve(__dirname, '..', '..', '..', 'dist', 'console');
/** Default base URL of the Temporal Web UI (the embedded dev server's). */
export const DEFAULT_TEMPORAL_UI_URL = 'http://localhost:8233';

/** Options of the console. */
export interface ConsoleOptions {
  /** Folder of the built console (index.html, assets/); default {@link DEFAULT_CONSOLE_DIR}. */
  dir?: string;
  /** Base URL of the Temporal Web UI for links to a job's workflow; default {@link DEFAULT_TEMPORAL_UI_URL}. */
  temporalUiUrl?: string;
}

/** The 503 answered at `/` while the console is not built. */
export function consoleNotBuilt(dir: string): ProblemError {
  return new ProblemError(
    503,
    'Console not built',
    `the job console has not been built (${join(dir, 'index.html')} is missing): run \`npm run build:console\``,
    'console-not-built',
  );
}

/**
 * Public routes of the console: `GET /` (index.html, never cached) and `GET /assets/*` (hashed
 * file names, cached for a year). Mounted before the API key check.
 */
export function consoleStaticRouter(options: ConsoleOptions = {}): Router {
  const dir = options.dir ?? DEFAULT_CONSOLE_DIR;
  const router = Router({ caseSensitive: true });
  router.get('/', (req, res) => {
    const index = join(dir, 'index.html');
    if (!existsSync(index)) {
      sendProblem(res, consoleNotBuilt(dir), req.originalUrl);
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  router.use(
    '/assets',
    express.static(join(dir, 'assets'), { index: false, redirect: false, immutable: true, maxAge: '365d' }),
    (req, _res, next) => next(notFound(`console asset ${req.path}`)),
  );
  router.get('/favicon.svg', (_req, res, next) => {
    const icon = join(dir, 'favicon.svg');
    if (existsSync(icon)) res.sendFile(icon);
    else next(notFound('favicon'));
  });
  return router;
}

export type { ConsoleConfig } from '../../contract';

/** What `/console/config` answers besides the caller: the namespace and the Temporal Web UI base URL. */
const table = new RouteTable<Omit<ConsoleConfig, 'user_id' | 'role'>>('/console', 'console');

table.get('/console/config', 'consoleConfig', {
  summary: 'Who the caller is, and the Temporal Web UI base URL (for the job console)',
  ok: { 200: ['The configuration', consoleConfigSchema] },
  handle(_req, res, config) {
    const { user_id, role } = principalOf(res);
    res.json({ user_id, role, ...config } satisfies ConsoleConfig);
  },
});

/**
 * `GET /console/config` (behind the API key): who the caller is and where the Temporal Web UI is;
 * the console calls it at sign-in to check the key.
 */
export function consoleConfigRouter(namespace: string, options: ConsoleOptions = {}): Router {
  const temporalUiUrl = (options.temporalUiUrl ?? DEFAULT_TEMPORAL_UI_URL).replace(/\/+$/, '');
  return table.router({ namespace, temporal_ui_url: temporalUiUrl });
}

/** The console's documented routes (the static page and assets are not API operations). */
export const consoleRoutes: ApiRoute[] = table.routes;

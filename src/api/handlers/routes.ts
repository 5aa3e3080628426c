/**
 * `GET /handlers?task_queue=`: the handler names a job's `payload.name` may take. With
 * `HANDLER_NAMES` set, the API answers from it (`source: config`, patterns ending in `*` included).
 * Otherwise it asks a worker of the task queue, through a short `handlerNamesWorkflow` (one local
 * activity), and keeps the answer for {@link HANDLER_NAMES_TTL_MS} (`source: workers`); a queue no
 * worker polls is a 404, without starting anything. Workers of
 * one queue are expected to register the same handlers; the answer is that of the worker that
 * picked up the workflow.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Router } from 'express';
import { type HandlersAnswer, handlersQuerySchema, handlersSchema } from '../../contract';
import type { handlerNamesWorkflow } from '../../workflows/handler-names';
import { assertQueueGranted, principalOf } from '../auth';
import { type ApiRoute, RouteTable } from '../openapi';
import { ProblemError, parseOr400 } from '../problem';

/** How long an answer from the workers is reused (ms). */
export const HANDLER_NAMES_TTL_MS = 30_000;
/** How long the API waits for a worker to answer (ms); then 503. */
export const HANDLER_NAMES_WAIT_MS = 5_000;

export type { HandlersAnswer } from '../../contract';

/** Collaborators of the `/handlers` handler; `cache` holds the workers' answers by task queue. */
interface HandlersDeps {
  client: Client;
  defaultQueue: string;
  configured: readonly string[] | undefined;
  now: () => number;
  cache: Map<string, { answer: HandlersAnswer; atMs: number }>;
}

const table = new RouteTable<HandlersDeps>('/handlers', 'workers');

table.get('/handlers', 'listHandlers', {
  summary: 'Handler names the workers register (for payload.name)',
  description:
    'From HANDLER_NAMES when the API has it; otherwise asked of a worker of the task queue and reused for 30 s.',
  query: handlersQuerySchema,
  ok: { 200: ['The names', handlersSchema] },
  problems: {
    403: 'The task queue is not granted to the key',
    404: 'No worker polls the task queue',
    503: 'The workers of the task queue did not answer in time',
  },
  async handle(req, res, { client, defaultQueue, configured, now, cache }) {
    const query = parseOr400(handlersQuerySchema, req.query, 'query');
    const queue = query.task_queue ?? defaultQueue;
    assertQueueGranted(principalOf(res), query.task_queue, defaultQueue, 'task_queue');
    if (configured !== undefined) {
      res.json({
        task_queue: queue,
        handlers: [...configured].sort(),
        source: 'config',
        read_at: new Date(now()).toISOString(),
      } satisfies HandlersAnswer);
      return;
    }
    const cached = cache.get(queue);
    if (cached !== undefined && now() - cached.atMs < HANDLER_NAMES_TTL_MS) {
      res.json(cached.answer);
      return;
    }
    const names = await askWorkers(client, queue);
    const answer: HandlersAnswer = {
      task_queue: queue,
      handlers: names,
      source: 'workers',
      read_at: new Date(now()).toISOString(),
    };
    cache.set(queue, { answer, atMs: now() });
    res.json(answer);
  },
});

/**
 * Builds the `/handlers` router.
 * @param configured `HANDLER_NAMES` patterns, or undefined to ask the workers.
 */
export function handlersRouter(
  client: Client,
  defaultQueue: string,
  configured: readonly string[] | undefined,
  now: () => number = Date.now,
): Router {
  return table.router({ client, defaultQueue, configured, now, cache: new Map() });
}

/**
 * Runs handlerNamesWorkflow on `queue`.
 * @throws ProblemError 404 when no worker polls the task queue (nothing is started), 503 when the
 *   workers that poll it do not answer in time.
 */
async function askWorkers(client: Client, queue: string): Promise<string[]> {
  const { pollers } = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: queue },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  if ((pollers ?? []).length === 0) {
    throw new ProblemError(404, 'Not found', `no worker polls task queue ${queue}`, 'not-found');
  }
  const handle = await client.workflow.start<typeof handlerNamesWorkflow>('handlerNamesWorkflow', {
    taskQueue: queue,
    workflowId: `handler-names-${queue}-${randomUUID()}`,
    workflowExecutionTimeout: HANDLER_NAMES_WAIT_MS * 2,
    args: [],
  });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new ProblemError(503, 'No worker answered', `no worker of task queue ${queue} answered`, 'no-worker')),
      HANDLER_NAMES_WAIT_MS,
    );
  });
  try {
    return await Promise.race([handle.result(), late]);
  } catch (err) {
    if (err instanceof ProblemError) await handle.terminate('no worker answered').catch(() => undefined);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** The `/handlers` route, for the OpenAPI document. */
export const handlersRoutes: ApiRoute[] = table.routes;

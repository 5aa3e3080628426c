/**
 * The worker registry (`GET /workers`), read from Temporal's worker heartbeats
 * (`ListWorkers`): every SDK worker reports its identity, host, task queue, slots and
 * status every WORKER_HEARTBEAT_INTERVAL (the embedded server enables the feature; see
 * src/dev/embedded-server.ts). A worker that misses 3 heartbeats is unhealthy.
 */
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import type { WorkerDetail, WorkerView } from '../../contract';
import { ProblemError } from '../problem';

/** Heartbeats a worker may miss before it counts as unhealthy (README, `GET /workers`). */
export const MISSED_HEARTBEATS_UNHEALTHY = 3;
/** Heartbeat period assumed before a worker has reported twice (the SDK's default), ms. */
const DEFAULT_HEARTBEAT_MS = 60_000;

/** `healthy`/`unhealthy` by heartbeat age; `stopped` when the worker said it shut down. */
export type WorkerHealth = WorkerView['status'];

export type { WorkerView } from '../../contract';

type Heartbeat = temporal.api.worker.v1.IWorkerHeartbeat;
type Timestamp = { seconds?: unknown; nanos?: number | null } | null | undefined;

function toMs(value: Timestamp): number | null {
  if (!value || value.seconds === undefined || value.seconds === null) return null;
  return Number(value.seconds) * 1000 + Math.floor((value.nanos ?? 0) / 1e6);
}

const STATUS_WORDS: Record<number, string> = { 0: 'UNSPECIFIED', 1: 'RUNNING', 2: 'SHUTTING_DOWN', 3: 'SHUTDOWN' };

/**
 * A worker's view from its last heartbeat.
 * @param nowMs the API's clock, epoch ms.
 */
export function workerView(heartbeat: Heartbeat, nowMs: number): WorkerView {
  const last = toMs(heartbeat.heartbeatTime);
  const intervalMs = toMs(heartbeat.elapsedSinceLastHeartbeat);
  const age = last === null ? null : Math.max(0, nowMs - last);
  const temporalStatus = STATUS_WORDS[Number(heartbeat.status ?? 0)] ?? String(heartbeat.status);
  const limitMs = MISSED_HEARTBEATS_UNHEALTHY * Math.max(1_000, intervalMs || DEFAULT_HEARTBEAT_MS);
  const status: WorkerHealth =
    temporalStatus === 'SHUTDOWN' ? 'stopped' : age !== null && age <= limitMs ? 'healthy' : 'unhealthy';
  const slots = heartbeat.activityTaskSlotsInfo;
  const used = slots ? (slots.currentUsedSlots ?? 0) : null;
  return {
    worker_id: heartbeat.workerIdentity ?? '',
    instance_key: heartbeat.workerInstanceKey ?? '',
    host: heartbeat.hostInfo?.hostName || null,
    process_id: heartbeat.hostInfo?.processId || null,
    task_queue: heartbeat.taskQueue ?? '',
    status,
    temporal_status: temporalStatus,
    last_heartbeat: last === null ? null : new Date(last).toISOString(),
    heartbeat_age_ms: age,
    heartbeat_interval_ms: intervalMs || null,
    started_at: toMs(heartbeat.startTime) === null ? null : new Date(toMs(heartbeat.startTime) as number).toISOString(),
    capacity: slots && used !== null ? (slots.currentAvailableSlots ?? 0) + used : null,
    load: used,
    cpu_usage: heartbeat.hostInfo?.currentHostCpuUsage ?? null,
    memory_usage: heartbeat.hostInfo?.currentHostMemUsage ?? null,
    sdk: `${heartbeat.sdkName ?? ''}@${heartbeat.sdkVersion ?? ''}`,
  };
}

function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Options of {@link WorkerService}. */
export interface WorkerServiceOptions {
  client: Client;
  /** Default task queue listed. */
  taskQueue: string;
  now?: () => number;
}

/** Reads the worker registry from Temporal. */
export class WorkerService {
  constructor(private readonly options: WorkerServiceOptions) {}

  /**
   * Workers that heartbeat on a task queue (newest heartbeat first).
   * @throws ProblemError 501 when the Temporal server does not answer ListWorkers (feature off).
   */
  async list(taskQueue = this.options.taskQueue): Promise<WorkerView[]> {
    const { client } = this.options;
    const now = (this.options.now ?? Date.now)();
    const views: WorkerView[] = [];
    let nextPageToken: Uint8Array | null = null;
    do {
      const response: temporal.api.workflowservice.v1.ListWorkersResponse = await client.workflowService
        .listWorkers({
          namespace: client.options.namespace,
          pageSize: 200,
          query: `TaskQueue = ${quote(taskQueue)}`,
          nextPageToken,
        })
        .catch((err: unknown) => {
          const code = (err as { code?: number }).code;
          if (code === 12 || code === 7) {
            throw new ProblemError(
              501,
              'Worker registry unavailable',
              'the Temporal server does not serve worker heartbeats (enable frontend.WorkerHeartbeatsEnabled and frontend.ListWorkersEnabled)',
              'workers-unavailable',
            );
          }
          throw err;
        });
      for (const info of response.workersInfo ?? []) {
        if (info.workerHeartbeat) views.push(workerView(info.workerHeartbeat, now));
      }
      nextPageToken = response.nextPageToken && response.nextPageToken.length > 0 ? response.nextPageToken : null;
    } while (nextPageToken !== null);
    return views.sort((a, b) => (b.last_heartbeat ?? '').localeCompare(a.last_heartbeat ?? ''));
  }

  /**
   * One worker by identity: its newest process (a restarted worker keeps its identity).
   * @throws ProblemError 404 when no worker with that identity heartbeats on the task queue.
   */
  async get(workerId: string, taskQueue = this.options.taskQueue): Promise<WorkerDetail> {
    const matching = (await this.list(taskQueue)).filter((w) => w.worker_id === workerId);
    const newest = matching[0];
    if (newest === undefined) throw new ProblemError(404, 'Not found', `worker ${workerId} not found`, 'not-found');
    return { ...newest, instances: matching.length };
  }
}

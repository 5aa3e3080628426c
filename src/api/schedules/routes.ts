/**
 * `POST /schedules/preview`: the next run times of a schedule, without creating a job, so users
 * can check an expression (and its DST behaviour) before they submit. Computed by
 * `planOccurrences`, the function the job workflow itself walks its schedule with.
 */
import type { Router } from 'express';
import {
  type SchedulePreview,
  type SchedulePreviewRequest,
  schedulePreviewRequestSchema,
  schedulePreviewSchema,
} from '../../contract';
import { planOccurrences } from '../../domain/preview';
import { firstOccurrence, type ScheduleFields } from '../../domain/schedule';
import { type ApiRoute, RouteTable } from '../openapi';
import { parseOr400, requireJsonBody } from '../problem';

/**
 * The first `count` occurrences (capped by `max_runs`) of a job with this schedule submitted at
 * `from`: the job's first occurrence, then the walk from it.
 * @param request validated body.
 * @param nowMs epoch ms, the default `from`.
 */
export function previewSchedule(request: SchedulePreviewRequest, nowMs: number): SchedulePreview {
  const { from, count, max_runs, ...fields } = request;
  const createdMs = from === undefined ? nowMs : Date.parse(from);
  const spec: ScheduleFields = { ...fields, created_at: new Date(createdMs).toISOString() };
  const first = firstOccurrence(spec);
  const runs = first === null ? [] : planOccurrences(spec, first, Math.min(count, max_runs ?? count));
  return { run_times: runs.map((t) => new Date(t).toISOString()) };
}

const table = new RouteTable<() => number>('/schedules', 'schedules');

table.post('/schedules/preview', 'previewSchedule', {
  summary: 'Preview the run times of a schedule',
  description:
    'The next run times of a job with these schedule fields submitted at `from` (default now), computed by ' +
    'the function the job workflow walks its schedule with. Creates nothing.',
  body: schedulePreviewRequestSchema,
  ok: { 200: ['Planned run times', schedulePreviewSchema] },
  handle(req, res, now) {
    requireJsonBody(req, 'the schedule');
    res.json(previewSchedule(parseOr400(schedulePreviewRequestSchema, req.body, 'body'), now()));
  },
});

/**
 * Builds the `/schedules` router.
 * @param now clock, epoch ms (the default `from`).
 */
export function schedulesRouter(now: () => number = Date.now): Router {
  return table.router(now);
}

/** The `/schedules` routes, for the OpenAPI document. */
export const schedulesRoutes: ApiRoute[] = table.routes;

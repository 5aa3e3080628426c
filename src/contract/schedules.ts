/** `POST /schedules/preview` on the wire: the schedule fields of a job, and its planned run times. */
import { z } from 'zod';
import { checkSchedule, scheduleShape } from '../domain/job-spec';

/** Largest `count` of one preview. */
export const MAX_PREVIEW_COUNT = 100;

/**
 * Body of `POST /schedules/preview`: the schedule fields of a job (same schema and rules as
 * `POST /jobs`, see `scheduleShape` / `checkSchedule`), plus `from` (RFC 3339, default now:
 * the preview is of a job submitted at `from`) and `count` (1–100, default 5).
 */
export const schedulePreviewRequestSchema = z
  .strictObject({
    ...scheduleShape,
    from: z.iso
      .datetime({ offset: true, error: 'must be an RFC 3339 date-time with a zone, e.g. 2026-01-01T09:00:00Z' })
      .optional(),
    count: z.int().min(1).max(MAX_PREVIEW_COUNT).default(5),
  })
  .superRefine(checkSchedule);
/** Preview body as the API reads it (defaults filled in). */
export type SchedulePreviewRequest = z.output<typeof schedulePreviewRequestSchema>;
/** Preview body as a client sends it. */
export type SchedulePreviewParams = z.input<typeof schedulePreviewRequestSchema>;

/** `200` answer: the planned run times (UTC RFC 3339, ascending, without jitter). */
export const schedulePreviewSchema = z
  .object({ run_times: z.array(z.string()) })
  .meta({ id: 'SchedulePreview', description: 'Planned run times, UTC RFC 3339, ascending, without jitter.' });
/** Answer of `POST /schedules/preview`. */
export type SchedulePreview = z.output<typeof schedulePreviewSchema>;

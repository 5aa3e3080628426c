/** `GET /stats/overview` on the wire: the console's overview figures. */
import { z } from 'zod';
import { HEALTH_STATES, type HealthState } from '../domain/health';
import { identifierSchema } from '../domain/job-spec';
import { component, nullableNumber, utcTimeSchema } from './common';

/** Jobs read from visibility for the status counts (newest first). */
export const MAX_JOBS_COUNTED = 1000;

/** Query string of `GET /stats/overview`. */
export const overviewQuerySchema = z.strictObject({
  user_id: identifierSchema
    .optional()
    .meta({ description: "Only this user's jobs (admins; a user may only name themselves)." }),
});
/** `GET /stats/overview` query as a client sends it. */
export type OverviewParams = z.input<typeof overviewQuerySchema>;

/** Answer of `GET /stats/overview`. */
export const overviewSchema = component('OverviewStats', {
  generated_at: utcTimeSchema.meta({ description: 'When the figures were computed.' }),
  jobs_by_status: z.record(z.string(), z.number().int()).meta({ description: 'Jobs per status word.' }),
  jobs_by_health: z
    .object(Object.fromEntries(HEALTH_STATES.map((h) => [h, z.number().int()])) as Record<HealthState, z.ZodInt>)
    .meta({ description: 'Jobs per health state over the same jobs (see JobHealth).' }),
  jobs_total: z.number().int().meta({ description: 'Jobs read.' }),
  jobs_truncated: z.boolean().meta({ description: `More than ${MAX_JOBS_COUNTED} jobs: counts are of the newest.` }),
  executions_per_hour: z
    .array(
      z.object({
        hour: utcTimeSchema.meta({ description: 'Start of the hour.' }),
        succeeded: z.number().int(),
        failed: z.number().int(),
      }),
    )
    .meta({ description: 'The last 24 hours, oldest first (the current, partial hour last).' }),
  fire_lag: z
    .object({ p50_ms: nullableNumber, p99_ms: nullableNumber, samples: z.number().int() })
    .meta({ description: 'First attempt start minus scheduled time of scheduled runs that ended in the last 24 h.' }),
  ledgers_read: z.number().int().meta({ description: 'Jobs whose ledger was read (the most recently run ones).' }),
});
/** Answer of `GET /stats/overview`. */
export type OverviewStats = z.output<typeof overviewSchema>;
/** One hour of {@link OverviewStats.executions_per_hour}. */
export type HourBucket = OverviewStats['executions_per_hour'][number];
/** Fire lag of recent scheduled runs, ms (nearest-rank percentiles; null without samples). */
export type FireLag = OverviewStats['fire_lag'];

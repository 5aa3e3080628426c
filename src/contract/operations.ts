/** Answers of the operational routes (`/healthz`, `/readyz`). */
import { z } from 'zod';

/** `{ status }` of `/healthz` (`ok`) and `/readyz` (`ready`). */
export const healthSchema = z.object({ status: z.string() }).meta({ id: 'Health' });
/** Answer of `/healthz` and `/readyz`. */
export type HealthAnswer = z.output<typeof healthSchema>;

/** `GET /handlers` on the wire: the handler names a job's `payload.name` may take. */
import { z } from 'zod';
import { identifierSchema } from '../domain/job-spec';
import { component } from './common';

/** Query string of `GET /handlers`. */
export const handlersQuerySchema = z.strictObject({
  task_queue: identifierSchema.optional().meta({ description: "Whose workers to ask; default the API's task queue." }),
});
/** `GET /handlers` query as a client sends it. */
export type HandlersParams = z.input<typeof handlersQuerySchema>;

/** Answer of `GET /handlers`. */
export const handlersSchema = component('Handlers', {
  task_queue: z.string(),
  handlers: z.array(z.string()).meta({ description: 'Sorted names; from HANDLER_NAMES, `*` ends a prefix pattern.' }),
  source: z.enum(['workers', 'config']),
  read_at: z.string().meta({ description: 'When the workers answered (UTC); the answer is reused for 30 s.' }),
});
/** Answer of `GET /handlers`. */
export type HandlersAnswer = z.output<typeof handlersSchema>;

/**
 * Public entry point for users' handler jobs: import from here, not from internal files.
 *
 * ```ts
 * import { defineHandler, NonRetryableError } from 'temporal-job-scheduler/handlers';
 * export const resize = defineHandler('images.resize', async (args: { ids: string[] }, ctx) => { … });
 * ```
 * Start workers with `HANDLER_MODULES=path/to/module.ts` (comma-separated) to register them.
 */
export {
  defineHandler,
  type HandlerContext,
  type HandlerDefinition,
  type HandlerLogger,
  type JobHandler,
  NonRetryableError,
} from './activities/handlers';

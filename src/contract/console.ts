/** `GET /console/config` on the wire: who the caller is, for the job console. */
import { z } from 'zod';
import { component } from './common';

/** Answer of `GET /console/config`. */
export const consoleConfigSchema = component('ConsoleConfig', {
  user_id: z.string().meta({ description: 'The caller (owner of the API key).' }),
  role: z.enum(['user', 'admin']),
  namespace: z.string().meta({ description: 'Temporal namespace of the jobs.' }),
  temporal_ui_url: z.string().meta({ description: 'Base URL of the Temporal Web UI (TEMPORAL_UI_URL).' }),
});
/** Answer of `GET /console/config`. */
export type ConsoleConfig = z.output<typeof consoleConfigSchema>;

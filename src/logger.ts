/** One pino logger per process, configured from LOG_LEVEL. */
import pino, { type Logger } from 'pino';

export type { Logger };

/** Creates the process logger; `name` is the process role (api, worker, dev). */
export function createLogger(name: string, level: string): Logger {
  return pino({ name, level });
}

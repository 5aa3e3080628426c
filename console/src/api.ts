/**
 * The console's client of the API: the same {@link SchedulerClient} as the CLI's and other
 * projects', on the page's own origin with the session's key. A 401 to the session's key forgets
 * the key and tells the app (event `console:unauthorized`) to show the sign-in page; a key being
 * checked at sign-in ({@link clientWithKey}) is just refused.
 */
import { SchedulerApiError, SchedulerClient } from '../../src/client';
import { problemText } from './lib/problems';
import { clearApiKey, getApiKey } from './session';

export { queryString as query } from '../../src/client/client';
export { SchedulerApiError };

/** Fired on `window` when the API refused the session's key. */
export const UNAUTHORIZED_EVENT = 'console:unauthorized';

/** fetch that, on a 401 to the session's key, forgets it and fires {@link UNAUTHORIZED_EVENT}. */
const sessionFetch: typeof fetch = async (input, init) => {
  const response = await fetch(input, init);
  const sent = (init?.headers as Record<string, string> | undefined)?.authorization;
  const key = getApiKey();
  if (response.status === 401 && key !== null && sent === `Bearer ${key}`) {
    clearApiKey();
    window.dispatchEvent(new Event(UNAUTHORIZED_EVENT));
  }
  return response;
};

/** The API with the session's key (read at each call). */
export const api = new SchedulerClient({ baseUrl: '', apiKey: getApiKey, fetch: sessionFetch });

/** The API with `key` instead of the session's: sign-in checks a key before keeping it. */
export function clientWithKey(key: string): SchedulerClient {
  return new SchedulerClient({ baseUrl: '', apiKey: key, retry: false });
}

/** The text of an error for a status message: the problem's in plain language, or the connection failure's. */
export function errorText(err: unknown): string {
  return err instanceof SchedulerApiError ? problemText(err.problem) : String(err);
}

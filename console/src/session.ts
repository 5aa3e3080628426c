/**
 * The API key of this browser tab: entered once on the sign-in page and kept in sessionStorage
 * (gone when the tab closes; never in localStorage or a cookie).
 */
const KEY = 'scheduler.console.apiKey';

/** The key, or null when not signed in. */
export function getApiKey(): string | null {
  return sessionStorage.getItem(KEY);
}

/** Keeps `key` for this tab. */
export function setApiKey(key: string): void {
  sessionStorage.setItem(KEY, key);
}

/** Forgets the key (sign out, or the API answered 401). */
export function clearApiKey(): void {
  sessionStorage.removeItem(KEY);
}

/**
 * A short confirmation that outlives a navigation, e.g. "Saved." on a job's page after its edit was
 * saved: the app shows it in its status region (role=status, announced by screen readers) while
 * the route is the one named, and forgets it on the next navigation.
 */

/** Fired on `window`; `detail` is a {@link Flash}. */
export const FLASH_EVENT = 'console:flash';

/** A confirmation and the console path it belongs to (`/jobs/<id>`, segments not encoded). */
export interface Flash {
  text: string;
  path: string;
}

/** Shows `text` on the page at `path` (call it before navigating there). */
export function flash(text: string, path: string): void {
  window.dispatchEvent(new CustomEvent<Flash>(FLASH_EVENT, { detail: { text, path } }));
}

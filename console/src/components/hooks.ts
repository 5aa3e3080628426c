/** Hooks shared by the pages. */
import { useEffect, useRef } from 'preact/hooks';
import { startPolling } from '../lib/poll';

/**
 * Calls `refresh` every `intervalMs` while the page is visible (../lib/poll.ts), from when the
 * component mounts (or `active` turns true) until it unmounts (another page) or `active` turns false.
 * The latest `refresh` is called: it may read the component's current state.
 */
export function usePolling(refresh: () => unknown, intervalMs: number, active = true): void {
  const latest = useRef(refresh);
  latest.current = refresh;
  useEffect(() => {
    if (!active) return;
    return startPolling(() => latest.current(), { intervalMs });
  }, [intervalMs, active]);
}

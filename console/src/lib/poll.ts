/**
 * Refreshing a page while it is visible: a refresh every `intervalMs`, timed from the end of the
 * previous one (never two at once, and a slow API is not flooded); none while the document is
 * hidden (another tab, a minimised window); one at once when it shows again. The caller stops it
 * when the page goes away. No DOM beyond the visibility source given: unit-tested with fake timers
 * in test/unit/console-lib.test.ts.
 */

/** Where visibility is read (the `document`). */
export interface VisibilitySource {
  readonly visibilityState: string;
  addEventListener(type: 'visibilitychange', listener: () => void): void;
  removeEventListener(type: 'visibilitychange', listener: () => void): void;
}

/** Options of {@link startPolling}. */
export interface PollingOptions {
  /** Pause between the end of one refresh and the start of the next. */
  intervalMs: number;
  /** Default: `document`. */
  visibility?: VisibilitySource;
}

/**
 * Calls `refresh` every `intervalMs` while `visibility` is `visible` (the first call after one
 * interval: the page has just loaded its data).
 * @returns stop: no refresh starts after it (one in flight finishes, and is not followed).
 */
export function startPolling(
  refresh: () => unknown,
  { intervalMs, visibility = document }: PollingOptions,
): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let running = false;
  let stopped = false;

  const schedule = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    if (stopped || running || visibility.visibilityState !== 'visible') return;
    timer = setTimeout(run, intervalMs);
  };
  const run = async () => {
    timer = null;
    if (stopped || visibility.visibilityState !== 'visible') return;
    running = true;
    try {
      await refresh();
    } catch {
      // The page shows its own errors; the next refresh may succeed.
    } finally {
      running = false;
      schedule();
    }
  };
  const onVisibility = () => {
    if (visibility.visibilityState !== 'visible') {
      if (timer !== null) clearTimeout(timer);
      timer = null;
    } else if (timer === null && !running) {
      void run();
    }
  };

  visibility.addEventListener('visibilitychange', onVisibility);
  schedule();
  return () => {
    stopped = true;
    if (timer !== null) clearTimeout(timer);
    timer = null;
    visibility.removeEventListener('visibilitychange', onVisibility);
  };
}

/**
 * Readiness of a process started by the all-in-one launcher (src/dev/main.ts): once it serves, the
 * worker or the API sends `{ type: "ready", what }` over the IPC channel the launcher opened
 * (Node's `child_process` IPC), so the launcher does not depend on log lines, which
 * `LOG_LEVEL=warn` or `silent` hide. Without an IPC channel (started any other way) it does nothing.
 */

/** The message a ready process sends its launcher. */
export interface ReadyMessage {
  type: 'ready';
  /** What is ready: `worker` (polling its task queue) or `api` (listening). */
  what: 'worker' | 'api';
}

/**
 * Tells the launcher that this process is ready, if it has one. The IPC channel is then unref'd, so
 * it never keeps the process alive on its own.
 */
export function announceReady(what: ReadyMessage['what']): void {
  if (typeof process.send !== 'function') return;
  const message: ReadyMessage = { type: 'ready', what };
  process.send(message);
  process.channel?.unref();
}

/**
 * Cleanup of everything a benchmark starts (servers, workers, Redis, PostgreSQL, temp dirs):
 * registered handlers run in reverse order on normal exit, on an error, and on SIGINT/SIGTERM.
 */

type Cleanup = () => Promise<void> | void;

const cleanups: Array<{ name: string; run: Cleanup }> = [];
let installed = false;
let running: Promise<void> | null = null;

/**
 * Registers a cleanup; returns a function that runs it now (once) and unregisters it.
 * @param name shown when the cleanup fails.
 */
export function onCleanup(name: string, run: Cleanup): () => Promise<void> {
  installSignalHandlers();
  const entry = { name, run };
  cleanups.push(entry);
  let done = false;
  return async () => {
    if (done) return;
    done = true;
    const i = cleanups.indexOf(entry);
    if (i !== -1) cleanups.splice(i, 1);
    await safely(entry);
  };
}

async function safely(entry: { name: string; run: Cleanup }): Promise<void> {
  try {
    await entry.run();
  } catch (err) {
    console.error(`[bench] cleanup of ${entry.name} failed: ${(err as Error).message}`);
  }
}

/** Runs every registered cleanup, newest first (idempotent; concurrent callers share one pass). */
export function cleanupAll(): Promise<void> {
  running ??= (async () => {
    while (cleanups.length > 0) {
      const entry = cleanups.pop();
      if (entry) await safely(entry);
    }
  })().finally(() => {
    running = null;
  });
  return running;
}

function installSignalHandlers(): void {
  if (installed) return;
  installed = true;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      console.error(`\n[bench] ${signal}: stopping everything the benchmark started`);
      void cleanupAll().finally(() => process.exit(130));
    });
  }
}

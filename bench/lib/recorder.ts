/**
 * Start records of job bodies, cheap at 10k–50k starts: each worker process appends JSON lines
 * `{key, scheduled_ms, started_ms, worker, attempt}` to its own file `<dir>/<worker>-<pid>.jsonl`,
 * batched (one append every 50 ms, and synchronously at exit). Used by our bench handler, the bare
 * Temporal workflow's activity and the BullMQ / pg-boss workers alike.
 */
import { appendFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One start of a job body. */
export interface StartRecord {
  /** Identifies the occurrence (our idempotency key `<job_id>:<scheduled_time>`, or the peer's job key). */
  key: string;
  /** When it was due, epoch ms. */
  scheduled_ms: number;
  /** When the body started (Date.now() on the worker, same machine), epoch ms. */
  started_ms: number;
  /** Worker that ran it. */
  worker: string;
  /** Attempt number when known (1 = first). */
  attempt?: number;
}

/** A recorder of one process. */
export interface Recorder {
  /** Queues a record (written within 50 ms). */
  record(entry: StartRecord): void;
  /** Writes what is queued now. */
  flush(): void;
}

/**
 * A recorder appending to `<dir>/<worker>-<pid>.jsonl` (the folder is created).
 * Flushes every 50 ms and at process exit.
 */
export function createRecorder(dir: string, worker: string): Recorder {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${worker.replace(/[^A-Za-z0-9._-]/g, '_')}-${process.pid}.jsonl`);
  let lines: string[] = [];
  const flush = () => {
    if (lines.length === 0) return;
    const text = lines.join('');
    lines = [];
    appendFileSync(file, text);
  };
  setInterval(flush, 50).unref();
  process.on('exit', flush);
  return {
    record(entry) {
      lines.push(`${JSON.stringify(entry)}\n`);
    },
    flush,
  };
}

/** Reads every record of every `*.jsonl` file in `dir` (none when the folder is missing). */
export function readRecords(dir: string): StartRecord[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
  } catch {
    return [];
  }
  const records: StartRecord[] = [];
  for (const f of files) {
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
      if (line.length === 0) continue;
      try {
        records.push(JSON.parse(line) as StartRecord);
      } catch {
        // a line cut by a crash: ignored
      }
    }
  }
  return records;
}

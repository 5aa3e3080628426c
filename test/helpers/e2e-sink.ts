/**
 * The "sink": a local HTTP server on 127.0.0.1 that http jobs call. It records every
 * request (arrival time, method, path, Idempotency-Key, body) and answers 200, except
 * `/status/<code>` which answers `<code>` (e.g. `/status/404`, `/status/500`), and
 * `/delay/<ms>/…` which answers after `<ms>` milliseconds (it counts requests in flight, to
 * observe concurrency limits). A request whose Idempotency-Key was seen before is answered
 * 200 but marked `duplicate` (its side effect is not applied twice: the target's dedup).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the sink received. */
export interface SinkCall {
  /** Date.now() when the request arrived (headers parsed), epoch ms. */
  receivedAt: number;
  method: string;
  path: string;
  idempotencyKey: string | null;
  contentType: string | null;
  /** Raw body text. */
  body: string;
  /** Status the sink answered. */
  answered: number;
  /** The Idempotency-Key was seen in an earlier request (a redelivery, e.g. after failover). */
  duplicate: boolean;
  /** Requests in flight (this one included) when it arrived. */
  inFlight: number;
}

/** A running sink. */
export interface Sink {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Every request, in arrival order. */
  calls: SinkCall[];
  /** Requests whose Idempotency-Key belongs to a job (`<job_id>:...`). */
  callsFor(jobId: string): SinkCall[];
  /** Most requests in flight at once so far. */
  maxInFlight(): number;
  close(): Promise<void>;
}

function statusFor(path: string): number {
  const match = /^\/status\/(\d{3})(?:\/|$)/.exec(path);
  return match ? Number(match[1]) : 200;
}

function header(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(', ') : value;
}

/** Starts the sink on 127.0.0.1 and a free port. */
export async function startSink(): Promise<Sink> {
  const calls: SinkCall[] = [];
  const seenKeys = new Set<string>();
  let inFlight = 0;
  let maxInFlight = 0;
  const server: Server = createServer((req, res) => {
    const receivedAt = Date.now();
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const arrivedWith = inFlight;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://sink').pathname;
      const answered = statusFor(path);
      const idempotencyKey = header(req, 'idempotency-key');
      const duplicate = idempotencyKey !== null && seenKeys.has(idempotencyKey);
      if (idempotencyKey !== null) seenKeys.add(idempotencyKey);
      calls.push({
        receivedAt,
        method: req.method ?? '',
        path,
        idempotencyKey,
        contentType: header(req, 'content-type'),
        body: Buffer.concat(chunks).toString('utf8'),
        answered,
        duplicate,
        inFlight: arrivedWith,
      });
      const delay = /^\/delay\/(\d+)(?:\/|$)/.exec(path);
      setTimeout(
        () => {
          inFlight--;
          res.writeHead(answered, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ ok: answered < 300 }));
        },
        delay ? Number(delay[1]) : 0,
      );
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    callsFor: (jobId) => calls.filter((c) => c.idempotencyKey?.startsWith(`${jobId}:`) === true),
    maxInFlight: () => maxInFlight,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * An alert receiver for tests: a node:http server on 127.0.0.1 (port 0) that records every alert
 * POST (headers, raw body, parsed JSON) and answers 204, with the check of its
 * `Scheduler-Signature` (HMAC-SHA256 of the raw body, as src/activities/notify.ts signs it).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An alert as the receiver got it: headers, the raw body (what the signature covers) and its JSON. */
export interface ReceivedAlert {
  headers: IncomingHttpHeaders;
  raw: string;
  // biome-ignore lint/suspicious/noExplicitAny: the tests assert on the alert's JSON
  body: any;
}

/** A running receiver. */
export interface AlertReceiver {
  /** `http://127.0.0.1:<port>/alerts` */
  url: string;
  /** Every alert received, in arrival order. */
  alerts: ReceivedAlert[];
  close(): Promise<void>;
}

/** Starts a receiver on 127.0.0.1 and a free port. */
export async function startAlertReceiver(): Promise<AlertReceiver> {
  const alerts: ReceivedAlert[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      alerts.push({ headers: req.headers, raw, body: JSON.parse(raw) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`,
    alerts,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** True when the alert's `Scheduler-Signature` is `sha256=<hex HMAC-SHA256 of its raw body>` keyed by `secret`. */
export function signatureVerifies(alert: ReceivedAlert, secret: string): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(alert.raw).digest('hex')}`);
  const given = Buffer.from(String(alert.headers['scheduler-signature'] ?? ''));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * SSRF guard of http jobs. Three layers of tests, and never a packet to a non-loopback address:
 * 1. the address decision (checkTarget) for non-loopback ranges: pure, no socket;
 * 2. sendHttp through the guarded agents with a stubbed DNS lookup that answers forbidden
 *    addresses (and literal forbidden IPs): refused before any connect. A spy on
 *    net.Socket#connect makes any attempt to reach a non-loopback address fail the test
 *    instead of sending anything;
 * 3. live loopback: spellings of loopback, `localhost` variants and a redirect to a forbidden
 *    port are refused while loopback listeners count 0 connections; an allow-listed target works.
 */
import * as dns from 'node:dns';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as net from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHttpExecutor, type HttpExecutor, RedirectError, sendHttp } from '../../src/activities/http';
import {
  checkTarget,
  ForbiddenTargetError,
  type LookupFunction,
  parseAllowTargets,
} from '../../src/activities/http-guard';
import type { HttpPayload } from '../../src/domain/job-spec';

const KEY = 'job_1:2026-01-01T09:00:00.000Z';
const never = new AbortController().signal;

function payload(url: string): HttpPayload {
  return { type: 'http', method: 'GET', url, headers: {}, timeout: '5s' };
}

function isLoopback(host: string): boolean {
  return /^127\./.test(host) || host === '::1' || host === 'localhost';
}

// Safety net: a socket may only ever connect to loopback in this file.
const realConnect = net.Socket.prototype.connect;
const nonLoopbackConnects: string[] = [];
beforeAll(() => {
  vi.spyOn(net.Socket.prototype, 'connect').mockImplementation(function (this: net.Socket, ...args: unknown[]) {
    const options = (typeof args[0] === 'object' && args[0] !== null ? args[0] : { host: args[1] }) as {
      host?: string;
      path?: string;
    };
    if (options.path === undefined && options.host !== undefined && !isLoopback(options.host)) {
      nonLoopbackConnects.push(options.host);
      throw new Error(`test safety net: refused to connect to ${options.host}`);
    }
    return (realConnect as (...a: unknown[]) => net.Socket).apply(this, args);
  });
});
afterAll(() => {
  vi.restoreAllMocks();
});
afterEach(() => {
  expect(nonLoopbackConnects).toEqual([]);
});

/** Non-loopback targets, refused by the decision (1) and through the agent (2). */
const FORBIDDEN: [string, string][] = [
  ['10.0.0.1', 'private'],
  ['10.255.255.254', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.1', 'private'],
  ['192.168.0.1', 'private'],
  ['192.168.1.254', 'private'],
  ['169.254.169.254', 'linkLocal'], // cloud metadata (AWS, GCP, Azure)
  ['169.254.0.1', 'linkLocal'],
  ['100.64.0.1', 'carrierGradeNat'],
  ['100.127.255.254', 'carrierGradeNat'],
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', 'unspecified'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['255.255.255.255', 'broadcast'],
  ['192.0.0.1', 'reserved'],
  ['192.0.2.1', 'reserved'],
  ['198.18.0.1', 'reserved'],
  ['198.51.100.7', 'reserved'],
  ['203.0.113.9', 'reserved'],
  ['240.0.0.1', 'reserved'],
  ['::', 'unspecified'],
  ['fe80::1', 'linkLocal'],
  ['fe80::a9fe:a9fe', 'linkLocal'],
  ['fc00::1', 'uniqueLocal'],
  ['fd00:ec2::254', 'uniqueLocal'], // AWS IMDS over IPv6
  ['fd12:3456:789a::1', 'uniqueLocal'],
  ['ff02::1', 'multicast'],
  ['ff05::1:3', 'multicast'],
  ['::ffff:10.0.0.1', 'ipv4Mapped'],
  ['::ffff:169.254.169.254', 'ipv4Mapped'],
  ['::ffff:192.168.0.1', 'ipv4Mapped'],
  ['::ffff:0:a00:1', 'rfc6145'],
  ['64:ff9b::a9fe:a9fe', 'rfc6052'], // NAT64 of 169.254.169.254
  ['2002:a9fe:a9fe::1', '6to4'],
  ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'teredo'],
  ['2001:db8::1', 'reserved'],
  ['fec0::1', 'deprecatedSiteLocal'],
  ['100::1', 'discard'],
  ['2001:2::1', 'benchmarking'],
];
/** Loopback addresses: refused by the decision too (live tests below). */
const LOOPBACK = ['127.0.0.1', '127.0.0.2', '127.255.255.254', '::1', '::ffff:127.0.0.1'];

describe('checkTarget (the decision, no socket)', () => {
  it(`refuses ${FORBIDDEN.length} non-loopback targets (at least 40) naming the range`, () => {
    expect(FORBIDDEN.length).toBeGreaterThanOrEqual(40);
  });

  it.each(FORBIDDEN)('refuses %s (%s)', (address, range) => {
    expect(checkTarget(address, 80, [])).toEqual({ allowed: false, reason: `${range} address` });
  });

  it.each(LOOPBACK)('refuses loopback %s', (address) => {
    expect(checkTarget(address, 80, []).allowed).toBe(false);
  });

  it.each(['93.184.215.14', '8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e'])(
    'allows global unicast %s',
    (address) => {
      expect(checkTarget(address, 443, [])).toEqual({ allowed: true, reason: 'unicast' });
    },
  );

  it('refuses what is not an IP address', () => {
    expect(checkTarget('metadata.google.internal', 80, [])).toEqual({ allowed: false, reason: 'not an IP address' });
  });

  it('the allow-list admits a CIDR on any port, or one address on one port', () => {
    const allow = parseAllowTargets('10.1.0.0/16, 127.0.0.1:8080 [::1]:9090 192.168.5.5');
    expect(checkTarget('10.1.2.3', 1234, allow)).toEqual({ allowed: true, reason: 'allow-listed' });
    expect(checkTarget('10.2.0.1', 80, allow).allowed).toBe(false);
    expect(checkTarget('127.0.0.1', 8080, allow).allowed).toBe(true);
    expect(checkTarget('127.0.0.1', 8081, allow).allowed).toBe(false);
    expect(checkTarget('::ffff:127.0.0.1', 8080, allow).allowed).toBe(true);
    expect(checkTarget('::1', 9090, allow).allowed).toBe(true);
    expect(checkTarget('::1', 9091, allow).allowed).toBe(false);
    expect(checkTarget('192.168.5.5', 1, allow).allowed).toBe(true);
    expect(checkTarget('192.168.5.6', 1, allow).allowed).toBe(false);
  });

  it.each(['not-an-ip', '10.0.0.0/33', '127.0.0.1:0', '127.0.0.1:99999', 'http://10.0.0.1', '[::1'])(
    'parseAllowTargets refuses %j',
    (entry) => {
      expect(() => parseAllowTargets(entry)).toThrow(/HTTP_ALLOW_TARGETS/);
    },
  );
});

/** A DNS stub: every name resolves to `address` (and records the names asked). */
function stubLookup(address: string, asked: string[] = []): LookupFunction {
  return (hostname, options, callback) => {
    asked.push(hostname);
    const family = net.isIP(address);
    if (options.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
}

describe('the agents with a stubbed DNS lookup (refused before any connect)', () => {
  it.each(FORBIDDEN)('a name resolving to %s is refused with a clear error', async (address, range) => {
    const asked: string[] = [];
    const executor = createHttpExecutor({ lookup: stubLookup(address, asked) });
    const error = await sendHttp(payload('http://internal.test/latest/meta-data'), KEY, never, executor).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ForbiddenTargetError);
    expect((error as Error).message).toBe(
      `refused to connect to internal.test (${address}) port 80: ${range} address; http jobs may not call loopback, ` +
        'private, link-local, CGNAT, multicast or unspecified addresses unless HTTP_ALLOW_TARGETS allows them',
    );
    expect(asked).toEqual(['internal.test']);
  });

  it('https targets are guarded the same way', async () => {
    const executor = createHttpExecutor({ lookup: stubLookup('169.254.169.254') });
    await expect(sendHttp(payload('https://metadata.test/'), KEY, never, executor)).rejects.toThrow(
      /refused to connect to metadata\.test \(169\.254\.169\.254\) port 443: linkLocal address/,
    );
  });

  it.each([
    'http://169.254.169.254/latest/meta-data/',
    'http://10.0.0.1:8080/',
    'http://192.168.1.1/',
    'http://100.64.0.1/',
    'http://[fd00:ec2::254]/',
    'http://[fe80::1]/',
    'http://[::ffff:169.254.169.254]/',
    'http://[::ffff:a9fe:a9fe]/',
    'http://0xa9fea9fe/', // 169.254.169.254 in hex
    'http://2852039166/', // 169.254.169.254 in decimal
    'https://10.0.0.1/',
  ])('a literal forbidden address %s is refused without DNS', async (url) => {
    const asked: string[] = [];
    const executor = createHttpExecutor({ lookup: stubLookup('93.184.215.14', asked) });
    await expect(sendHttp(payload(url), KEY, never, executor)).rejects.toBeInstanceOf(ForbiddenTargetError);
    expect(asked).toEqual([]);
  });

  it('a name with one good and one forbidden answer is refused (all answers are checked)', async () => {
    const lookup: LookupFunction = (_hostname, options, callback) => {
      const answers = [
        { address: '127.0.0.1', family: 4 },
        { address: '10.0.0.1', family: 4 },
      ];
      if (options.all) callback(null, answers);
      else callback(null, '10.0.0.1', 4);
    };
    const executor = createHttpExecutor({ lookup, allow: parseAllowTargets('127.0.0.1') });
    await expect(sendHttp(payload('http://mixed.test/'), KEY, never, executor)).rejects.toBeInstanceOf(
      ForbiddenTargetError,
    );
  });
});

describe('live on loopback (listeners count connections)', () => {
  let v4: Server;
  let v6: Server | null;
  let port: number;
  let redirectServer: Server;
  let redirectPort: number;
  let connections = 0;
  let redirectRequests = 0;

  beforeAll(async () => {
    v4 = createServer((_req, res) => res.end('ok')).on('connection', () => connections++);
    v4.listen(0, '127.0.0.1');
    await once(v4, 'listening');
    port = (v4.address() as AddressInfo).port;
    // The same port on ::1, where the host has IPv6 loopback.
    v6 = createServer((_req, res) => res.end('ok')).on('connection', () => connections++);
    v6.listen(port, '::1');
    await Promise.race([once(v6, 'listening'), once(v6, 'error')]).catch(() => undefined);
    if (!v6.listening) v6 = null;
    redirectServer = createServer((req, res) => {
      redirectRequests++;
      const target = req.url === '/hop' ? `http://127.0.0.1:${port}/forbidden` : '/elsewhere';
      res.writeHead(302, { location: target }).end();
    });
    redirectServer.listen(0, '127.0.0.1');
    await once(redirectServer, 'listening');
    redirectPort = (redirectServer.address() as AddressInfo).port;
  });

  afterAll(async () => {
    for (const server of [v4, v6, redirectServer]) {
      if (server === null) continue;
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  beforeEach(() => {
    connections = 0;
    redirectRequests = 0;
  });

  const spellings = (p: number) => [
    `http://127.0.0.1:${p}/`,
    `http://2130706433:${p}/`, // decimal
    `http://0177.0.0.1:${p}/`, // octal
    `http://017700000001:${p}/`, // octal, one number
    `http://0x7f.0.0.1:${p}/`, // hex
    `http://0x7f000001:${p}/`, // hex, one number
    `http://127.1:${p}/`, // short form
    `http://127.0.1:${p}/`,
    `http://127.5.6.7:${p}/`,
    `http://[::1]:${p}/`,
    `http://[::ffff:127.0.0.1]:${p}/`,
    `http://[::ffff:7f00:1]:${p}/`,
    `http://[0:0:0:0:0:0:0:1]:${p}/`,
    `http://0.0.0.0:${p}/`,
    `http://0:${p}/`,
    `http://localhost:${p}/`,
    `http://LOCALHOST:${p}/`,
    `http://localhost.:${p}/`,
    `http://LocalHost.:${p}/`,
    `https://127.0.0.1:${p}/`,
    `https://localhost:${p}/`,
  ];

  it('refuses every spelling of loopback by default, with 0 connections at the listeners', async () => {
    // Many resolvers answer `localhost.` like `localhost`; this machine's may not, so the system
    // lookup is asked without the trailing dot (the guard still sees the name as written).
    const lookup: LookupFunction = (hostname, options, callback) =>
      dns.lookup(hostname.replace(/\.$/, ''), options, callback as never);
    const executor = createHttpExecutor({ lookup });
    const outcomes = await Promise.all(
      spellings(port).map((url) =>
        sendHttp(payload(url), KEY, never, executor).then(
          () => `${url}: sent`,
          (e: Error) => (e instanceof ForbiddenTargetError ? 'refused' : `${url}: ${e.name} ${e.message}`),
        ),
      ),
    );
    expect(outcomes).toEqual(spellings(port).map(() => 'refused'));
    expect(connections).toBe(0);
  });

  it('an allow-listed loopback target still works', async () => {
    const executor = createHttpExecutor({ allow: parseAllowTargets(`127.0.0.1:${port}`) });
    expect(await sendHttp(payload(`http://127.0.0.1:${port}/`), KEY, never, executor)).toMatchObject({ status: 200 });
    expect(connections).toBe(1);
  });

  it('a redirect from an allow-listed server to a forbidden loopback port is refused (0 connections there)', async () => {
    const executor = createHttpExecutor({ allow: parseAllowTargets(`127.0.0.1:${redirectPort}`) });
    const error = await sendHttp(payload(`http://127.0.0.1:${redirectPort}/hop`), KEY, never, executor).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ForbiddenTargetError);
    expect((error as Error).message).toContain(`port ${port}: loopback address`);
    expect(redirectRequests).toBe(1);
    expect(connections).toBe(0);
  });

  it('redirect loops stop after the limit; redirects off turns a 3xx into a failure', async () => {
    const allow = parseAllowTargets(`127.0.0.1:${redirectPort}`);
    const looping = createHttpExecutor({ allow, maxRedirects: 3 });
    await expect(
      sendHttp(payload(`http://127.0.0.1:${redirectPort}/loop`), KEY, never, looping),
    ).rejects.toBeInstanceOf(RedirectError);
    expect(redirectRequests).toBe(4);
    const off = createHttpExecutor({ allow, maxRedirects: 0 });
    await expect(sendHttp(payload(`http://127.0.0.1:${redirectPort}/hop`), KEY, never, off)).rejects.toMatchObject({
      name: 'HttpError',
      status: 302,
    });
    expect(connections).toBe(0);
  });

  it('a DNS name that rebinds from an allowed to a forbidden address is refused at the second connect', async () => {
    const answers = ['127.0.0.1', '127.0.0.2'];
    const lookup: LookupFunction = (_hostname, options, callback) => {
      const address = answers.shift() ?? '127.0.0.2';
      if (options.all) callback(null, [{ address, family: 4 }]);
      else callback(null, address, 4);
    };
    const executor: HttpExecutor = createHttpExecutor({ lookup, allow: parseAllowTargets(`127.0.0.1:${port}`) });
    expect(await sendHttp(payload(`http://rebind.test:${port}/`), KEY, never, executor)).toMatchObject({ status: 200 });
    await expect(sendHttp(payload(`http://rebind.test:${port}/`), KEY, never, executor)).rejects.toThrow(
      /rebind\.test \(127\.0\.0\.2\).*loopback address/,
    );
    expect(connections).toBe(1);
  });
});

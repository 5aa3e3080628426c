/**
 * SSRF guard of `http` jobs: which addresses a job may connect to, decided on the
 * resolved address at connect time (so a DNS name that later resolves elsewhere,
 * "DNS rebinding", is checked again on every connection, including each redirect hop).
 *
 * Refused by default: every address that is not plain global unicast by ipaddr.js's
 * special-range table: loopback (127/8, ::1), private (10/8, 172.16/12, 192.168/16,
 * fc00::/7), link-local (169.254/16 with the cloud metadata 169.254.169.254, fe80::/10),
 * CGNAT (100.64/10), multicast, broadcast, unspecified (0.0.0.0, ::), reserved and
 * documentation ranges, IPv4-mapped/translated IPv6 (::ffff:0:0/96, 64:ff9b::/96), 6to4
 * and Teredo. An explicit allow-list (config `HTTP_ALLOW_TARGETS`) admits internal targets,
 * optionally on one port only.
 *
 * Enforcement is request-filtering-agent's http(s).Agent (its own private/meta checks on
 * the literal host and the DNS answer), under our check that adds the port-aware
 * allow-list and a clear error. Source of the rules: OWASP SSRF Prevention Cheat Sheet;
 * IANA special-purpose address registries (RFC 6890).
 */
import * as dns from 'node:dns';
import type { Agent, AgentOptions } from 'node:http';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import ipaddr from 'ipaddr.js';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';
import { NonRetryableError } from './handlers';

/** One allow-list entry: an address range, and the only port allowed in it (null: any). */
export interface AllowedTarget {
  /** As configured, e.g. `127.0.0.1:8080`, `10.0.0.0/8`, `[::1]:8080`. */
  text: string;
  range: [ipaddr.IPv4 | ipaddr.IPv6, number];
  port: number | null;
}

/** A connection the guard refused; not retried (the address will not become allowed by retrying). */
export class ForbiddenTargetError extends NonRetryableError {
  override name = 'ForbiddenTargetError';
}

/**
 * Parses `HTTP_ALLOW_TARGETS`: comma- or space-separated entries, each an IP or CIDR,
 * optionally followed by `:port` (IPv6 in brackets when a port follows: `[::1]:8080`).
 * @throws {Error} naming the first invalid entry.
 */
export function parseAllowTargets(value: string): AllowedTarget[] {
  return value
    .split(/[\s,]+/)
    .filter((entry) => entry !== '')
    .map((text) => {
      let host = text;
      let port: number | null = null;
      const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
      const v4WithPort = /^([\d./]+):(\d+)$/.exec(text);
      if (bracketed) {
        host = bracketed[1] as string;
        port = bracketed[2] === undefined ? null : Number(bracketed[2]);
      } else if (v4WithPort) {
        host = v4WithPort[1] as string;
        port = Number(v4WithPort[2]);
      }
      if (port !== null && !(Number.isInteger(port) && port >= 1 && port <= 65_535)) {
        throw new Error(`HTTP_ALLOW_TARGETS entry "${text}": bad port`);
      }
      try {
        const range = host.includes('/')
          ? ipaddr.parseCIDR(host)
          : ((a) => [a, a.kind() === 'ipv4' ? 32 : 128] as [ipaddr.IPv4 | ipaddr.IPv6, number])(ipaddr.parse(host));
        return { text, range, port };
      } catch {
        throw new Error(`HTTP_ALLOW_TARGETS entry "${text}" is not an IP, a CIDR or either with :port`);
      }
    });
}

/** The guard's decision about one address and port. */
export type TargetDecision = { allowed: true; reason: 'allow-listed' | 'unicast' } | { allowed: false; reason: string };

function matches(address: ipaddr.IPv4 | ipaddr.IPv6, port: number, entry: AllowedTarget): boolean {
  if (entry.port !== null && entry.port !== port) return false;
  const [base, bits] = entry.range;
  // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) matches IPv4 entries as the IPv4 address it is.
  const candidate =
    address.kind() === 'ipv6' && base.kind() === 'ipv4' && (address as ipaddr.IPv6).isIPv4MappedAddress()
      ? (address as ipaddr.IPv6).toIPv4Address()
      : address;
  return candidate.kind() === base.kind() && candidate.match([base, bits] as never);
}

/**
 * Decides whether an http job may connect to `address:port`.
 * @param address a resolved IP address (IPv4 or IPv6 text); anything else is refused.
 * @param port TCP port.
 * @param allow the allow-list ({@link parseAllowTargets}).
 * @returns allowed (allow-listed, or global unicast) or refused with the range's name.
 */
export function checkTarget(address: string, port: number, allow: readonly AllowedTarget[]): TargetDecision {
  if (net.isIP(address) === 0) return { allowed: false, reason: 'not an IP address' };
  const parsed = ipaddr.parse(address);
  if (allow.some((entry) => matches(parsed, port, entry))) return { allowed: true, reason: 'allow-listed' };
  const range = parsed.range();
  if (range !== 'unicast') return { allowed: false, reason: `${range} address` };
  return { allowed: true, reason: 'unicast' };
}

/** The error of a refused connection, naming address, port, why, and the way out. */
export function forbiddenTarget(host: string, address: string, port: number, reason: string): ForbiddenTargetError {
  const where = host === address ? address : `${host} (${address})`;
  return new ForbiddenTargetError(
    `refused to connect to ${where} port ${port}: ${reason}; http jobs may not call loopback, private, ` +
      'link-local, CGNAT, multicast or unspecified addresses unless HTTP_ALLOW_TARGETS allows them',
  );
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | dns.LookupAddress[],
  family?: number,
) => void;
/** `dns.lookup`'s shape, as `net.connect` calls it. */
export type LookupFunction = (hostname: string, options: dns.LookupOptions, callback: LookupCallback) => void;

interface ConnectOptions extends net.TcpNetConnectOpts {
  servername?: string;
}

/** Options of the guarded agents. */
export interface GuardOptions {
  allow: readonly AllowedTarget[];
  /** DNS lookup (default `dns.lookup`); tests pass a stub that answers any address without DNS. */
  lookup?: LookupFunction;
}

/**
 * Wraps the connect options so that the literal host and every DNS answer are checked first.
 * @returns the options to connect with, or the refusal for a literal IP host.
 */
function guardConnect(
  options: ConnectOptions,
  guard: GuardOptions,
): { options: ConnectOptions; refused?: ForbiddenTargetError } {
  const host = (options.host ?? 'localhost').replace(/^\[|\]$/g, '');
  const port = Number(options.port ?? 0);
  if (net.isIP(host) !== 0) {
    const decision = checkTarget(host, port, guard.allow);
    if (!decision.allowed) return { options, refused: forbiddenTarget(host, host, port, decision.reason) };
  }
  const underlying = (options.lookup ?? guard.lookup ?? dns.lookup) as LookupFunction;
  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    underlying(hostname, lookupOptions, (err, address, family) => {
      if (err) {
        callback(err, address, family);
        return;
      }
      const answers = Array.isArray(address) ? address : [{ address, family: family ?? 0 }];
      for (const answer of answers) {
        const decision = checkTarget(answer.address, port, guard.allow);
        if (!decision.allowed) {
          callback(forbiddenTarget(hostname, answer.address, port, decision.reason) as NodeJS.ErrnoException, '');
          return;
        }
      }
      callback(null, address, family);
    });
  };
  return { options: { ...options, lookup: lookup as net.LookupFunction } };
}

/** A socket that fails at once with `error` (how the agent reports a refused connection). */
function refusedSocket(error: Error, callback?: (err: Error | null, socket: Duplex) => void): net.Socket {
  const socket = new net.Socket();
  if (callback) callback(error, socket);
  else process.nextTick(() => socket.destroy(error));
  return socket;
}

/** The library's options: its own allow-list is ours without ports (ours checks the ports first). */
function filteringOptions(guard: GuardOptions) {
  return {
    allowIPAddressList: guard.allow.map((entry) => `${entry.range[0].toString()}/${entry.range[1]}`),
    allowPrivateIPAddress: false,
    allowMetaIPAddress: false,
  };
}

/**
 * `Base` (request-filtering-agent's http or https agent) that also refuses forbidden targets at
 * connect time (see the module doc). Its instances take the guard, then the agent options.
 */
function guardedAgent(Base: typeof RequestFilteringHttpAgent | typeof RequestFilteringHttpsAgent) {
  // Both bases connect through createConnection; the https one adds TLS on top of it.
  const FilteringAgent = Base as typeof RequestFilteringHttpAgent;
  return class extends FilteringAgent {
    private readonly guard: GuardOptions;

    constructor(guard: GuardOptions, options: AgentOptions = {}) {
      super({ ...options, ...filteringOptions(guard) });
      this.guard = guard;
    }

    override createConnection(
      options: ConnectOptions,
      callback?: (err: Error | null, socket: Duplex) => void,
    ): Duplex | net.Socket {
      const guarded = guardConnect(options, this.guard);
      if (guarded.refused) return refusedSocket(guarded.refused, callback);
      return super.createConnection(guarded.options, callback);
    }
  };
}

/** An http.Agent that refuses forbidden targets at connect time (see the module doc). */
export const GuardedHttpAgent = guardedAgent(RequestFilteringHttpAgent);
/** An https.Agent that refuses forbidden targets at connect time (see the module doc). */
export const GuardedHttpsAgent = guardedAgent(RequestFilteringHttpsAgent);

/** The agent for a URL's protocol. */
export function agentFor(protocol: string, agents: { http: Agent; https: Agent }): Agent {
  return protocol === 'https:' ? agents.https : agents.http;
}

/**
 * A loopback TCP proxy for network faults: it forwards every connection on 127.0.0.1:<port> to a
 * target, byte for byte, until it is cut. A cut destroys every forwarded connection (both sides)
 * and closes the listener, so new connections are refused (ECONNREFUSED) until it is restored on
 * the same port.
 */
import { createServer, type Server, Socket } from 'node:net';

/** A running proxy. */
export interface TcpProxy {
  /** `127.0.0.1:<port>`, the address clients connect to. */
  address: string;
  port: number;
  /** True between {@link TcpProxy.cut} and {@link TcpProxy.restore}. */
  readonly isCut: boolean;
  /** Connections accepted so far (over the proxy's whole life). */
  readonly accepted: number;
  /** Connections forwarded right now. */
  readonly open: number;
  /** Destroys every forwarded connection and stops listening: new connections are refused. */
  cut(): Promise<void>;
  /**
   * Listens again on the same port and forwards new connections.
   * @throws {Error} when the port was taken meanwhile.
   */
  restore(): Promise<void>;
  /** Destroys every connection and stops listening for good. */
  close(): Promise<void>;
}

/** Options of {@link startTcpProxy}. */
export interface TcpProxyOptions {
  /** `host:port` to forward to (e.g. the Temporal frontend). */
  target: string;
  /** Port to listen on (default: a free one). */
  port?: number;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      const address = server.address();
      if (address === null || typeof address === 'string') reject(new Error('the proxy has no TCP address'));
      else resolve(address.port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) resolve();
    else server.close(() => resolve());
  });
}

/**
 * Starts a proxy on 127.0.0.1 forwarding to `target`.
 * @throws {Error} when the target is not `host:port` or the port cannot be listened on.
 */
export async function startTcpProxy({ target, port = 0 }: TcpProxyOptions): Promise<TcpProxy> {
  const match = /^(.+):(\d+)$/.exec(target);
  if (match === null) throw new Error(`startTcpProxy: target "${target}" is not host:port`);
  const [, targetHost, targetPort] = match as unknown as [string, string, string];
  const sockets = new Set<Socket>();
  let accepted = 0;
  let isCut = false;

  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const onConnection = (client: Socket) => {
    if (isCut) {
      client.destroy();
      return;
    }
    accepted++;
    const upstream = new Socket();
    track(client);
    track(upstream);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    // Either side failing or closing ends both: a connection is forwarded whole or not at all.
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
    upstream.connect(Number(targetPort), targetHost, () => {
      client.pipe(upstream);
      upstream.pipe(client);
    });
  };

  let server = createServer(onConnection);
  const listeningPort = await listen(server, port);

  return {
    address: `127.0.0.1:${listeningPort}`,
    port: listeningPort,
    get isCut() {
      return isCut;
    },
    get accepted() {
      return accepted;
    },
    get open() {
      return [...sockets].filter((s) => !s.destroyed).length;
    },
    async cut() {
      isCut = true;
      const closed = closeServer(server);
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      await closed;
    },
    async restore() {
      if (!isCut) return;
      server = createServer(onConnection);
      await listen(server, listeningPort);
      isCut = false;
    },
    async close() {
      isCut = true;
      const closed = closeServer(server);
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      await closed;
    },
  };
}

/** Free loopback TCP ports for servers started later by another process or library. */
import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * Picks `count` distinct free TCP ports on 127.0.0.1 (all held open at once, then released), for
 * servers another process or library binds next: the SDK's metrics exporter, the embedded dev
 * server of the tests, the end-to-end tests, the cluster suite and the benchmarks.
 *
 * Linux hands out ephemeral ports at random, so a port released here could be handed to another
 * process's `bind(0)` (a parallel Temporal dev server picks several that way) before our child
 * binds it. Each port is therefore left with a connection in TIME_WAIT on its server side
 * (closed there first): while it lasts (60 s on Linux) `bind(0)` skips the port, and an explicit
 * bind with SO_REUSEADDR (Node, Go, PostgreSQL and Rust listeners set it) still succeeds. The
 * Temporal CLI and the SDK's test server pick their ports the same way.
 * @param count how many ports.
 * @returns `count` distinct port numbers on 127.0.0.1: bind each within a minute, with SO_REUSEADDR.
 * @throws {Error} when a listener cannot be opened, or a port's loopback connection does not
 *   open and close within 5 s.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
    }
    const ports = servers.map((s) => {
      const address = s.address();
      if (address === null || typeof address === 'string') throw new Error('no port');
      return address.port;
    });
    await Promise.all(servers.map((server, i) => leaveInTimeWait(server, ports[i] as number)));
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

/**
 * Connects to a listening `server` and closes the accepted side first, so that side ends in
 * TIME_WAIT. Connections from anyone else are dropped.
 * @throws {Error} when the connection fails or does not open and close within `timeoutMs`.
 */
async function leaveInTimeWait(server: Server, port: number, timeoutMs = 5_000): Promise<void> {
  const client = connect(port, '127.0.0.1');
  let accepted: Socket | undefined;
  let onConnection: ((socket: Socket) => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  const failed = new Promise<never>((_resolve, reject) => {
    client.once('error', reject);
    timer = setTimeout(
      () => reject(new Error(`port ${port}: the loopback connection did not open and close within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    const ours = new Promise<Socket>((resolve) => {
      onConnection = (socket) => {
        socket.on('error', () => undefined); // a reset shows as 'close'; the timeout covers the rest
        if (socket.remotePort === client.localPort) resolve(socket);
        else socket.destroy();
      };
      server.on('connection', onConnection);
    });
    accepted = await Promise.race([ours, failed]);
    const closed = [accepted, client].map((socket) => new Promise((resolve) => socket.once('close', resolve)));
    const clientEnded = new Promise((resolve) => client.once('end', resolve));
    accepted.end(); // our FIN first: the accepted side ends in TIME_WAIT
    await Promise.race([clientEnded, failed]);
    client.end();
    await Promise.race([Promise.all(closed), failed]);
  } finally {
    clearTimeout(timer);
    if (onConnection !== undefined) server.off('connection', onConnection);
    client.destroy();
    accepted?.destroy();
  }
}

/**
 * Runs `start` on `count` ports from {@link freePorts}; when it fails because another process took
 * one of them first (its error message says EADDRINUSE or "address already in use"), picks new
 * ports and runs it again, `tries` times in all.
 * @returns what `start` returns.
 * @throws whatever `start` threw: at once for any other failure, or its last port failure.
 */
export async function onFreePorts<T>(count: number, start: (ports: number[]) => Promise<T>, tries = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePorts(count));
    } catch (err) {
      if (attempt >= tries || !/EADDRINUSE|address already in use/i.test((err as Error).message)) throw err;
    }
  }
}

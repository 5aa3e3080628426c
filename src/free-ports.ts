/** Free loopback TCP ports for servers started later by another process or library. */
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * Picks `count` distinct free TCP ports on 127.0.0.1 (all held open at once, then released), for
 * the SDK's metrics exporter, the dev launcher, the end-to-end tests, the cluster suite and the
 * benchmarks.
 *
 * Linux hands out ephemeral ports at random, so a port released here could be handed to another
 * process's `bind(0)` (a parallel Temporal dev server picks several that way) before our child
 * binds it. Each port is therefore left with a connection in TIME_WAIT on its server side
 * (closed there first): while it lasts (60 s on Linux) `bind(0)` skips the port, and an explicit
 * bind with SO_REUSEADDR (Node, Go, PostgreSQL and Rust listeners set it) still succeeds. The
 * Temporal CLI picks its own ports the same way.
 * @throws {Error} when a listener cannot be opened.
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

/** Connects to a listening `server` and closes the accepted side first, so that side ends in TIME_WAIT. */
async function leaveInTimeWait(server: Server, port: number): Promise<void> {
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const client = connect(port, '127.0.0.1');
  const clientClosed = once(client, 'close');
  await once(client, 'connect');
  const [socket] = await accepted;
  const socketClosed = once(socket, 'close');
  socket.end();
  await once(client, 'end');
  client.end();
  await Promise.all([socketClosed, clientClosed]);
}

/** A loopback server that accepts TCP connections and never says anything: a hung KurrentDB. */
import { createServer, type Socket } from 'node:net';

export interface BlackHole {
  readonly port: number;
  /** `kurrentdb://127.0.0.1:PORT?tls=false` */
  readonly connectionString: string;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Drops every connection and stops listening. */
  close(): Promise<void>;
}

export async function startBlackHole(): Promise<BlackHole> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => undefined); // the client may reset it
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    connectionString: `kurrentdb://127.0.0.1:${port}?tls=false`,
    get connections() {
      return connections;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

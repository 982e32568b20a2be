// Free loopback ports for local redis-servers. The OS picks a candidate (bind to port 0); we keep
// our own record of ports already handed out, because a port is only "free" until the server we
// start for it binds it, and two clusters starting in parallel would otherwise get the same one.
import net from 'node:net';

/** Redis Cluster listens on port + 10000 for its bus, which must still be a valid port. */
export const BUS_PORT_OFFSET = 10000;
export const MAX_CLUSTER_PORT = 65535 - BUS_PORT_OFFSET;

const handedOut = new Set<number>();

function listenOnce(host: string, port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(null));
    server.listen({ host, port, exclusive: true }, () => {
      const addr = server.address();
      const got = typeof addr === 'object' && addr ? addr.port : null;
      server.close(() => resolve(got));
    });
  });
}

export async function canBind(host: string, port: number): Promise<boolean> {
  return (await listenOnce(host, port)) === port;
}

/**
 * A port on `host` that nobody listens on and that this process has not handed out yet. With
 * `withBusPort`, port + 10000 must be bindable too and the port stays below 55535.
 */
export async function findFreePort(host: string, withBusPort: boolean): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = await listenOnce(host, 0);
    if (port === null) {
      throw new Error(`cannot bind a TCP port on ${host}: is it a local address of this machine? (use 127.0.0.1)`);
    }
    if (handedOut.has(port)) continue;
    if (withBusPort && (port >= MAX_CLUSTER_PORT || !(await canBind(host, port + BUS_PORT_OFFSET)))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port pair (port and port+${BUS_PORT_OFFSET}) found on ${host} after 200 tries: too many ports in use? pass explicit ports`);
}

/** Marks an explicitly chosen port as taken, so findFreePort() never returns it meanwhile. */
export function reservePort(port: number): void {
  handedOut.add(port);
}

export function releasePort(port: number): void {
  handedOut.delete(port);
}

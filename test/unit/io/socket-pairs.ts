// Loopback socket pairs for the socket read tests (socket-reads, read-poller): a listening server
// on 127.0.0.1 and one connection to it, with hooks where each side's reads are set up.
import net from 'node:net';
import { once } from 'node:events';

export interface Pair {
  server: net.Server;
  accepted: net.Socket;
  client: net.Socket;
}

/** `onAccept` runs in the server's 'connection' handler, `onConnect` right after net.connect. */
export async function pair(onAccept: (s: net.Socket) => void, onConnect: (s: net.Socket) => void = () => {}): Promise<Pair> {
  const server = net.createServer();
  const accepted = new Promise<net.Socket>((resolve) =>
    server.on('connection', (s) => {
      onAccept(s);
      resolve(s);
    }),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  const client = net.connect({ host: '127.0.0.1', port });
  onConnect(client);
  await once(client, 'connect');
  return { server, accepted: await accepted, client };
}

export function close(p: Pair): void {
  p.client.destroy();
  p.accepted.destroy();
  p.server.close();
}

/** n bytes that differ with `seed` and along the buffer (a misplaced chunk shows) */
export function pattern(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7) & 0xff;
  return b;
}

export const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

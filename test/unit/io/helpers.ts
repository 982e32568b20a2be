// What the io tests (and the gather's) share: a connected pair of loopback sockets, and
// deterministic bytes.
import { once } from 'node:events';
import net from 'node:net';

/** A listening server on 127.0.0.1, a client connected to it and the server's side of it. */
export async function socketPair(): Promise<{ server: net.Server; client: net.Socket; peer: net.Socket }> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  const [peer] = (await once(server, 'connection')) as [net.Socket];
  await once(client, 'connect');
  return { server, client, peer };
}

/** A deterministic generator, so a failure can be replayed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** `n` bytes of a pattern that differs with `salt`. */
export function patterned(n: number, salt: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + salt * 7) & 255;
  return b;
}

// A raw TCP client for tests that look at the exact bytes on the wire.
import net from 'node:net';

export interface RawExchange {
  /** every byte received */
  data: Buffer;
  /** the server closed the connection */
  closed: boolean;
}

/**
 * Sends `input`, then a PING as a sentinel, and collects everything until the server closes the
 * connection or the sentinel's +PONG arrives (the connection is then known to be open).
 */
export function exchange(
  port: number,
  input: Buffer | string,
  opts: { sentinel?: boolean; host?: string; limitMs?: number; quietMs?: number } = {},
): Promise<RawExchange> {
  // Without the sentinel (inputs whose error depends on a line never ending) only a close ends it.
  // With quietMs (no PING sentinel possible, e.g. before AUTH) the exchange ends when the
  // connection stays quiet that long; the connection is then reported open.
  const sentinel = (opts.sentinel ?? true) && opts.quietMs === undefined;
  const host = opts.host ?? '127.0.0.1';
  const limitMs = opts.limitMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (closed: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (quiet) clearTimeout(quiet);
      socket.destroy();
      const data = Buffer.concat(chunks);
      resolve({ data: closed ? data : data.subarray(0, data.length - 7), closed });
    };
    const timer = setTimeout(() => {
      done = true;
      socket.destroy();
      reject(new Error(`no close and no sentinel reply within ${limitMs} ms; got ${JSON.stringify(Buffer.concat(chunks).toString('latin1'))}`));
    }, limitMs);
    socket.on('connect', () => {
      socket.write(input);
      if (sentinel) socket.write('PING\r\n');
    });
    let quiet: NodeJS.Timeout | null = null;
    const rearm = (): void => {
      if (opts.quietMs === undefined) return;
      if (quiet) clearTimeout(quiet);
      quiet = setTimeout(() => {
        chunks.push(Buffer.from('+PONG\r\n')); // stripped again by finish(false)
        finish(false);
      }, opts.quietMs);
    };
    socket.on('connect', rearm);
    socket.on('data', (c) => {
      rearm();
      chunks.push(c);
      if (sentinel && Buffer.concat(chunks).toString('latin1').endsWith('+PONG\r\n')) finish(false);
    });
    socket.on('error', () => finish(true));
    socket.on('close', () => finish(true));
  });
}

/** Sends `input` and resolves with all bytes once `expectedBytes` arrived (or the connection closed). */
export function sendAndRead(port: number, input: Buffer | string, expectedBytes: number, host = '127.0.0.1'): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const chunks: Buffer[] = [];
    let got = 0;
    socket.on('connect', () => socket.write(input));
    socket.on('data', (c) => {
      chunks.push(c);
      got += c.length;
      if (got >= expectedBytes) {
        socket.destroy();
        resolve(Buffer.concat(chunks));
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

// A raw TCP client for tests that look at the exact bytes on the wire.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { frames } from './resp-frames';

export interface RawExchange {
  /** every byte received */
  data: Buffer;
  /** the server closed the connection */
  closed: boolean;
}

/**
 * Sends `input`, then a PING with a word of its own as a sentinel, and collects everything until
 * the server closes the connection or the sentinel's reply arrives (the connection is then known
 * to be open). The replies are framed as RESP, so the sentinel is recognised as a whole reply
 * however the bytes were split into reads, and a PING of the input is never taken for it.
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
  const word = `sentinel-${randomBytes(8).toString('hex')}`;
  const sentinelReply = Buffer.from(`$${word.length}\r\n${word}\r\n`);
  const host = opts.host ?? '127.0.0.1';
  const limitMs = opts.limitMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    let data = Buffer.alloc(0);
    let parsed = 0; // where the first reply not yet framed starts
    let done = false;
    const finish = (closed: boolean, end = data.length): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (quiet) clearTimeout(quiet);
      socket.destroy();
      resolve({ data: data.subarray(0, end), closed });
    };
    const timer = setTimeout(() => {
      done = true;
      socket.destroy();
      reject(new Error(`no close and no sentinel reply within ${limitMs} ms; got ${JSON.stringify(data.toString('latin1'))}`));
    }, limitMs);
    socket.on('connect', () => {
      socket.write(input);
      if (sentinel) socket.write(`PING ${word}\r\n`);
    });
    let quiet: NodeJS.Timeout | null = null;
    const rearm = (): void => {
      if (opts.quietMs === undefined) return;
      if (quiet) clearTimeout(quiet);
      quiet = setTimeout(() => finish(false), opts.quietMs);
    };
    socket.on('connect', rearm);
    socket.on('data', (c) => {
      rearm();
      data = Buffer.concat([data, c]);
      if (!sentinel) return;
      try {
        for (const [start, end] of frames(data, parsed)) {
          parsed = end;
          if (data.subarray(start, end).equals(sentinelReply)) return finish(false, start);
        }
      } catch (err) {
        done = true;
        clearTimeout(timer);
        socket.destroy();
        reject(err);
      }
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

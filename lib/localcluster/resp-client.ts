// A tiny one-shot RESP2 client for polling local nodes (PING, CLUSTER INFO/SLOTS/NODES, INFO).
// Polling every 100 ms through redis-cli would spawn dozens of processes a second and flatten
// CLUSTER SLOTS into lines. Replies are decoded by redis-parser, not by the proxy's scanners,
// which are what the harness is there to test.
import { dial, readTlsFiles, type TlsFiles } from '../backend/dial';
import RedisParser from 'redis-parser';

export class RespError extends Error {}
export type RespValue = string | number | null | RespError | RespValue[];

function encode(args: readonly string[]): string {
  return `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('');
}

/**
 * Sends `commands` pipelined on a fresh connection (after AUTH when a password is given) and
 * resolves their replies in order; error replies come back as RespError values, not rejections.
 * Rejects on connection errors and after `timeoutMs`.
 */
export function respCommands(
  host: string,
  port: number,
  commands: readonly (readonly string[])[],
  opts: { password?: string; timeoutMs?: number; tls?: TlsFiles } = {},
): Promise<RespValue[]> {
  const all = opts.password !== undefined ? [['AUTH', opts.password], ...commands] : [...commands];
  const timeoutMs = opts.timeoutMs ?? 2000;
  return new Promise((resolve, reject) => {
    const { socket, ready } = dial(host, port, opts.tls ? readTlsFiles(opts.tls, `${host}:${port}`) : null);
    const replies: RespValue[] = [];
    let done = false;
    const finish = (err: Error | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) {
        reject(err);
        return;
      }
      if (opts.password !== undefined) {
        const auth = replies.shift();
        if (auth instanceof RespError) {
          reject(new Error(`AUTH to ${host}:${port} failed: ${auth.message}`));
          return;
        }
      }
      resolve(replies);
    };
    const timer = setTimeout(() => finish(new Error(`${host}:${port} did not answer within ${timeoutMs} ms`)), timeoutMs);
    socket.setNoDelay(true);
    socket.on(ready, () => socket.write(all.map(encode).join('')));
    const parser = new RedisParser({
      returnReply: (reply: RespValue) => {
        replies.push(reply);
        if (replies.length === all.length) finish(null);
      },
      returnError: (err: Error) => {
        replies.push(new RespError(err.message));
        if (replies.length === all.length) finish(null);
      },
      returnFatalError: (err: Error) => finish(new Error(`${host}:${port} sent a malformed reply: ${err.message}`)),
    });
    socket.on('data', (chunk: Buffer) => parser.execute(chunk));
    socket.on('error', (err) => finish(new Error(`${host}:${port}: ${err.message}`)));
    socket.on('close', () => finish(new Error(`${host}:${port} closed the connection after ${replies.length} of ${all.length} replies`)));
  });
}

/** One command; an error reply rejects. */
export async function respCommand(
  host: string,
  port: number,
  args: readonly string[],
  opts: { password?: string; timeoutMs?: number; tls?: TlsFiles } = {},
): Promise<RespValue> {
  const [reply] = await respCommands(host, port, [args], opts);
  if (reply instanceof RespError) throw new Error(`${args.join(' ')} on ${host}:${port}: ${reply.message}`);
  return reply ?? null;
}

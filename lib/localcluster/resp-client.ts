// A tiny one-shot RESP2 client for polling local nodes (PING, CLUSTER INFO/SLOTS/NODES, INFO).
// Polling every 100 ms through redis-cli would spawn dozens of processes a second and flatten
// CLUSTER SLOTS into lines; this keeps the harness independent of the proxy's own protocol code,
// which is what the harness is there to test.
import net from 'node:net';

export class RespError extends Error {}
export type RespValue = string | number | null | RespError | RespValue[];

class Incomplete {}
const INCOMPLETE = new Incomplete();

function parseAt(buf: Buffer, pos: number): [RespValue, number] | Incomplete {
  const eol = buf.indexOf('\r\n', pos);
  if (eol < 0) return INCOMPLETE;
  const type = String.fromCharCode(buf[pos]!);
  const line = buf.toString('utf8', pos + 1, eol);
  const next = eol + 2;
  switch (type) {
    case '+':
      return [line, next];
    case '-':
      return [new RespError(line), next];
    case ':':
      return [Number(line), next];
    case '$': {
      const len = Number(line);
      if (len < 0) return [null, next];
      if (buf.length < next + len + 2) return INCOMPLETE;
      return [buf.toString('utf8', next, next + len), next + len + 2];
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return [null, next];
      const items: RespValue[] = [];
      let at = next;
      for (let i = 0; i < count; i++) {
        const r = parseAt(buf, at);
        if (r instanceof Incomplete) return r;
        items.push(r[0]);
        at = r[1];
      }
      return [items, at];
    }
    default:
      throw new Error(`unexpected RESP type byte ${JSON.stringify(type)}`);
  }
}

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
  opts: { password?: string; timeoutMs?: number } = {},
): Promise<RespValue[]> {
  const all = opts.password !== undefined ? [['AUTH', opts.password], ...commands] : [...commands];
  const timeoutMs = opts.timeoutMs ?? 2000;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    let buf: Buffer = Buffer.alloc(0);
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
    socket.on('connect', () => socket.write(all.map(encode).join('')));
    socket.on('data', (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      try {
        let at = 0;
        while (replies.length < all.length) {
          const r = parseAt(buf, at);
          if (r instanceof Incomplete) break;
          replies.push(r[0]);
          at = r[1];
        }
        buf = buf.subarray(at);
      } catch (err) {
        finish(err as Error);
        return;
      }
      if (replies.length === all.length) finish(null);
    });
    socket.on('error', (err) => finish(new Error(`${host}:${port}: ${err.message}`)));
    socket.on('close', () => finish(new Error(`${host}:${port} closed the connection after ${replies.length} of ${all.length} replies`)));
  });
}

/** One command; an error reply rejects. */
export async function respCommand(
  host: string,
  port: number,
  args: readonly string[],
  opts: { password?: string; timeoutMs?: number } = {},
): Promise<RespValue> {
  const [reply] = await respCommands(host, port, [args], opts);
  if (reply instanceof RespError) throw new Error(`${args.join(' ')} on ${host}:${port}: ${reply.message}`);
  return reply ?? null;
}

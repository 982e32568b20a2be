// The frames of client tracking: the invalidation pushes a node sends the proxy's tracking
// connections, read here, and what the proxy writes to its clients, as Redis 7.0 writes them
// (src/tracking.c sendTrackingMessage): a RESP3 client gets the push `invalidate [keys]` (a null
// list: "flush everything"); a RESP2 client redirecting to a subscribed RESP2 connection makes it
// get `message __redis__:invalidate [keys]`.
import { bulk, encode, integer } from '../../protocol/resp';

const INVALIDATE = Buffer.from('>2\r\n$10\r\ninvalidate\r\n');
const MESSAGE = Buffer.from('*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n');
const REDIR_BROKEN = Buffer.from('>2\r\n$21\r\ntracking-redir-broken\r\n');

/** The keys of an invalidation push from a node; null: "flush everything"; undefined: not an invalidation. */
export function invalidatedKeys(frame: Buffer): Buffer[] | null | undefined {
  if (frame.length < INVALIDATE.length || !frame.subarray(0, INVALIDATE.length).equals(INVALIDATE)) return undefined;
  let at = INVALIDATE.length;
  const line = (): string => {
    const end = frame.indexOf('\r\n', at, 'latin1');
    if (end < 0) throw new Error('truncated');
    const text = frame.toString('latin1', at, end);
    at = end + 2;
    return text;
  };
  try {
    const head = line();
    if (head === '_' || head === '*-1') return null;
    if (head[0] !== '*') return undefined;
    const n = Number(head.slice(1));
    const keys: Buffer[] = [];
    for (let i = 0; i < n; i++) {
      const len = line();
      if (len[0] !== '$') return undefined;
      const size = Number(len.slice(1));
      keys.push(Buffer.from(frame.subarray(at, at + size)));
      at += size + 2;
    }
    return keys;
  } catch {
    return undefined;
  }
}

function keyList(keys: readonly Buffer[] | null, resp3: boolean): Buffer {
  return keys === null ? encode(null, resp3) : Buffer.concat([Buffer.from(`*${keys.length}\r\n`), ...keys.map((k) => bulk(k))]);
}

/** `invalidate` for a RESP3 connection. */
export function invalidatePush(keys: readonly Buffer[] | null): Buffer {
  return Buffer.concat([INVALIDATE, keyList(keys, true)]);
}

/** The message a subscribed RESP2 connection gets when a tracking client redirects to it. */
export function invalidateMessage(keys: readonly Buffer[] | null): Buffer {
  return Buffer.concat([MESSAGE, keyList(keys, false)]);
}

/** What a RESP3 tracking client gets instead of an invalidation once its REDIRECT client is gone. */
export function redirBroken(id: number): Buffer {
  return Buffer.concat([REDIR_BROKEN, integer(id)]);
}

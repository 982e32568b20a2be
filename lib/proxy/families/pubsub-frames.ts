// The few shapes pub/sub deals in: the flat arrays a node pushes in subscribed mode (RESP2 arrays,
// RESP3 pushes: confirmations, messages, pongs), PUBSUB's flat replies, and the frames the proxy
// writes itself with the client's own subscription counts, in the client's protocol.

export type FlatItem = Buffer | number | null;

const ARRAY = 42; // '*'
const PUSH = 62; // '>'

/**
 * The top-level items of a flat array or push of bulk strings, integers and nulls (views into
 * `frame`), at most `max` of them; null when the frame is not such an array. Messages can be
 * megabytes long: pass a small `max` to look only at their kind.
 */
export function flatArray(frame: Buffer, max = Infinity): FlatItem[] | null {
  if (frame[0] !== ARRAY && frame[0] !== PUSH) return null;
  let lf = frame.indexOf(10);
  const count = Number(frame.toString('latin1', 1, lf - 1));
  if (!Number.isInteger(count) || count < 0) return null;
  const out: FlatItem[] = [];
  let pos = lf + 1;
  for (let i = 0; i < count && i < max; i++) {
    const type = frame[pos];
    lf = frame.indexOf(10, pos);
    if (lf < 0) return null;
    const n = Number(frame.toString('latin1', pos + 1, lf - 1));
    if (type === 58 /* ':' */) {
      out.push(n);
      pos = lf + 1;
    } else if (type === 95 /* '_' */) {
      out.push(null);
      pos = lf + 1;
    } else if (type === 36 /* '$' */) {
      if (n < 0) {
        out.push(null);
        pos = lf + 1;
      } else {
        out.push(frame.subarray(lf + 1, lf + 1 + n));
        pos = lf + 1 + n + 2;
      }
    } else {
      return null;
    }
  }
  return out;
}

/** The first element of a pushed array ('message', 'subscribe', 'pong' ...), lowercase; '' if none. */
export function pushKind(frame: Buffer): string {
  const head = flatArray(frame, 1);
  const first = head?.[0];
  return Buffer.isBuffer(first) && first.length <= 16 ? first.toString('latin1').toLowerCase() : '';
}

function bulkOf(b: Buffer | string | null, resp3: boolean): string | Buffer[] {
  if (b === null) return resp3 ? '_\r\n' : '$-1\r\n';
  const body = typeof b === 'string' ? Buffer.from(b, 'latin1') : b;
  return [Buffer.from(`$${body.length}\r\n`, 'latin1'), body, Buffer.from('\r\n', 'latin1')];
}

/**
 * `*3 <kind> <channel or nil> :<count>`: what Redis sends for each (un)subscribed channel; a push
 * (`>3`, nil `_`) in RESP3.
 */
export function confirmation(kind: string, channel: Buffer | null, count: number, resp3: boolean): Buffer {
  const ch = bulkOf(channel, resp3);
  const head = Buffer.from(`${resp3 ? '>' : '*'}3\r\n$${kind.length}\r\n${kind}\r\n`, 'latin1');
  const tail = Buffer.from(`:${count}\r\n`, 'latin1');
  return typeof ch === 'string' ? Buffer.concat([head, Buffer.from(ch, 'latin1'), tail]) : Buffer.concat([head, ...ch, tail]);
}

/** PING in subscribed mode (RESP2): `*2 pong <argument or "">`. */
export function subscribedPong(arg: Buffer | null): Buffer {
  return Buffer.concat([Buffer.from('*2\r\n$4\r\npong\r\n', 'latin1'), ...(bulkOf(arg ?? Buffer.alloc(0), false) as Buffer[])]);
}

/**
 * A message a node pushed, in the client's protocol: a RESP3 link's push for a client that went
 * back to RESP2 with HELLO 2 while subscribed becomes an array, and the other way round. The
 * elements (bulk strings) are the same in both.
 */
export function inProtocol(frame: Buffer, resp3: boolean): Buffer {
  const want = resp3 ? PUSH : ARRAY;
  if (frame[0] === want || (frame[0] !== PUSH && frame[0] !== ARRAY)) return frame;
  const copy = Buffer.from(frame);
  copy[0] = want;
  return copy;
}

/** The channel name as a map key: latin1 keeps every byte. */
export function keyOf(b: Buffer): string {
  return b.toString('latin1');
}

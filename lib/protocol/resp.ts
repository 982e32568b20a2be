// RESP2 encoders for replies the proxy writes itself, and a decoder of one request frame into
// its arguments for the commands the proxy answers (rare path: allocates freely).

const CRLF = '\r\n';

export const OK = Buffer.from('+OK\r\n');
export const PONG = Buffer.from('+PONG\r\n');
export const NULL_BULK = Buffer.from('$-1\r\n');
export const NULL_ARRAY = Buffer.from('*-1\r\n');

export function simple(s: string): Buffer {
  return Buffer.from(`+${s}${CRLF}`);
}

/** An error reply; `message` starts with its code (ERR, WRONGTYPE, ...). CR/LF become spaces, as Redis does. */
export function error(message: string): Buffer {
  return Buffer.from(`-${message.replace(/[\r\n]/g, ' ')}${CRLF}`);
}

export function integer(n: number | bigint): Buffer {
  return Buffer.from(`:${n}${CRLF}`);
}

export function bulk(value: string | Buffer | null): Buffer {
  if (value === null) return NULL_BULK;
  const body = typeof value === 'string' ? Buffer.from(value) : value;
  return Buffer.concat([Buffer.from(`$${body.length}${CRLF}`), body, Buffer.from(CRLF)]);
}

export type RespValue = string | Buffer | number | bigint | null | RespValue[] | { error: string } | { simple: string };

/** Encodes nested values: strings and Buffers as bulk strings, numbers as integers. */
export function encode(value: RespValue): Buffer {
  if (value === null) return NULL_BULK;
  if (typeof value === 'number' || typeof value === 'bigint') return integer(value);
  if (typeof value === 'string' || Buffer.isBuffer(value)) return bulk(value);
  if (Array.isArray(value)) return Buffer.concat([Buffer.from(`*${value.length}${CRLF}`), ...value.map(encode)]);
  if ('error' in value) return error(value.error);
  return simple(value.simple);
}

/** A command as RESP, the way clients send it. */
export function command(args: (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}${CRLF}`)];
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a) : a;
    parts.push(Buffer.from(`$${b.length}${CRLF}`), b, Buffer.from(CRLF));
  }
  return Buffer.concat(parts);
}

/**
 * The arguments of one multibulk frame the request scanner accepted (so it is well formed).
 * Returns views into the frame, not copies.
 */
export function frameArgs(frame: Buffer): Buffer[] {
  const args: Buffer[] = [];
  let pos = frame.indexOf(13) + 2;
  while (pos < frame.length) {
    const cr = frame.indexOf(13, pos);
    const len = Number(frame.toString('latin1', pos + 1, cr));
    const start = cr + 2;
    args.push(frame.subarray(start, start + len));
    pos = start + len + 2;
  }
  return args;
}

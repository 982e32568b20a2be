// Encoders for replies the proxy writes itself, in the client's protocol (RESP2, or RESP3 after
// HELLO 3), and a decoder of one request frame into its arguments for the commands the proxy
// answers (rare path: allocates freely). Each RESP3 type has the RESP2 shape Redis 7 gives it
// (src/networking.c addReplyMapLen, addReplySetLen, addReplyVerbatim, addReplyNull ...).

const CRLF = '\r\n';

export const OK = Buffer.from('+OK\r\n');
export const PONG = Buffer.from('+PONG\r\n');
export const NULL_BULK = Buffer.from('$-1\r\n');
export const NULL_ARRAY = Buffer.from('*-1\r\n');
/** RESP3's one null, for every null (Redis's addReplyNull and addReplyNullArray) */
export const NULL3 = Buffer.from('_\r\n');

/** A null bulk string in the client's protocol. */
export const nullBulk = (resp3: boolean): Buffer => (resp3 ? NULL3 : NULL_BULK);
/** A null array in the client's protocol (EXEC aborted, BLPOP timed out). */
export const nullArray = (resp3: boolean): Buffer => (resp3 ? NULL3 : NULL_ARRAY);

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

/** A map: keys and values alternate (k1, v1, k2, v2 ...); RESP2 sees the flat array. */
export interface MapValue {
  readonly map: readonly RespValue[];
}
/** A set; RESP2 sees an array. */
export interface SetValue {
  readonly set: readonly RespValue[];
}
/** A push (out-of-band data: pub/sub, invalidations); RESP2 sees an array. */
export interface PushValue {
  readonly push: readonly RespValue[];
}
/** A verbatim string, `format` 3 characters ("txt", "mkd"); RESP2 sees a bulk string. */
export interface VerbatimValue {
  readonly verbatim: string | Buffer;
  readonly format?: string;
}

export type RespValue = string | Buffer | number | bigint | null | RespValue[] | { error: string } | { simple: string } | MapValue | SetValue | PushValue | VerbatimValue;

export const mapOf = (entries: readonly RespValue[]): MapValue => ({ map: entries });
export const setOf = (items: readonly RespValue[]): SetValue => ({ set: items });
export const pushOf = (items: readonly RespValue[]): PushValue => ({ push: items });

/** A verbatim string (INFO, CLIENT LIST, CLUSTER NODES ...) in the client's protocol. */
export function verbatim(text: string | Buffer, resp3: boolean, format = 'txt'): Buffer {
  if (!resp3) return bulk(text);
  const body = typeof text === 'string' ? Buffer.from(text) : text;
  return Buffer.concat([Buffer.from(`=${body.length + format.length + 1}${CRLF}${format}:`), body, Buffer.from(CRLF)]);
}

function aggregate(kind: string, items: readonly RespValue[], resp3: boolean, count = items.length): Buffer {
  return Buffer.concat([Buffer.from(`${kind}${count}${CRLF}`), ...items.map((v) => encode(v, resp3))]);
}

/**
 * Encodes nested values in RESP2 (`resp3` false) or RESP3: strings and Buffers as bulk strings,
 * numbers as integers, null as a null bulk string (RESP3 `_`), arrays as arrays; maps, sets,
 * pushes and verbatim strings as their RESP3 types, or their RESP2 shapes.
 */
export function encode(value: RespValue, resp3 = false): Buffer {
  if (value === null) return resp3 ? NULL3 : NULL_BULK;
  if (typeof value === 'number' || typeof value === 'bigint') return integer(value);
  if (typeof value === 'string' || Buffer.isBuffer(value)) return bulk(value);
  if (Array.isArray(value)) return aggregate('*', value, resp3);
  if ('error' in value) return error(value.error);
  if ('simple' in value) return simple(value.simple);
  if ('map' in value) return resp3 ? aggregate('%', value.map, resp3, value.map.length / 2) : aggregate('*', value.map, resp3);
  if ('set' in value) return aggregate(resp3 ? '~' : '*', value.set, resp3);
  if ('push' in value) return aggregate(resp3 ? '>' : '*', value.push, resp3);
  return verbatim(value.verbatim, resp3, value.format);
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

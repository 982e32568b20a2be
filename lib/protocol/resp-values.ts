// Walking the values of a complete reply frame, RESP2 or RESP3, for the rare code that looks
// inside replies (merges, EXEC's errors): no allocation, bounds checked.

const CR = 13;
import {
  TYPE_ARRAY as T_ARRAY,
  TYPE_ATTRIBUTE as T_ATTRIB,
  TYPE_BLOB_ERROR as T_BLOB_ERROR,
  TYPE_BULK as T_BULK,
  TYPE_MAP as T_MAP,
  TYPE_PUSH as T_PUSH,
  TYPE_SET as T_SET,
  TYPE_VERBATIM as T_VERBATIM,
} from './records';

/** The number on the header line at `pos` (after its type byte), or NaN. */
export function headerNumber(buf: Buffer, pos: number, end = buf.length): number {
  const cr = buf.indexOf(CR, pos + 1);
  if (cr < 0 || cr >= end) return NaN;
  return Number(buf.toString('latin1', pos + 1, cr));
}

const CRLF = Buffer.from('\r\n');

/** Position after the CRLF of the line starting at `pos`, or -1 (a line may hold a lone LF). */
function lineAfter(buf: Buffer, pos: number, end: number): number {
  const cr = buf.indexOf(CRLF, pos);
  return cr < 0 || cr + 2 > end ? -1 : cr + 2;
}

/** The values an aggregate header counts per entry: 2 for maps and attributes, 1 for the others, 0 for the rest. */
function perEntry(type: number): number {
  if (type === T_ARRAY || type === T_SET || type === T_PUSH) return 1;
  return type === T_MAP || type === T_ATTRIB ? 2 : 0;
}

/**
 * Position after the whole value starting at `pos` (an attribute with the value it annotates),
 * or -1 when it is cut short by `end` or malformed.
 */
export function valueEnd(buf: Buffer, pos: number, end = buf.length): number {
  const type = buf[pos];
  let next = lineAfter(buf, pos, end);
  if (next < 0) return -1;
  if (type === T_BULK || type === T_VERBATIM || type === T_BLOB_ERROR) {
    const len = headerNumber(buf, pos, end);
    if (len < 0) return next;
    return len >= 0 && next + len + 2 <= end ? next + len + 2 : -1;
  }
  const per = perEntry(type);
  if (per === 0) return next; // one line: + - : _ # , (
  const n = headerNumber(buf, pos, end);
  if (n < 0) return next; // RESP2 null array
  if (!(n >= 0)) return -1;
  for (let i = 0; i < n * per && next >= 0; i++) next = valueEnd(buf, next, end);
  if (type === T_ATTRIB && next >= 0) return valueEnd(buf, next, end);
  return next;
}

/** Where the reply at `pos` starts, past any attributes before it; -1 if malformed. */
export function pastAttributes(buf: Buffer, pos = 0, end = buf.length): number {
  while (pos >= 0 && buf[pos] === T_ATTRIB) {
    let next = lineAfter(buf, pos, end);
    const n = headerNumber(buf, pos, end);
    if (!(n >= 0)) return -1;
    for (let i = 0; i < 2 * n && next >= 0; i++) next = valueEnd(buf, next, end);
    pos = next;
  }
  return pos;
}

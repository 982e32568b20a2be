// Reading parts of reply frames the families merge (control path: small allocations are fine).
// The frames come from connections of the client's protocol: RESP2, or RESP3 with its nulls `_`,
// maps `%`, sets `~`, pushes `>`, verbatim strings `=`, blob errors `!`, and attributes `|` that
// may precede any reply (they annotate it; a merge looks past them).
import {
  isErrorType,
  TYPE_ARRAY as T_ARRAY,
  TYPE_BULK as T_BULK,
  TYPE_MAP as T_MAP,
  TYPE_NULL as T_NULL,
  TYPE_PUSH as T_PUSH,
  TYPE_SET as T_SET,
  TYPE_VERBATIM as T_VERBATIM,
} from '../../protocol/records';
import { headerNumber, pastAttributes, valueEnd } from '../../protocol/resp-values';

const LF = 10;
const CRLF = Buffer.from('\r\n');

/** Where the reply itself starts: past the attributes that precede it, if any. */
export function replyStart(frame: Buffer): number {
  return Math.max(0, pastAttributes(frame));
}

export const isError = (frame: Buffer): boolean => isErrorType(frame[replyStart(frame)]);

/** The frame begins with these bytes (safe for frames shorter than the prefix). */
export function startsWith(frame: Buffer, prefix: Buffer): boolean {
  return frame.length >= prefix.length && frame.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;
}

/** An array, set or push (RESP2 '*'; what RESP2 shows as an array). */
export const isArray = (frame: Buffer): boolean => {
  const t = frame[replyStart(frame)];
  return t === T_ARRAY || t === T_SET || t === T_PUSH;
};

/** The value of an integer reply (":12\r\n"). */
export function integerOf(frame: Buffer): number {
  return headerNumber(frame, replyStart(frame));
}

/**
 * The text of a bulk string reply, of a verbatim string (without its "txt:" format) or of a
 * simple string; null for a null (RESP2 `$-1`, RESP3 `_`).
 */
export function bulkOf(frame: Buffer): Buffer | null {
  const pos = replyStart(frame);
  const t = frame[pos];
  if (t === T_NULL) return null;
  if (t !== T_BULK && t !== T_VERBATIM) return frame.subarray(pos + 1, frame.indexOf(CRLF, pos));
  const lf = frame.indexOf(LF, pos);
  const len = Number(frame.toString('latin1', pos + 1, lf - 1));
  if (len < 0) return null;
  const skip = t === T_VERBATIM ? 4 : 0;
  return frame.subarray(lf + 1 + skip, lf + 1 + len);
}

/**
 * The top-level elements of an array, set, push or map reply (a map's keys and values are
 * elements each), as views of the frame. `ends`/`elems`/`elemBase` are the reply scanner's element
 * record when there is one (see ReplySink); otherwise the frame is walked.
 */
export function arrayElements(frame: Buffer, ends?: Int32Array, elems = -1, elemBase = 0): Buffer[] {
  const out: Buffer[] = [];
  const pos = replyStart(frame);
  let start = frame.indexOf(LF, pos) + 1;
  if (ends && elems >= 0) {
    const n = ends[elems];
    for (let i = 0; i < n; i++) {
      const end = ends[elems + 1 + i] - elemBase;
      out.push(frame.subarray(start, end));
      start = end;
    }
    return out;
  }
  const n = headerNumber(frame, pos) * (frame[pos] === T_MAP ? 2 : 1);
  for (let i = 0; i < n; i++) {
    const end = valueEnd(frame, start);
    if (end < 0) break; // not a whole reply: what could be read
    out.push(frame.subarray(start, end));
    start = end;
  }
  return out;
}

/** An array reply made of already-encoded elements. */
export function arrayOf(elements: Buffer[]): Buffer {
  return Buffer.concat([Buffer.from(`*${elements.length}\r\n`), ...elements]);
}

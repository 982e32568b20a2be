// Reading parts of reply frames the families merge (control path: small allocations are fine).
import { TYPE_ARRAY, TYPE_ERROR } from '../../protocol/records';

export const isError = (frame: Buffer): boolean => frame[0] === TYPE_ERROR;

/** The frame begins with these bytes (safe for frames shorter than the prefix). */
export function startsWith(frame: Buffer, prefix: Buffer): boolean {
  return frame.length >= prefix.length && frame.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;
}
export const isArray = (frame: Buffer): boolean => frame[0] === TYPE_ARRAY;

/** The value of an integer reply (":12\r\n"). */
export function integerOf(frame: Buffer): number {
  return Number(frame.toString('latin1', 1, frame.length - 2));
}

/** The text of a bulk string reply, or null for nil. */
export function bulkOf(frame: Buffer): Buffer | null {
  const lf = frame.indexOf(10);
  const len = Number(frame.toString('latin1', 1, lf - 1));
  return len < 0 ? null : frame.subarray(lf + 1, lf + 1 + len);
}

/** Length of the RESP value starting at `pos`, walking nested arrays. */
function valueEnd(frame: Buffer, pos: number): number {
  const lf = frame.indexOf(10, pos);
  const type = frame[pos];
  const n = Number(frame.toString('latin1', pos + 1, lf - 1));
  if (type === 36 /* $ */) return n < 0 ? lf + 1 : lf + 1 + n + 2;
  if (type !== TYPE_ARRAY) return lf + 1;
  let at = lf + 1;
  for (let i = 0; i < n; i++) at = valueEnd(frame, at);
  return at;
}

/**
 * The top-level elements of an array reply, as views of the frame. `ends`/`elems`/`elemBase`
 * are the reply scanner's element record when there is one (see ReplySink); otherwise the frame
 * is walked.
 */
export function arrayElements(frame: Buffer, ends?: Int32Array, elems = -1, elemBase = 0): Buffer[] {
  const out: Buffer[] = [];
  const lf = frame.indexOf(10);
  let start = lf + 1;
  if (ends && elems >= 0) {
    const n = ends[elems];
    for (let i = 0; i < n; i++) {
      const end = ends[elems + 1 + i] - elemBase;
      out.push(frame.subarray(start, end));
      start = end;
    }
    return out;
  }
  const n = Number(frame.toString('latin1', 1, lf - 1));
  for (let i = 0; i < n; i++) {
    const end = valueEnd(frame, start);
    out.push(frame.subarray(start, end));
    start = end;
  }
  return out;
}

/** An array reply made of already-encoded elements. */
export function arrayOf(elements: Buffer[]): Buffer {
  return Buffer.concat([Buffer.from(`*${elements.length}\r\n`), ...elements]);
}

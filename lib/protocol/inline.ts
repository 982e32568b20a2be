// Inline commands ("SET a b\r\n", what telnet users type): split exactly like Redis's
// sdssplitargs (src/sds.c), then re-encoded as RESP so the rest of the proxy sees one format.

const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);
const isHex = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
const hexValue = (c: number): number => (c <= 57 ? c - 48 : (c | 32) - 87);

/** The arguments of an inline line (without its line ending), or null for unbalanced quotes. */
export function splitInline(line: Uint8Array): Buffer[] | null {
  const n = line.length;
  const at = (i: number): number => (i < n ? line[i] : 0); // the line is a C string to Redis
  const args: Buffer[] = [];
  let p = 0;
  for (;;) {
    while (at(p) && isSpace(at(p))) p++;
    if (!at(p)) return args;
    const current: number[] = [];
    let inq = false;
    let insq = false;
    let done = false;
    while (!done) {
      const c = at(p);
      if (inq) {
        if (c === 92 && at(p + 1) === 120 && isHex(at(p + 2)) && isHex(at(p + 3))) {
          current.push(hexValue(at(p + 2)) * 16 + hexValue(at(p + 3)));
          p += 3;
        } else if (c === 92 && at(p + 1)) {
          p++;
          const e = at(p);
          current.push(e === 110 ? 10 : e === 114 ? 13 : e === 116 ? 9 : e === 98 ? 8 : e === 97 ? 7 : e);
        } else if (c === 34) {
          if (at(p + 1) && !isSpace(at(p + 1))) return null;
          done = true;
        } else if (!c) {
          return null;
        } else {
          current.push(c);
        }
      } else if (insq) {
        if (c === 92 && at(p + 1) === 39) {
          p++;
          current.push(39);
        } else if (c === 39) {
          if (at(p + 1) && !isSpace(at(p + 1))) return null;
          done = true;
        } else if (!c) {
          return null;
        } else {
          current.push(c);
        }
      } else if (c === 32 || c === 10 || c === 13 || c === 9 || c === 0) {
        done = true;
      } else if (c === 34) {
        inq = true;
      } else if (c === 39) {
        insq = true;
      } else {
        current.push(c);
      }
      if (at(p)) p++;
    }
    args.push(Buffer.from(current));
  }
}

/** The line of an inline frame: without "\n" or "\r\n". */
export function inlineLine(frame: Buffer): Buffer {
  let end = frame.length - 1; // the '\n'
  if (end > 0 && frame[end - 1] === 13) end--;
  return frame.subarray(0, end);
}

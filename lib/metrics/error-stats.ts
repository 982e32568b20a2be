// INFO errorstats: error replies counted by prefix, as Redis 7 counts them (networking.c
// afterErrorReply): the word after '-' up to the first space within the first 32 bytes of the
// error line, or "ERR" when no space is there.

/** Redis looks for the space within this many bytes of the error line, its '-' included. */
const PREFIX_SEARCH = 32;
const CR = 13;
const SPACE = 32;
const MINUS = 45;
const STAR = 42;
const DOLLAR = 36;

/** The errorstats prefix of the error line starting at reply[at] (a '-'). */
export function errorPrefix(reply: Buffer, at: number, end: number): string {
  let lineEnd = reply.indexOf(CR, at);
  if (lineEnd < 0 || lineEnd > end) lineEnd = end;
  const limit = Math.min(lineEnd, at + PREFIX_SEARCH);
  for (let p = at; p < limit; p++) if (reply[p] === SPACE) return reply.toString('latin1', at + 1, p);
  return 'ERR';
}

function add(codes: Map<string, number>, code: string): void {
  codes.set(code, (codes.get(code) ?? 0) + 1);
}

/** Position after the CRLF of the line starting at `pos`, or -1. */
function lineAfter(buf: Buffer, pos: number, end: number): number {
  const cr = buf.indexOf(CR, pos);
  return cr < 0 || cr + 2 > end ? -1 : cr + 2;
}

/** Position after the whole value starting at `pos` (RESP2), or -1 if it is cut short. */
function skipValue(buf: Buffer, pos: number, end: number): number {
  const next = lineAfter(buf, pos, end);
  if (next < 0) return -1;
  const type = buf[pos];
  if (type === DOLLAR) {
    const len = Number(buf.toString('latin1', pos + 1, next - 2));
    return len < 0 ? next : next + len + 2 <= end ? next + len + 2 : -1;
  }
  if (type === STAR) {
    let p = next;
    const n = Number(buf.toString('latin1', pos + 1, next - 2));
    for (let i = 0; i < n && p >= 0; i++) p = skipValue(buf, p, end);
    return p;
  }
  return next;
}

/**
 * Counts into `codes` the error reply at reply[start] or, when `nested` (EXEC), the errors among
 * the elements of the array there. Returns how many nested errors it counted: a top-level error
 * is already in total_error_replies, nested ones are not.
 */
export function countReplyErrors(codes: Map<string, number>, reply: Buffer, start: number, end: number, nested: boolean): number {
  if (reply[start] === MINUS) {
    add(codes, errorPrefix(reply, start, end));
    return 0;
  }
  if (!nested || reply[start] !== STAR) return 0;
  let p = lineAfter(reply, start, end);
  const n = p < 0 ? 0 : Number(reply.toString('latin1', start + 1, p - 2));
  let found = 0;
  for (let i = 0; i < n && p >= 0; i++) {
    if (reply[p] === MINUS) {
      add(codes, errorPrefix(reply, p, end));
      found++;
    }
    p = skipValue(reply, p, end);
  }
  return found;
}

/** INFO errorstats lines, in Redis's order (its rax sorts the prefixes bytewise). */
export function errorStatLines(codes: ReadonlyMap<string, number>): [string, string][] {
  return [...codes]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([code, count]) => [`errorstat_${code}`, `count=${count}`]);
}

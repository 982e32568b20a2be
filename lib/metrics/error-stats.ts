// INFO errorstats: error replies counted by prefix, as Redis 7 counts them (networking.c
// afterErrorReply): the word after '-' up to the first space within the first 32 bytes of the
// error line, or "ERR" when no space is there.
import { headerNumber, valueEnd } from '../protocol/resp-values';

/** Redis looks for the space within this many bytes of the error line, its '-' included. */
const PREFIX_SEARCH = 32;
const CR = 13;
const SPACE = 32;
const LF = 10;
const MINUS = 45;
const BANG = 33;
const STAR = 42;

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

/**
 * The error at reply[at], '-' line or RESP3 blob error '!' (whose text follows its length line),
 * counted into `codes`; false when it is no error.
 */
function countError(codes: Map<string, number>, reply: Buffer, at: number, end: number): boolean {
  const type = reply[at];
  if (type === MINUS) add(codes, errorPrefix(reply, at, end));
  // (errorPrefix skips the byte at `at`: here the LF before the text)
  else if (type === BANG) add(codes, errorPrefix(reply, reply.indexOf(LF, at), end));
  else return false;
  return true;
}

/**
 * Counts into `codes` the error reply at reply[start] or, when `nested` (EXEC), the errors among
 * the elements of the array there. Returns how many nested errors it counted: a top-level error
 * is already in total_error_replies, nested ones are not.
 */
export function countReplyErrors(codes: Map<string, number>, reply: Buffer, start: number, end: number, nested: boolean): number {
  if (countError(codes, reply, start, end)) return 0;
  if (!nested || reply[start] !== STAR) return 0;
  let p = reply.indexOf(LF, start) + 1;
  const n = headerNumber(reply, start, end);
  let found = 0;
  // (elements of RESP3 replies too: maps, sets, doubles ... are walked past)
  for (let i = 0; i < n && p > 0 && p < end; i++) {
    if (countError(codes, reply, p, end)) found++;
    p = valueEnd(reply, p, end);
  }
  return found;
}

/** INFO errorstats lines, in Redis's order (its rax sorts the prefixes bytewise). */
export function errorStatLines(codes: ReadonlyMap<string, number>): [string, string][] {
  return [...codes]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([code, count]) => [`errorstat_${code}`, `count=${count}`]);
}

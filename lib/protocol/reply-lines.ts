// What a reply line may hold, for lib/protocol/js-reply-scanner.ts: what each type byte opens,
// the check of a double or big number line byte by byte, signed 64-bit numbers, and the
// redirect kinds of an error. native/resp_framer.cc has the same rules (its comment at the top of
// resp_framer.h lists them).
import { Redirect } from './records';

export const LF = 10;
export const CR = 13;

// What a type byte opens (the table of resp_framer.cc).
export const BAD = 0;
export const TEXT = 1; // + -
export const NUMBER = 2; // :
export const LENGTH = 3; // $ ! =
export const AGGREGATE = 4; // * % ~ > |
export const CHECKED = 5; // _ # , (
export const TYPES = new Uint8Array(256);
for (const c of '+-') TYPES[c.charCodeAt(0)] = TEXT;
TYPES[58] = NUMBER;
for (const c of '$!=') TYPES[c.charCodeAt(0)] = LENGTH;
for (const c of '*%~>|') TYPES[c.charCodeAt(0)] = AGGREGATE;
for (const c of '_#,(') TYPES[c.charCodeAt(0)] = CHECKED;

// The check of a double or big number line, one byte at a time (LexState in resp_framer.cc).
export const enum L {
  None = 0,
  DStart, DSign, DInt, DDot, DFrac, DE, DESign, DExp,
  KI, KIn, KInf, KN, KNa, KNan,
  BStart, BSign, BDigits,
  CR, Bad,
}

const accepting = (s: number): boolean => s === L.DInt || s === L.DFrac || s === L.DExp || s === L.KInf || s === L.KNan || s === L.BDigits;

export function lex(s: number, c: number): number {
  if (c === CR) return accepting(s) ? L.CR : L.Bad;
  const digit = c >= 48 && c <= 57;
  const lower = c | 0x20; // ASCII letters only: the bytes compared are all letters
  switch (s) {
    case L.DStart:
    case L.DSign:
      if (digit) return L.DInt;
      if (c === 45 && s === L.DStart) return L.DSign;
      if (lower === 105 /* i */) return L.KI;
      return lower === 110 /* n */ ? L.KN : L.Bad;
    case L.DInt:
      if (digit) return L.DInt;
      if (c === 46 /* . */) return L.DDot;
      return lower === 101 /* e */ ? L.DE : L.Bad;
    case L.DDot:
      return digit ? L.DFrac : L.Bad;
    case L.DFrac:
      if (digit) return L.DFrac;
      return lower === 101 ? L.DE : L.Bad;
    case L.DE:
    case L.DESign:
    case L.DExp:
      if (digit) return L.DExp;
      return (c === 43 || c === 45) && s === L.DE ? L.DESign : L.Bad;
    case L.KI:
      return lower === 110 ? L.KIn : L.Bad;
    case L.KIn:
      return lower === 102 /* f */ ? L.KInf : L.Bad;
    case L.KN:
      return lower === 97 /* a */ ? L.KNa : L.Bad;
    case L.KNa:
      return lower === 110 ? L.KNan : L.Bad;
    case L.BStart:
    case L.BSign:
    case L.BDigits:
      if (digit) return L.BDigits;
      return c === 45 && s === L.BStart ? L.BSign : L.Bad;
    default: // after inf or nan, or a '\r' inside the line
      return L.Bad;
  }
}

export const lexStart = (type: number): number => (type === 44 ? L.DStart : type === 40 ? L.BStart : L.None);

/** MOVED / ASK / TRYAGAIN / CLUSTERDOWN from the first n bytes of an error at buf[at]. */
export function classifyRedirect(buf: Uint8Array, at: number, n: number): Redirect {
  const starts = (s: string): boolean => {
    if (n < s.length) return false;
    for (let i = 0; i < s.length; i++) if (buf[at + i] !== s.charCodeAt(i)) return false;
    return true;
  };
  if (starts('MOVED ')) return Redirect.Moved;
  if (starts('ASK ')) return Redirect.Ask;
  if (starts('TRYAGAIN')) return Redirect.TryAgain;
  if (starts('CLUSTERDOWN')) return Redirect.ClusterDown;
  return Redirect.None;
}

/** A signed 64-bit decimal, as resp_framer.cc's ParseInt; NaN when it is not one. */
export function parseInt64ish(head: Uint8Array, at: number, n: number): number {
  if (n === 0) return NaN;
  let i = at;
  const end = at + n;
  let neg = false;
  if (head[i] === 45) {
    neg = true;
    if (++i === end) return NaN;
  }
  const digits = end - i;
  if (digits > 19) return NaN; // INT64 has 19 digits; beyond 2^53 only the range checks use the value
  let v = 0;
  for (; i < end; i++) {
    const c = head[i];
    if (c < 48 || c > 57) return NaN;
    v = v * 10 + (c - 48);
  }
  if (digits === 19 && v >= 9223372036854775807) {
    // A double cannot tell 2^63-1 from 2^63: decide the int64 range exactly.
    const big = BigInt(String.fromCharCode(...head.subarray(at, end)));
    if (big > 9223372036854775807n || big < -9223372036854775808n) return NaN;
  }
  return neg ? -v : v;
}

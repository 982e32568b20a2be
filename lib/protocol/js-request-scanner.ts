// TypeScript twin of native/request_scanner.cc, used when the addon is not available
// (SLOTPROXY_PARSER=js or no build). Same framing rules, same records: a unit test feeds both
// the same random streams split at random places and compares every number.
import { keySlot } from './crc16';
import type { JsCommandIndex, IndexedRow } from './js-command-index';
import {
  CMD_INLINE,
  CMD_PROTOCOL_ERROR,
  FLAG_ARITY,
  FLAG_CROSSSLOT,
  FLAG_UNKNOWN_SUBCOMMAND,
  KEY_TRIPLE,
  NEED_RESCAN,
  ProtocolError,
  REQ_CONSUMED,
  REQ_COUNT,
  REQ_HEADER,
  REQ_KEYS,
  REQ_NEED,
  REQ_RECORD,
  R_ARGC,
  R_CMD,
  R_END,
  R_FLAGS,
  R_KEYIDX,
  R_NKEYS,
  R_SLOT,
  R_START,
} from './records';

export interface ScanLimits {
  maxMultibulk: number;
  maxBulk: number;
  maxInline: number;
  unauthMultibulk: number;
  unauthBulk: number;
}

export const DEFAULT_SCAN_LIMITS: ScanLimits = {
  maxMultibulk: 1024 * 1024,
  maxBulk: 512 * 1024 * 1024,
  maxInline: 64 * 1024,
  unauthMultibulk: 10,
  unauthBulk: 16384,
};

const CR = 13;
const LF = 10;

/** Redis's string2ll: optional '-', no leading zeros, at most 20 characters. NaN when invalid. */
export function string2ll(buf: Uint8Array, start: number, end: number): number {
  const n = end - start;
  if (n === 0 || n >= 21) return NaN;
  if (n === 1 && buf[start] === 48) return 0;
  let i = start;
  let negative = false;
  if (buf[i] === 45) {
    negative = true;
    if (++i === end) return NaN;
  }
  if (buf[i] < 49 || buf[i] > 57) return NaN;
  let v = 0;
  for (; i < end; i++) {
    const c = buf[i];
    if (c < 48 || c > 57) return NaN;
    v = v * 10 + (c - 48);
  }
  if (end - start >= 19) {
    // Near the int64 limits a double is not exact: decide overflow as Redis does, with BigInt.
    const big = BigInt(Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('latin1'));
    if (big > 9223372036854775807n || big < -9223372036854775808n) return NaN;
  }
  // Beyond 2^53 the value is only compared with limits far below it, so the rounding is harmless.
  return negative ? -v : v;
}

/** Index of the first `byte` in [pos, end) unless a NUL comes first (strchr semantics); -1. */
function findLikeStrchr(buf: Uint8Array, pos: number, end: number, byte: number): number {
  for (let i = pos; i < end; i++) {
    const c = buf[i];
    if (c === byte) return i;
    if (c === 0) return -1;
  }
  return -1;
}

function equalsIgnoreCase(buf: Uint8Array, start: number, len: number, word: Buffer): boolean {
  if (len !== word.length) return false;
  for (let i = 0; i < len; i++) {
    let a = buf[start + i];
    let b = word[i];
    if (a >= 65 && a <= 90) a += 32;
    if (b >= 65 && b <= 90) b += 32;
    if (a !== b) return false;
  }
  return true;
}

export interface ScanOutput {
  records: Int32Array;
  keys: Int32Array;
}

export class JsRequestScanner {
  private inCommand = false;
  private dead = false;
  private argsLeft = 0;
  private bulkLen = -1;
  private parsed = 0;
  // argument offsets (relative to the command start) and lengths, reused across commands
  private argOff: Int32Array<ArrayBuffer> = new Int32Array(16);
  private argLen: Int32Array<ArrayBuffer> = new Int32Array(16);
  private argc = 0;

  constructor(
    private readonly index: JsCommandIndex,
    private readonly limits: ScanLimits,
    private readonly out: ScanOutput,
  ) {}

  reset(): void {
    this.inCommand = false;
    this.dead = false;
    this.argsLeft = 0;
    this.bulkLen = -1;
    this.parsed = 0;
    this.argc = 0;
  }

  scan(buf: Uint8Array, start: number, end: number, authRequired: boolean): number {
    const lim = this.limits;
    const out = this.out.records;
    const recordCap = ((out.length - REQ_HEADER) / REQ_RECORD) | 0;
    let count = 0;
    let pos = start;
    let consumed = start;
    let need = 0;
    let stoppedForRoom = false;
    const keyCount = { n: 0 };

    const fail = (code: ProtocolError, at: number, detail: number): void => {
      const r = REQ_HEADER + count * REQ_RECORD;
      out[r + R_START] = at;
      out[r + R_END] = end;
      out[r + R_CMD] = CMD_PROTOCOL_ERROR;
      out[r + R_ARGC] = code;
      out[r + R_SLOT] = detail;
      out[r + R_NKEYS] = 0;
      out[r + R_FLAGS] = 0;
      out[r + R_KEYIDX] = -1;
      count++;
      this.dead = true;
      consumed = end;
    };

    while (!this.dead && count < recordCap) {
      let cmdStart: number;
      if (!this.inCommand) {
        if (pos >= end) break;
        cmdStart = pos;
        if (buf[pos] !== 42 /* * */) {
          const nl = findLikeStrchr(buf, pos, end, LF);
          if (nl < 0) {
            if (end - pos > lim.maxInline) fail(ProtocolError.TooBigInline, pos, 0);
            break;
          }
          const r = REQ_HEADER + count * REQ_RECORD;
          out[r + R_START] = pos;
          out[r + R_END] = nl + 1;
          out[r + R_CMD] = CMD_INLINE;
          out[r + R_ARGC] = 0;
          out[r + R_SLOT] = -1;
          out[r + R_NKEYS] = 0;
          out[r + R_FLAGS] = 0;
          out[r + R_KEYIDX] = -1;
          count++;
          pos = consumed = nl + 1;
          continue;
        }
        const cr = findLikeStrchr(buf, pos, end, CR);
        if (cr < 0) {
          if (end - pos > lim.maxInline) fail(ProtocolError.TooBigMbulkCount, pos, 0);
          break;
        }
        if (cr + 1 >= end) break;
        const ll = string2ll(buf, pos + 1, cr);
        if (!(ll <= lim.maxMultibulk)) {
          fail(ProtocolError.InvalidMultibulk, pos, 0);
          break;
        }
        if (ll > lim.unauthMultibulk && authRequired) {
          fail(ProtocolError.UnauthMultibulk, pos, 0);
          break;
        }
        pos = cr + 2;
        if (ll <= 0) {
          consumed = pos;
          continue;
        }
        this.inCommand = true;
        this.argsLeft = ll;
        this.bulkLen = -1;
        this.argc = 0;
        this.parsed = pos - cmdStart;
      } else {
        cmdStart = pos;
        pos = cmdStart + this.parsed;
      }

      while (this.argsLeft > 0) {
        if (this.bulkLen < 0) {
          const cr = findLikeStrchr(buf, pos, end, CR);
          if (cr < 0) {
            if (end - pos > lim.maxInline) fail(ProtocolError.TooBigBulkCount, pos, 0);
            break;
          }
          if (cr + 1 >= end) break;
          if (buf[pos] !== 36 /* $ */) {
            fail(ProtocolError.ExpectedDollar, pos, buf[pos]);
            break;
          }
          const ll = string2ll(buf, pos + 1, cr);
          if (!(ll >= 0 && ll <= lim.maxBulk)) {
            fail(ProtocolError.InvalidBulk, pos, 0);
            break;
          }
          if (ll > lim.unauthBulk && authRequired) {
            fail(ProtocolError.UnauthBulk, pos, 0);
            break;
          }
          pos = cr + 2;
          this.bulkLen = ll;
        }
        if (end - pos < this.bulkLen + 2) {
          need = pos - cmdStart + this.bulkLen + 2;
          break;
        }
        this.pushArg(pos - cmdStart, this.bulkLen);
        pos += this.bulkLen + 2;
        this.bulkLen = -1;
        this.argsLeft--;
      }
      if (this.dead) break;
      if (this.argsLeft > 0) {
        this.parsed = pos - cmdStart;
        consumed = cmdStart;
        break;
      }
      const r = REQ_HEADER + count * REQ_RECORD;
      out[r + R_START] = cmdStart;
      out[r + R_END] = pos;
      this.finish(buf, cmdStart, r, keyCount);
      if (out[r + R_KEYIDX] === -2 && count > 0) {
        this.argc = 0;
        this.inCommand = false;
        pos = consumed = cmdStart;
        stoppedForRoom = true;
        break;
      }
      count++;
      this.inCommand = false;
      consumed = pos;
    }
    out[REQ_COUNT] = count;
    out[REQ_CONSUMED] = consumed;
    if (!this.dead && count === recordCap && consumed < end) stoppedForRoom = true;
    out[REQ_NEED] = stoppedForRoom ? NEED_RESCAN : need > 0x7fffffff ? 0x7fffffff : need;
    out[REQ_KEYS] = keyCount.n;
    return count;
  }

  private pushArg(off: number, len: number): void {
    if (this.argc === this.argOff.length) {
      const grow = (a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => {
        const b = new Int32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.argOff = grow(this.argOff);
      this.argLen = grow(this.argLen);
    }
    this.argOff[this.argc] = off;
    this.argLen[this.argc] = len;
    this.argc++;
  }

  private finish(buf: Uint8Array, cmdStart: number, r: number, keyCount: { n: number }): void {
    const out = this.out.records;
    const argc = this.argc;
    out[r + R_ARGC] = argc;
    out[r + R_SLOT] = -1;
    out[r + R_NKEYS] = 0;
    out[r + R_FLAGS] = 0;
    out[r + R_KEYIDX] = -1;
    let row: IndexedRow | null = this.index.find(buf, cmdStart + this.argOff[0], cmdStart + this.argOff[0] + this.argLen[0]);
    if (!row) {
      out[r + R_CMD] = 0;
      return;
    }
    if (row.subcommands && argc >= 2) {
      const s = cmdStart + this.argOff[1];
      const sub = this.index.findSub(row, buf, s, s + this.argLen[1]);
      if (!sub) {
        out[r + R_CMD] = row.id;
        out[r + R_FLAGS] = FLAG_UNKNOWN_SUBCOMMAND;
        return;
      }
      row = sub;
    }
    out[r + R_CMD] = row.id;
    if ((row.arity > 0 && row.arity !== argc) || argc < -row.arity) {
      out[r + R_FLAGS] = FLAG_ARITY;
      return;
    }
    if (row.specs.length) this.extractKeys(row, buf, cmdStart, r, keyCount);
  }

  // Redis 7's getKeysUsingKeySpecs with GET_KEYSPEC_RETURN_PARTIAL (see the native twin).
  private extractKeys(row: IndexedRow, buf: Uint8Array, cmdStart: number, r: number, keyCount: { n: number }): void {
    const out = this.out.records;
    const keys = this.out.keys;
    const keyCap = (keys.length / KEY_TRIPLE) | 0;
    const argc = this.argc;
    let wantKeys = row.wantKeys;
    let wantKeysDone = wantKeys;
    const firstTriple = keyCount.n;
    let slot = -1;
    let nkeys = 0;
    let flags = 0;
    for (let si = 0; si < row.specs.length; si++) {
      const spec = row.specs[si];
      let first = 0;
      let last = 0;
      let step = 1;
      const bs = spec.begin;
      if (bs.type === 'index') {
        first = bs.pos;
      } else if (bs.type === 'keyword') {
        const kw = row.keywordBytes[si]!;
        const from = bs.startfrom > 0 ? bs.startfrom : argc + bs.startfrom;
        const to = bs.startfrom > 0 ? argc - 1 : 1;
        for (let i = from; i !== to; i = from <= to ? i + 1 : i - 1) {
          if (i >= argc || i < 1) break;
          if (equalsIgnoreCase(buf, cmdStart + this.argOff[i], this.argLen[i], kw)) {
            first = i + 1;
            break;
          }
        }
        if (!first) continue;
      } else {
        continue;
      }
      const fk = spec.find;
      if (fk.type === 'range') {
        step = fk.keystep;
        if (fk.lastkey >= 0) last = first + fk.lastkey;
        else if (!fk.limit) last = argc + fk.lastkey;
        else last = first + (Math.trunc((argc - first) / fk.limit) + fk.lastkey);
      } else if (fk.type === 'keynum') {
        step = fk.keystep;
        if (fk.keynumidx >= argc - first) continue;
        const a = first + fk.keynumidx;
        const numkeys = string2ll(buf, cmdStart + this.argOff[a], cmdStart + this.argOff[a] + this.argLen[a]);
        if (!(numkeys >= 0) || numkeys > argc) continue;
        first += fk.firstkey;
        last = first + numkeys - 1;
      } else {
        continue;
      }
      if (last >= argc || last < first || first >= argc || first < 1) continue;
      for (let i = first; i <= last; i += step) {
        const ks = cmdStart + this.argOff[i];
        const kl = this.argLen[i];
        const s = keySlot(buf, ks, ks + kl);
        if (slot < 0) slot = s;
        else if (s !== slot) flags |= FLAG_CROSSSLOT;
        nkeys++;
        if (wantKeys) {
          if (keyCount.n >= keyCap) {
            out[r + R_KEYIDX] = -2;
            keyCount.n = firstTriple;
            wantKeysDone = wantKeys = false;
            continue;
          }
          const t = keyCount.n * KEY_TRIPLE;
          keys[t] = ks;
          keys[t + 1] = kl;
          keys[t + 2] = s;
          keyCount.n++;
        }
      }
    }
    out[r + R_SLOT] = slot;
    out[r + R_NKEYS] = nkeys;
    out[r + R_FLAGS] |= flags;
    if (wantKeysDone) out[r + R_KEYIDX] = firstTriple;
  }
}

// TypeScript twin of native/reply_scanner.cc (hiredis + RespFramer), used when the addon is not
// available. A streaming RESP2 framer: it keeps no reply bytes, only the state of the frame in
// progress, and writes the same records as the native scanner.
import {
  P_ELEMS,
  P_END,
  P_REDIRECT,
  P_TYPE,
  REP_COUNT,
  REP_DONE,
  REP_ELEMS,
  REP_ERROR,
  REP_HEADER,
  REP_MORE,
  REP_RECORD,
  REP_STATUS,
  Redirect,
} from './records';

export interface ReplyOutput {
  records: Int32Array;
  elems: Int32Array;
}

const LF = 10;
const CR = 13;
const HEAD = 24; // bytes of a line kept: enough for any number and to recognise a redirect

export function classifyRedirect(head: Uint8Array, n: number): Redirect {
  const starts = (s: string): boolean => {
    if (n < s.length) return false;
    for (let i = 0; i < s.length; i++) if (head[i] !== s.charCodeAt(i)) return false;
    return true;
  };
  if (starts('MOVED ')) return Redirect.Moved;
  if (starts('ASK ')) return Redirect.Ask;
  if (starts('TRYAGAIN')) return Redirect.TryAgain;
  if (starts('CLUSTERDOWN')) return Redirect.ClusterDown;
  return Redirect.None;
}

function parseInt64ish(head: Uint8Array, n: number): number {
  if (n === 0) return NaN;
  let i = 0;
  let neg = false;
  if (head[0] === 45) {
    neg = true;
    if (++i === n) return NaN;
  }
  const digits = n - i;
  if (digits > 19) return NaN; // INT64 has 19 digits; beyond 2^53 only the range checks use the value
  let v = 0;
  for (; i < n; i++) {
    const c = head[i];
    if (c < 48 || c > 57) return NaN;
    v = v * 10 + (c - 48);
  }
  if (digits === 19 && v >= 9223372036854775807) {
    // A double cannot tell 2^63-1 from 2^63: decide the int64 range exactly.
    const big = BigInt(String.fromCharCode(...head.subarray(0, n)));
    if (big > 9223372036854775807n || big < -9223372036854775808n) return NaN;
  }
  return neg ? -v : v;
}

export class JsReplyScanner {
  private stack: number[] = [];
  private bulkLeft = -1;
  private inLine = false;
  private sawCR = false;
  private lineType = 0;
  private readonly head = new Uint8Array(HEAD);
  private headLen = 0;
  private lineTotal = 0;
  private rootType = 0;
  private redirect = 0;
  private failed = false;
  private elems: number[] = []; // stream offsets of element ends of the frame in progress
  private fed = 0;
  private base = 0;
  private chunk: Uint8Array | null = null; // kept only while a REP_MORE continuation is pending
  private chunkPos = 0;

  constructor(private readonly out: ReplyOutput) {}

  scan(buf?: Uint8Array): number {
    const rec = this.out.records;
    let count = 0;
    let elemUsed = 0;
    let status = REP_DONE;
    if (buf && buf.length) {
      this.base = this.fed;
      this.fed += buf.length;
      this.chunk = buf;
      this.chunkPos = 0;
    }
    const recordCap = ((rec.length - REP_HEADER) / REP_RECORD) | 0;
    const p = this.chunk;
    if (this.failed) {
      status = REP_ERROR;
    } else if (p) {
      let i = this.chunkPos;
      const n = p.length;
      while (i < n) {
        if (count >= recordCap) {
          status = REP_MORE;
          break;
        }
        const r = this.step(p, i, n);
        if (r === -2) {
          this.failed = true;
          status = REP_ERROR;
          break;
        }
        if (r < 0) {
          i = n;
          break;
        }
        i = r;
        // a frame ended at i
        const at = REP_HEADER + count * REP_RECORD;
        rec[at + P_END] = i;
        rec[at + P_TYPE] = this.rootType;
        rec[at + P_REDIRECT] = this.redirect;
        rec[at + P_ELEMS] = -1;
        if (this.rootType === 42) {
          const el = this.out.elems;
          const first = this.elems.length ? this.elems[0] - this.base : 0;
          if (elemUsed + 1 + this.elems.length <= el.length && first >= -0x80000000) {
            rec[at + P_ELEMS] = elemUsed;
            el[elemUsed++] = this.elems.length;
            for (const e of this.elems) el[elemUsed++] = e - this.base;
          } else {
            rec[at + P_ELEMS] = -2;
          }
        }
        count++;
        this.elems.length = 0;
        this.rootType = 0;
        this.redirect = 0;
      }
      this.chunkPos = i;
      if (status !== REP_MORE) this.chunk = null;
    }
    rec[REP_COUNT] = count;
    rec[REP_STATUS] = status;
    rec[REP_ELEMS] = elemUsed;
    return count;
  }

  /** Advances through p[i, n): the offset just after a completed frame, -1 need more, -2 error. */
  private step(p: Uint8Array, i: number, n: number): number {
    while (i < n) {
      if (this.bulkLeft >= 0) {
        const take = Math.min(this.bulkLeft, n - i);
        i += take;
        this.bulkLeft -= take;
        if (this.bulkLeft > 0) return -1;
        this.bulkLeft = -1;
        if (this.endValue(i)) return i;
        continue;
      }
      if (!this.inLine) {
        const t = p[i++];
        if (t !== 43 && t !== 45 && t !== 58 && t !== 36 && t !== 42) return -2;
        this.lineType = t;
        if (this.stack.length === 0) this.rootType = t;
        this.inLine = true;
        this.sawCR = false;
        this.headLen = 0;
        this.lineTotal = 0;
        continue;
      }
      let lf = p.indexOf(LF, i);
      if (lf >= n) lf = -1;
      const upto = lf < 0 ? n - i : lf - i;
      for (let k = 0; k < upto && this.headLen < HEAD; k++) this.head[this.headLen++] = p[i + k];
      if (upto > 0) this.sawCR = p[i + upto - 1] === CR;
      this.lineTotal += upto;
      i += upto;
      if (lf < 0) return -1;
      i++;
      if (!this.sawCR) {
        if (this.lineType !== 43 && this.lineType !== 45) return -2;
        this.lineTotal++;
        if (this.headLen < HEAD) this.head[this.headLen++] = LF;
        continue;
      }
      this.inLine = false;
      const contentLen = Math.min(this.lineTotal - 1, this.headLen);
      const t = this.lineType;
      if (t === 43 || t === 45) {
        if (t === 45 && this.stack.length === 0) this.redirect = classifyRedirect(this.head, contentLen);
        if (this.endValue(i)) return i;
        continue;
      }
      if (this.lineTotal - 1 > contentLen) return -2;
      const v = parseInt64ish(this.head, contentLen);
      if (Number.isNaN(v)) return -2;
      if (t === 58) {
        if (this.endValue(i)) return i;
      } else if (t === 36) {
        // as native/resp_framer.cc: no real reply is 2^53 bytes long
        if (v < -1 || v > 9007199254740989) return -2;
        if (v === -1) {
          if (this.endValue(i)) return i;
        } else {
          this.bulkLeft = v + 2;
        }
      } else {
        if (v < -1 || v > 0x7fffffff) return -2;
        if (v <= 0) {
          if (this.endValue(i)) return i;
        } else {
          this.stack.push(v);
        }
      }
    }
    return -1;
  }

  /** A value ended at chunk offset i; true when that completes the frame. */
  private endValue(i: number): boolean {
    const s = this.stack;
    while (s.length) {
      if (s.length === 1) this.elems.push(this.base + i);
      if (--s[s.length - 1] > 0) return false;
      s.pop();
    }
    return true;
  }
}

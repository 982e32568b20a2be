// TypeScript twin of native/reply_scanner.cc and native/resp_framer.cc, used when the addon is
// not available. A streaming RESP2 + RESP3 framer: it keeps no reply bytes, only the state of the
// frame in progress, and writes the same records as the native scanner, byte for byte. What each
// type byte accepts, and how attributes are recorded: the comment at the top of resp_framer.h.
import {
  P_ATTRIB,
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
  isAggregateType,
} from './records';
import { AGGREGATE, BAD, CHECKED, classifyRedirect, CR, L, LENGTH, LF, lex, lexStart, NUMBER, parseInt64ish, TEXT, TYPES } from './reply-lines';

export interface ReplyOutput {
  records: Int32Array;
  elems: Int32Array;
}

const HEAD = 24; // bytes of a line kept: enough for any number and to recognise a redirect
const MAX_BULK = 9007199254740989; // 2^53 - 3, as native/resp_framer.cc
const NEED_MORE = -1;
const PROTOCOL_ERROR = -2;

export class JsReplyScanner {
  private left: number[] = []; // values still expected by each open aggregate, outermost first
  private attribute: boolean[] = []; // whether that aggregate is an attribute
  private bulkLeft = -1; // payload bytes + CRLF still to skip
  private bulkLen = 0;
  private payloadAt = 0;
  private payloadType = 0;
  private captureHead = false; // keep the payload's first bytes (a top-level blob error)
  private inLine = false;
  private sawCR = false;
  private lineType = 0;
  private lexState: number = L.None;
  private readonly head = new Uint8Array(HEAD);
  private headLen = 0;
  private lineTotal = 0;
  private frameAt = -1;
  private rootType = 0;
  private redirect = 0;
  private attribPrefix = 0;
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
        if (r === PROTOCOL_ERROR) {
          this.failed = true;
          status = REP_ERROR;
          break;
        }
        if (r === NEED_MORE) {
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
        rec[at + P_ATTRIB] = this.attribPrefix;
        if (isAggregateType(this.rootType)) {
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
        this.frameAt = -1;
        this.redirect = 0;
        this.attribPrefix = 0;
      }
      this.chunkPos = i;
      if (status !== REP_MORE) this.chunk = null;
    }
    rec[REP_COUNT] = count;
    rec[REP_STATUS] = status;
    rec[REP_ELEMS] = elemUsed;
    return count;
  }

  /** Advances through p[i, n): the offset just after a completed frame, NEED_MORE, PROTOCOL_ERROR. */
  private step(p: Uint8Array, i: number, n: number): number {
    while (i < n) {
      if (this.bulkLeft >= 0) {
        const take = Math.min(this.bulkLeft, n - i);
        if (!this.skipPayload(p, i, take)) return PROTOCOL_ERROR;
        i += take;
        this.bulkLeft -= take;
        if (this.bulkLeft > 0) return NEED_MORE;
        this.bulkLeft = -1;
        if (this.captureHead) this.redirect = classifyRedirect(this.head, 0, this.headLen);
        if (this.endValue(i)) return i;
        continue;
      }
      if (!this.inLine) {
        const t = p[i];
        const cls = TYPES[t];
        if (cls === BAD || (this.left.length === 0 && !this.noteRoot(t, i))) return PROTOCOL_ERROR;
        this.lineType = t;
        // The usual case: the whole line is in this read, and is read in place; anything odd is
        // left to the byte-at-a-time path below, which decides.
        let r = NEED_MORE;
        if (cls === NUMBER || cls === LENGTH || cls === AGGREGATE) r = this.numberInPlace(p, i, n);
        else r = this.lineInPlace(p, i, n);
        if (r !== NEED_MORE) {
          if (r === PROTOCOL_ERROR || r >= 0) return r;
          i = -r - 3; // the line was read; the frame goes on at -r - 3
          continue;
        }
        this.lexState = lexStart(t);
        this.inLine = true;
        this.sawCR = false;
        this.headLen = 0;
        this.lineTotal = 0;
        i++;
        continue;
      }
      // Inside a line that began in an earlier read (or is odd), which ends at "\r\n".
      let lf = p.indexOf(LF, i);
      if (lf >= n) lf = -1;
      const upto = lf < 0 ? n - i : lf - i;
      for (let k = 0; k < upto && this.headLen < HEAD; k++) this.head[this.headLen++] = p[i + k];
      if (this.lexState !== L.None) {
        let s = this.lexState;
        for (let k = 0; k < upto; k++) s = lex(s, p[i + k]);
        this.lexState = s;
        if (s === L.Bad) return PROTOCOL_ERROR;
      }
      if (upto > 0) this.sawCR = p[i + upto - 1] === CR;
      this.lineTotal += upto;
      i += upto;
      if (lf < 0) return NEED_MORE;
      i++;
      if (!this.sawCR) {
        if (this.lineType !== 43 && this.lineType !== 45) return PROTOCOL_ERROR;
        this.lineTotal++; // a bare '\n' is text inside a status or error line
        if (this.headLen < HEAD) this.head[this.headLen++] = LF;
        continue;
      }
      this.inLine = false;
      const r = this.endLine(this.head, 0, this.headLen, this.lineTotal - 1, i);
      if (r !== NEED_MORE) return r;
    }
    return NEED_MORE;
  }

  /**
   * A ':', length or aggregate line read in place at p[i]: NEED_MORE when it is not all there
   * (or odd), else what endNumber says, with "goes on at j" as -(j + 3).
   */
  private numberInPlace(p: Uint8Array, i: number, n: number): number {
    let k = i + 1;
    const neg = k < n && p[k] === 45;
    if (neg) k++;
    const digits = k;
    let v = 0;
    // 15 digits are exact in a double; longer numbers take the byte-at-a-time path
    for (; k < n && k - digits < 15 && p[k] >= 48 && p[k] <= 57; k++) v = v * 10 + (p[k] - 48);
    if (k === digits || k + 1 >= n || p[k] !== CR || p[k + 1] !== LF) return NEED_MORE;
    k += 2;
    const r = this.endNumber(neg ? -v : v, k);
    if (r !== NEED_MORE) return r;
    if (this.bulkLeft >= 0 && this.lineType === 36 && this.bulkLeft <= n - k) {
      // a blob string, all here
      k += this.bulkLeft;
      this.bulkLeft = -1;
      if (this.endValue(k)) return k;
    }
    return -(k + 3);
  }

  /** A text or checked line read in place at p[i], as numberInPlace. */
  private lineInPlace(p: Uint8Array, i: number, n: number): number {
    const lf = p.indexOf(LF, i + 1);
    if (lf < 0 || lf >= n || lf < i + 2 || p[lf - 1] !== CR) return NEED_MORE;
    const e = lf - 1; // the '\r'
    let s = lexStart(this.lineType);
    if (s !== L.None) for (let k = i + 1; k <= e; k++) s = lex(s, p[k]);
    this.lexState = s;
    const r = this.endLine(p, i + 1, e - i - 1, e - i - 1, e + 2);
    return r === NEED_MORE ? -(e + 2 + 3) : r;
  }

  /** A type byte at chunk offset i with no aggregate open; false when the prefix would not fit. */
  private noteRoot(type: number, i: number): boolean {
    const at = this.base + i;
    if (this.frameAt < 0) this.frameAt = at;
    if (type === 124 /* | */) return true;
    this.rootType = type;
    // recorded as an int32 (P_ATTRIB): no real attribute comes near 2 GiB
    if (at - this.frameAt > 0x7fffffff) return false;
    this.attribPrefix = at - this.frameAt;
    return true;
  }

  /**
   * A line of `content` bytes ended at chunk offset `end`; its first `kept` bytes are at
   * buf[at]. The offset after the frame when that completes it, else NEED_MORE; PROTOCOL_ERROR.
   */
  private endLine(buf: Uint8Array, at: number, headLen: number, content: number, end: number): number {
    const t = this.lineType;
    const kept = Math.min(content, headLen);
    switch (TYPES[t]) {
      case TEXT:
        if (t === 45 && this.left.length === 0) this.redirect = classifyRedirect(buf, at, kept);
        return this.endValue(end) ? end : NEED_MORE;
      case CHECKED:
        if (t === 95 /* _ */) {
          if (content !== 0) return PROTOCOL_ERROR;
        } else if (t === 35 /* # */) {
          if (content !== 1 || (buf[at] !== 116 /* t */ && buf[at] !== 102 /* f */)) return PROTOCOL_ERROR;
        } else if (this.lexState !== L.CR) {
          return PROTOCOL_ERROR;
        }
        return this.endValue(end) ? end : NEED_MORE;
      default:
    }
    // A number has at most 20 characters: a longer line fails here even when only its head was kept.
    const v = parseInt64ish(buf, at, kept);
    if (Number.isNaN(v)) return PROTOCOL_ERROR;
    return this.endNumber(v, end);
  }

  /** A ':', length or aggregate line of value v ended at chunk offset `end`; as endLine. */
  private endNumber(v: number, end: number): number {
    const t = this.lineType;
    if (t === 58) return this.endValue(end) ? end : NEED_MORE;
    if (TYPES[t] === LENGTH) {
      // as native/resp_framer.cc: no real reply is 2^53 bytes long; only '$' has a null (-1), a
      // verbatim string starts with "txt:"
      if (v < (t === 36 ? -1 : t === 61 ? 4 : 0) || v > MAX_BULK) return PROTOCOL_ERROR;
      if (v === -1) return this.endValue(end) ? end : NEED_MORE;
      this.bulkLeft = v + 2;
      this.bulkLen = v;
      this.payloadAt = 0;
      this.payloadType = t;
      this.captureHead = t === 33 && this.left.length === 0;
      this.headLen = 0; // head now keeps the start of a blob error
      return NEED_MORE;
    }
    if (v < (t === 42 ? -1 : 0) || v > 0x7fffffff) return PROTOCOL_ERROR;
    if (t === 124) {
      if (v > 0) {
        this.left.push(2 * v);
        this.attribute.push(true);
      }
      return NEED_MORE;
    }
    if (v <= 0) return this.endValue(end) ? end : NEED_MORE;
    this.left.push(t === 37 ? 2 * v : v);
    this.attribute.push(false);
    return NEED_MORE;
  }

  /** Checks and notes what it must of `take` payload bytes at p[i] (the two after it included). */
  private skipPayload(p: Uint8Array, i: number, take: number): boolean {
    const t = this.payloadType;
    if (t === 36) return true;
    const at = this.payloadAt;
    if (t === 61 && at <= 3 && at + take > 3 && p[i + 3 - at] !== 58 /* : */) return false;
    if (this.captureHead) {
      for (let k = 0; k < take && this.headLen < HEAD && at + k < this.bulkLen; k++) this.head[this.headLen++] = p[i + k];
    }
    this.payloadAt = at + take;
    return true;
  }

  /** A value ended at chunk offset i; true when that completes the frame. */
  private endValue(i: number): boolean {
    const left = this.left;
    const attribute = this.attribute;
    while (left.length) {
      const top = left.length - 1;
      if (top === 0 && !attribute[0]) this.elems.push(this.base + i);
      if (--left[top] > 0) return false;
      left.pop();
      // that aggregate is complete too, and a value of its parent, unless it is an attribute:
      // the value it annotates follows
      if (attribute.pop()) return false;
    }
    return true;
  }
}

// Turns a backend's socket reads into whole reply frames: views of the received bytes, except a
// frame that spans reads, which is joined once when it completes.
import { releaseSlab, slabIdFor, type Slab } from '../io/slabs';
import type { ReplyScanner, Scanners } from './scanners';
import { P_ATTRIB, P_ELEMS, P_END, P_REDIRECT, P_TYPE, REP_COUNT, REP_HEADER, REP_MORE, REP_RECORD, REP_STATUS, REP_ERROR } from './records';

export interface ReplySink {
  /**
   * One complete reply: `buf[start, end)`, a range of the bytes read (no view is made per reply;
   * a reply that spanned reads is joined once and given whole). `elems` indexes
   * scanners.replyElems ([count, end0, end1, ...]; an element ends at `end - elemBase` in the
   * reply's own bytes), or is -1 (not an aggregate) / -2 (too many to record). `slab` is the read
   * slab `buf` is part of (null for a joined reply): a range kept past the call holds or pins it.
   * `type` is the reply's type byte (records.ts P_TYPE); in RESP3, `attrib` bytes of attributes
   * may precede the reply in its frame (P_ATTRIB): the reply itself starts at `start + attrib`.
   */
  onReply(buf: Buffer, start: number, end: number, type: number, redirect: number, elems: number, elemBase: number, slab: Slab | null, attrib: number): void;
  /** The byte stream is not valid RESP: the connection cannot be trusted any more. */
  onProtocolError(): void;
}

export class ReplyReader {
  private pending: Buffer[] = [];
  private pendingLen = 0;
  /** the slabs the pending pieces are views of, held until they are joined */
  private pendingSlabs: Slab[] = [];
  private readonly records: Int32Array;
  /** the native scanner's scan of a registered buffer (lib/io/slabs.ts slabId), or null */
  private readonly scanId: ReplyScanner['scanId'] | null;
  private readonly callArgs: Int32Array;
  /** callArgs[4]: which of the set's scanners scanId() runs */
  private readonly scannerIndex: number;

  constructor(
    private readonly scanner: ReplyScanner,
    scanners: Scanners,
  ) {
    this.records = scanners.replyRecords;
    this.scanId = scanner.scanId ?? null;
    this.callArgs = scanners.callArgs;
    this.scannerIndex = scanner.scannerIndex ?? -1;
  }

  /**
   * Handles buf[from, to) (all of it by default), read after what came before; `slab` is the read
   * slab `buf` is (or is part of), or null.
   */
  push(buf: Buffer, sink: ReplySink, slab: Slab | null = null, from = 0, to = buf.length): void {
    const rec = this.records;
    // (a slab known to the addon is scanned by its id: no view of the read, no typed array's info)
    const id = this.scanId !== null ? slabIdFor(slab, buf) : -1;
    let n: number;
    if (id >= 0) {
      const args = this.callArgs;
      args[0] = id;
      args[1] = from;
      args[2] = to;
      args[4] = this.scannerIndex;
      this.scanId!();
      n = rec[REP_COUNT];
    } else {
      n = this.scanner.scan(from === 0 && to === buf.length ? buf : buf.subarray(from, to));
    }
    // the records' offsets are from `from`
    let prevEnd = 0;
    for (;;) {
      for (let i = 0; i < n; i++) {
        const at = REP_HEADER + i * REP_RECORD;
        const end = rec[at + P_END];
        if (this.pendingLen > 0) {
          this.pending.push(buf.subarray(from, from + end));
          const joined = Buffer.concat(this.pending, this.pendingLen + end);
          const elemBase = -this.pendingLen;
          this.pending = [];
          this.pendingLen = 0;
          this.releasePending();
          sink.onReply(joined, 0, joined.length, rec[at + P_TYPE], rec[at + P_REDIRECT], rec[at + P_ELEMS], elemBase, null, rec[at + P_ATTRIB]);
        } else {
          sink.onReply(buf, from + prevEnd, from + end, rec[at + P_TYPE], rec[at + P_REDIRECT], rec[at + P_ELEMS], prevEnd, slab, rec[at + P_ATTRIB]);
        }
        prevEnd = end;
      }
      const status = rec[REP_STATUS];
      if (status === REP_ERROR) {
        sink.onProtocolError();
        return;
      }
      if (status !== REP_MORE) break;
      n = this.scanner.scan();
    }
    if (from + prevEnd < to) {
      this.pending.push(prevEnd === 0 && from === 0 && to === buf.length ? buf : buf.subarray(from + prevEnd, to));
      this.pendingLen += to - from - prevEnd;
      if (slab !== null) {
        slab.refs++;
        this.pendingSlabs.push(slab);
      }
    }
  }

  private releasePending(): void {
    const slabs = this.pendingSlabs;
    if (slabs.length === 0) return;
    this.pendingSlabs = [];
    for (let i = 0; i < slabs.length; i++) releaseSlab(slabs[i]);
  }

  /** Bytes of a reply still arriving. */
  get buffered(): number {
    return this.pendingLen;
  }
}

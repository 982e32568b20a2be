// Turns a backend's socket reads into whole reply frames: views of the received bytes, except a
// frame that spans reads, which is joined once when it completes.
import type { ReplyScanner, Scanners } from './scanners';
import { P_ELEMS, P_END, P_REDIRECT, P_TYPE, REP_HEADER, REP_MORE, REP_RECORD, REP_STATUS, REP_ERROR } from './records';

export interface ReplySink {
  /**
   * One complete reply. `elems` indexes scanners.replyElems ([count, end0, end1, ...]; an element
   * ends at `end - elemBase` in `frame`), or is -1 (not an array) / -2 (too many to record).
   */
  onReply(frame: Buffer, type: number, redirect: number, elems: number, elemBase: number): void;
  /** The byte stream is not valid RESP: the connection cannot be trusted any more. */
  onProtocolError(): void;
}

export class ReplyReader {
  private pending: Buffer[] = [];
  private pendingLen = 0;
  private readonly records: Int32Array;

  constructor(
    private readonly scanner: ReplyScanner,
    scanners: Scanners,
  ) {
    this.records = scanners.replyRecords;
  }

  push(chunk: Buffer, sink: ReplySink): void {
    const rec = this.records;
    let n = this.scanner.scan(chunk);
    let prevEnd = 0;
    for (;;) {
      for (let i = 0; i < n; i++) {
        const at = REP_HEADER + i * REP_RECORD;
        const end = rec[at + P_END];
        let frame: Buffer;
        let elemBase = prevEnd;
        if (this.pendingLen > 0) {
          this.pending.push(chunk.subarray(0, end));
          frame = Buffer.concat(this.pending, this.pendingLen + end);
          elemBase = -this.pendingLen;
          this.pending = [];
          this.pendingLen = 0;
        } else {
          frame = chunk.subarray(prevEnd, end);
        }
        prevEnd = end;
        sink.onReply(frame, rec[at + P_TYPE], rec[at + P_REDIRECT], rec[at + P_ELEMS], elemBase);
      }
      const status = rec[REP_STATUS];
      if (status === REP_ERROR) {
        sink.onProtocolError();
        return;
      }
      if (status !== REP_MORE) break;
      n = this.scanner.scan();
    }
    if (prevEnd < chunk.length) {
      this.pending.push(prevEnd === 0 ? chunk : chunk.subarray(prevEnd));
      this.pendingLen += chunk.length - prevEnd;
    }
  }

  /** Bytes of a reply still arriving. */
  get buffered(): number {
    return this.pendingLen;
  }
}

// Turns a client's socket reads into scanner records. Complete commands are handed on as views
// of the bytes received (no copy); only an unfinished tail is copied, once, into a buffer sized
// for what the scanner says the command still needs, so a huge argument is not re-copied per read.
import type { Slab } from '../io/socket-reads';
import type { RequestScanner, Scanners } from './scanners';
import { NEED_RESCAN, REQ_CONSUMED, REQ_NEED } from './records';

export interface RequestSink {
  /**
   * `count` records for `buf` are in scanners.requestRecords (read them before returning).
   * `slab` is the read slab `buf` is part of (null for the reader's own buffer): a range kept
   * past the call holds or pins it. Return false to stop reading this client (it is closing).
   */
  onRequests(buf: Buffer, count: number, slab: Slab | null): boolean;
  /** Redis 7's limits for clients that did not authenticate yet apply to what is scanned now */
  readonly authRequired: boolean;
}

const MIN_TAIL_BUFFER = 16 * 1024;

export class RequestReader {
  private acc: Buffer | null = null; // unconsumed tail at [0, accLen); no frame handed out points into it
  private accLen = 0;
  private need = 0;
  private rescanAt = -1;
  private readonly records: Int32Array;

  constructor(
    private readonly scanner: RequestScanner,
    scanners: Scanners,
  ) {
    this.records = scanners.requestRecords;
  }

  /** Bytes received but not yet part of a complete command. */
  get buffered(): number {
    return this.accLen;
  }

  /**
   * Called by the sink while it handles a batch: the records after `offset` were scanned under
   * the wrong rules (the client just authenticated) and must be scanned again.
   */
  rescanFrom(offset: number): void {
    this.rescanAt = offset;
  }

  push(chunk: Buffer, sink: RequestSink, slab: Slab | null = null): void {
    let buf: Buffer;
    if (this.accLen === 0) {
      buf = chunk;
    } else {
      slab = null;
      this.append(chunk);
      if (this.accLen < this.need) return; // a large argument is still arriving
      buf = this.acc!.subarray(0, this.accLen);
    }
    let start = 0;
    let consumed = 0;
    const rec = this.records;
    let need = 0;
    for (;;) {
      const n = this.scanner.scan(buf, start, buf.length, sink.authRequired);
      // Read the header before the sink runs: it may scan again (inline commands) and overwrite it.
      consumed = rec[REQ_CONSUMED];
      need = rec[REQ_NEED];
      if (n > 0 && !sink.onRequests(buf, n, slab)) {
        this.acc = null;
        this.accLen = 0;
        return;
      }
      if (this.rescanAt >= 0) {
        start = this.rescanAt;
        this.rescanAt = -1;
        this.scanner.reset();
        continue;
      }
      if (need === NEED_RESCAN) {
        start = consumed;
        continue;
      }
      break;
    }
    this.need = need;
    const tail = buf.length - consumed;
    if (tail === 0) {
      this.acc = null;
      this.accLen = 0;
    } else if (consumed === 0 && this.accLen > 0) {
      // nothing completed: the accumulated bytes stay where they are
    } else {
      const next = Buffer.allocUnsafe(Math.max(MIN_TAIL_BUFFER, tail * 2, this.need));
      buf.copy(next, 0, consumed);
      this.acc = next;
      this.accLen = tail;
    }
  }

  reset(): void {
    this.acc = null;
    this.accLen = 0;
    this.need = 0;
    this.scanner.reset();
  }

  private append(chunk: Buffer): void {
    const acc = this.acc!;
    if (acc.length - this.accLen < chunk.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.accLen + chunk.length, acc.length * 2, this.need));
      acc.copy(grown, 0, 0, this.accLen);
      this.acc = grown;
    }
    chunk.copy(this.acc!, this.accLen);
    this.accLen += chunk.length;
  }
}

// Turns a client's socket reads into scanner records. Complete commands are handed on as views
// of the bytes received (no copy); only a command split between reads is copied, once, into a
// buffer sized for what the scanner says it still needs, so a huge argument is not re-copied per
// read, and the commands after it in the next read are not copied at all.
import { releaseSlab, slabIdFor, tailSlab, TAIL_SLAB_SIZE, type Slab } from '../io/slabs';
import type { RequestScanner, Scanners } from './scanners';
import { NEED_RESCAN, REQ_CONSUMED, REQ_COUNT, REQ_NEED } from './records';

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
/** bytes taken at first to complete a command whose size is not known yet (split in a header line) */
const HEADER_STEP = 1024;

export class RequestReader {
  private acc: Buffer | null = null; // unconsumed tail at [0, accLen); no frame handed out points into it
  private accLen = 0;
  /** the tail slab `acc` is, when it is one (this reader holds one ref on it) */
  private accSlab: Slab | null = null;
  private need = 0;
  private rescanAt = -1;
  private readonly records: Int32Array;
  /** the native scanner's scan of a registered buffer (lib/io/slabs.ts slabId), or null */
  private readonly scanId: RequestScanner['scanId'] | null;
  private readonly callArgs: Int32Array;
  /** callArgs[4]: which of the set's scanners scanId() runs */
  private readonly scannerIndex: number;

  constructor(
    private readonly scanner: RequestScanner,
    scanners: Scanners,
  ) {
    this.records = scanners.requestRecords;
    this.scanId = scanner.scanId ?? null;
    this.callArgs = scanners.callArgs;
    this.scannerIndex = scanner.scannerIndex ?? -1;
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

  /** Handles chunk[from, to) (all of it by default), read after what came before. */
  push(chunk: Buffer, sink: RequestSink, slab: Slab | null = null, from = 0, to = chunk.length): void {
    let off = from;
    // An unfinished command is completed from the bytes it still needs (REQ_NEED), and only those
    // are copied: the rest of the chunk is scanned where it is. (Appending whole chunks kept a
    // tail in the buffer after every read of a large pipeline, so every byte was copied once
    // more; bench/results/hot-path-figures.md, "request reader".)
    while (this.accLen > 0) {
      // the size of a command stuck in its header lines is not known yet: take more each time
      const missing = this.need > this.accLen ? this.need - this.accLen : Math.max(HEADER_STEP, this.accLen);
      const take = Math.min(missing, to - off);
      this.append(chunk, off, off + take);
      off += take;
      if (this.accLen < this.need) return; // a large argument is still arriving
      if (!this.scan(this.acc!, 0, this.accLen, sink, this.accSlab)) return;
      if (off === to) return;
    }
    this.scan(chunk, off, to, sink, slab);
  }

  /**
   * Scans buf[from, end) (the buffered bytes or a read), hands on its commands (their records are
   * offsets in `buf`), keeps its unfinished tail.
   */
  private scan(buf: Buffer, from: number, end: number, sink: RequestSink, slab: Slab | null): boolean {
    let start = from;
    let consumed = from;
    const rec = this.records;
    let need = 0;
    const id = this.scanId !== null ? slabIdFor(slab, buf) : -1;
    const args = this.callArgs;
    for (;;) {
      let n: number;
      if (id >= 0) {
        args[0] = id;
        args[1] = start;
        args[2] = end;
        args[3] = sink.authRequired ? 1 : 0;
        args[4] = this.scannerIndex;
        this.scanId!();
        n = rec[REQ_COUNT];
      } else {
        n = this.scanner.scan(buf, start, end, sink.authRequired);
      }
      // Read the header before the sink runs: it may scan again (inline commands) and overwrite it.
      consumed = rec[REQ_CONSUMED];
      need = rec[REQ_NEED];
      if (n > 0 && !sink.onRequests(buf, n, slab)) {
        this.drop();
        return false;
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
    const tail = end - consumed;
    if (tail === 0) {
      this.drop();
    } else if (consumed === from && this.accLen > 0) {
      // nothing completed: the accumulated bytes stay where they are
    } else {
      // (a new buffer: commands handed on may be ranges of the old one). Its size is the
      // command's when the scanner knows it: room for more would only be garbage.
      this.replace(this.need >= tail ? this.need : Math.max(MIN_TAIL_BUFFER, tail * 2), buf, consumed, end);
    }
    return true;
  }

  /** A new buffer of `size` for the unfinished tail, holding from[start, end); the old one is let go. */
  private replace(size: number, from: Buffer, start: number, end: number): void {
    const old = this.accSlab;
    // a tail slab when the scanner knows the command fits: not for a client that is merely
    // idle in the middle of a header line
    const slab = size === this.need && size <= TAIL_SLAB_SIZE ? tailSlab() : null;
    const next = slab !== null ? slab.buf : Buffer.allocUnsafe(size);
    from.copy(next, 0, start, end);
    this.acc = next;
    this.accSlab = slab;
    this.accLen = end - start;
    if (old !== null) releaseSlab(old);
  }

  private drop(): void {
    if (this.accSlab !== null) releaseSlab(this.accSlab);
    this.acc = null;
    this.accSlab = null;
    this.accLen = 0;
  }

  reset(): void {
    this.drop();
    this.need = 0;
    this.scanner.reset();
  }

  /** Appends chunk[from, to) to the buffered bytes. */
  private append(chunk: Buffer, from: number, to: number): void {
    const acc = this.acc!;
    const n = to - from;
    if (acc.length - this.accLen < n) this.replace(Math.max(this.accLen + n, acc.length * 2, this.need), acc, 0, this.accLen);
    chunk.copy(this.acc!, this.accLen, from, to);
    this.accLen += n;
  }
}

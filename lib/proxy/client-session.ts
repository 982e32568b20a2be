// One client connection: reads commands, turns each record into a request of its family, and
// hands it to the client's reply queue, which writes the replies strictly in the order the
// commands arrived, whichever node answers first (lib/proxy/reply-queue.ts).
import type net from 'node:net';
import { cachedNow, cachedWallNow } from '../clock';
import { ReadPolicy } from '../commands/access';
import { WrittenNodes } from '../backend/written-nodes';
import { scheduleFlush, type Flushable } from '../io/flush-queue';
import { submitSends } from '../io/send-batch';
import { releaseSlab, type Slab } from '../io/slabs';
import { writeQueued, writeState, type WriteState } from '../io/stream-state';
import { PolledSocket } from '../io/read-poller';
import { pollSocket } from '../io/socket-reads';
import { PendingStats } from '../metrics/pending-stats';
import { CMD_INLINE, CMD_PROTOCOL_ERROR, REQ_HEADER, REQ_RECORD, R_CMD, R_END, R_FLAGS, R_SLOT, R_START } from '../protocol/records';
import { RequestReader, type RequestSink } from '../protocol/request-reader';
import { error } from '../protocol/resp';
import { ClientIdentity } from './client-identity';
import { ClientLimits, limitedSocket, type OutputLimits } from './client-limits';
import type { MemoryClient } from './client-memory';
import { ImmediateReply, type ClientRequest } from './client-request';
import { ClientReads, mayWrite, policyAfter } from './client-reads';
import type { ProxyContext } from './context';
import { dispatchSlow, type DispatchSession } from './dispatch';
import type { SessionMode } from './family';
import { ReplyQueue, type ReplyQueueOwner } from './reply-queue';
import { SocketReplyWriter } from './reply-writes';
import { SingleRequest } from './requests/single-request';
import { closeAfterWrites } from './socket-close';

export class ClientSession extends ClientIdentity implements RequestSink, Flushable, DispatchSession, ReplyQueueOwner, MemoryClient {
  closed = false;
  /** what this client holds of the proxy's memory, kept by ctx.clientMemory (client-memory.ts) */
  memoryBytes = 0;
  memoryBucket = -1;
  flushQueued = false;
  /** replies go out after each read of a node's replies, not only at the turn's end (reply-writes.ts) */
  readonly early = true;
  mode: SessionMode | null = null;
  /** output buffer limits while in a mode; null: those of ordinary clients */
  outputLimits: OutputLimits | null = null;
  readonly written = new WrittenNodes();
  /** its read policy and read-your-writes state; null while it reads from masters only, untracked */
  reads: ClientReads | null = null;
  private readonly replies: ReplyQueue;
  private readonly limits: ClientLimits;
  /** its socket's write state (lib/io/stream-state.ts), read per read and write */
  private readonly out: WriteState | null;
  private readonly reader: RequestReader;
  /** the statistics' view of the requests in the reply queue, in the same order */
  private readonly pendingStats = new PendingStats();
  /** row and bytes of the command being dispatched, for the statistics of what it enqueues */
  private currentRow = -1;
  private currentFrame: Buffer | null = null;
  private currentStart = 0;
  private currentEnd = 0;

  constructor(
    id: number,
    private readonly socket: net.Socket,
    readonly ctx: ProxyContext,
  ) {
    super(id, socket, ctx.auth.initialUser());
    const reads = pollSocket(socket, (buf, start, end, slab) => this.onData(buf, start, end, slab), true, ctx.scanners.poller, ctx.scanners.ioUring);
    this.limits = new ClientLimits(limitedSocket(socket, reads), ctx);
    this.out = writeState(socket);
    this.replies = new ReplyQueue(this, new SocketReplyWriter(socket, ctx.scanners.gather, reads instanceof PolledSocket ? reads : null), this.limits);
    this.reader = new RequestReader(ctx.scanners.newRequestScanner(), ctx.scanners);
    socket.setNoDelay(true);
    if (ctx.config.tcpKeepalive > 0) socket.setKeepAlive(true, ctx.config.tcpKeepalive * 1000);
    const policy = ctx.router.readFrom;
    if (policy !== ReadPolicy.Master) this.reads = new ClientReads(policy, 0, 0);
    socket.on('error', () => this.onClose());
    socket.on('close', () => this.onClose());
    // the replies it held were taken by the kernel: it holds less
    socket.on('drain', () => this.countMemory());
  }

  /** commands read and not yet answered */
  get pending(): number {
    return this.replies.pending;
  }

  get blocked(): boolean {
    return this.replies.blocked;
  }

  get flags(): string {
    return this.mode?.flag ?? (this.replies.blocked ? 'b' : 'N');
  }

  private onData(buf: Buffer, start: number, end: number, slab: Slab | null): void {
    if (this.replies.closing) return;
    this.lastActive = cachedWallNow();
    this.reader.push(buf, this, slab, start, end);
    // Redis closes such a client without a reply (client-query-buffer-limit).
    if (this.limits.queryBufferExceeded(this.reader.buffered)) this.socket.destroy();
    else this.countMemory();
  }

  /** The client's query and output buffers: what SLOTPROXY_MAXMEMORY_CLIENTS counts of it. */
  measureMemory(): number {
    return this.reader.buffered + writeQueued(this.socket, this.out);
  }

  /** Reports the memory it holds when that changed (per read and write: a few field reads). */
  private countMemory(): void {
    const bytes = this.reader.buffered + writeQueued(this.socket, this.out);
    if (bytes !== this.memoryBytes && !this.closed) this.ctx.clientMemory.update(this, bytes);
  }

  protected override exemptionChanged(): void {
    this.ctx.clientMemory.exemptionChanged(this);
  }

  /** Closed for SLOTPROXY_MAXMEMORY_CLIENTS: at once, without a reply, as Redis evicts. */
  evict(): void {
    this.closeNow();
  }

  onRequests(buf: Buffer, count: number, slab: Slab | null): boolean {
    let rec = this.ctx.scanners.requestRecords;
    for (let i = 0; i < count; i++) {
      if (rec[REQ_HEADER + i * REQ_RECORD + R_CMD] === CMD_INLINE) {
        // Inline commands are scanned again once re-encoded, which overwrites the shared
        // records: keep this batch's own copy (inline commands are rare).
        rec = rec.slice(0, REQ_HEADER + count * REQ_RECORD);
        break;
      }
    }
    const timeout = this.ctx.config.requestTimeoutMs;
    const deadline = timeout > 0 ? cachedNow() + timeout : Infinity;
    const rows = this.ctx.table.rows;
    const anonymous = this.user === null;
    const replies = this.replies;
    // (a READONLY in the batch may start tracking: read again after each slow-path command)
    let reads = this.reads;
    for (let i = 0; i < count && !replies.closing; i++) {
      const at = REQ_HEADER + i * REQ_RECORD;
      if (anonymous && this.user !== null) {
        // AUTH succeeded in this batch: what follows was scanned with the limits for
        // anonymous clients and is scanned again (Redis checks them command by command).
        this.reader.rescanFrom(rec[at + R_START]);
        break;
      }
      const cmd = rec[at + R_CMD];
      // Fast path: a known command routed by its slot, nothing to report.
      if (cmd > 0 && rec[at + R_FLAGS] === 0) {
        const row = rows[cmd]!;
        if (row.fastPath && this.mode === null && this.fast) {
          // the command is sent as a range of the read buffer: no view per command
          const req = new SingleRequest(this, buf, rec[at + R_SLOT], this.id, deadline);
          const start = (req.frameStart = rec[at + R_START]);
          const end = (req.frameEnd = rec[at + R_END]);
          req.access = row.access;
          if (reads !== null && row.mayWrite) reads.pending++;
          // the replies of the read's commands go out together (see Batches in reply-queue.ts)
          req.endsBatch = false;
          if (slab !== null) {
            req.slab = slab;
            slab.refs++;
          }
          this.pendingStats.push(cmd, cachedNow(), buf, start, end);
          replies.enqueue(req);
          continue;
        }
      }
      // What the slow path enqueues may take long (blocking commands...): the replies before it
      // do not wait for it. Split commands (MSET/MGET across slots) are answered as promptly as
      // the fast path's.
      const prompt = cmd > 0 && rows[cmd]!.fastPath && this.mode === null && this.fast;
      // what the slow path makes of the command may keep ranges of it anywhere
      if (slab !== null) slab.pinned = true;
      const before = replies.last;
      if (!prompt) replies.endBatch();
      // unknown commands and protocol errors are counted on row 0
      this.currentRow = cmd > 0 ? cmd : 0;
      this.currentFrame = cmd === CMD_PROTOCOL_ERROR ? null : buf;
      this.currentStart = rec[at + R_START];
      this.currentEnd = rec[at + R_END];
      dispatchSlow(this, buf, rec, at, deadline);
      reads = this.reads;
      if (this.tracking !== null && cmd > 0) this.tracking.commandDone(rows[cmd]!.name);
      if (prompt) replies.joinBatch(before);
    }
    replies.endBatch();
    // what is enqueued outside of a command (pub/sub messages) is not a command
    this.currentRow = -1;
    this.currentFrame = null;
    this.ctx.stats.commandsProcessed += count;
    return !replies.closing;
  }

  /**
   * READONLY, READWRITE, RESET: this client's reads follow its new policy from its next command
   * on. A client tracked from here on counts the requests it has outstanding that may write, and
   * those it had answered are covered by the next poll round.
   */
  switchReads(mode: 'readonly' | 'readwrite' | 'default'): void {
    const router = this.ctx.router;
    const policy = policyAfter(mode, router.readFrom);
    if (this.reads !== null) {
      this.reads.policy = policy;
      return;
    }
    if (policy === ReadPolicy.Master) return;
    router.useReplicaReads();
    const rows = this.ctx.table.rows;
    this.reads = new ClientReads(policy, this.pendingStats.countRows((row) => mayWrite(rows, row)), router.nextReadRound);
  }

  commandIs(row: number, frame: Buffer): void {
    this.currentRow = row;
    this.currentFrame = frame;
    this.currentStart = 0;
    this.currentEnd = frame.length;
  }

  /** An error reply, in order. */
  reject(message: string): void {
    this.enqueue(new ImmediateReply(error(message)));
  }

  /** A command refused before it ran: a transaction in progress must learn of it (EXECABORT). */
  refuse(message: string): void {
    this.reject(message);
    this.mode?.rejected(message);
  }

  enqueue(req: ClientRequest): void {
    if (this.reads !== null && mayWrite(this.ctx.table.rows, this.currentRow)) this.reads.pending++;
    this.pendingStats.push(this.currentRow, cachedNow(), this.currentFrame, this.currentStart, this.currentEnd);
    this.replies.enqueue(req);
  }

  push(frame: Buffer): void {
    if (!this.closed) this.replies.push(frame);
  }

  requestDone(req: ClientRequest): void {
    if (!this.closed) this.replies.requestDone(req);
  }

  replyCollected(req: ClientRequest, failed: boolean): void {
    const stats = this.pendingStats;
    const row = stats.headRow;
    const reads = this.reads;
    if (reads !== null && mayWrite(this.ctx.table.rows, row)) reads.answered(this.ctx.router.nextReadRound);
    if (row >= 0) {
      const micros = (cachedNow() - stats.headAt) * 1000;
      const commandStats = this.ctx.commandStats;
      commandStats.record(row, failed, micros);
      // errorstats: by prefix, and the errors inside an EXEC reply (rare: no cost otherwise)
      const reply = req.reply;
      if ((failed || row === commandStats.execRow) && reply !== null) {
        const end = req.replyEnd ?? -1;
        commandStats.countErrors(row, reply, end < 0 ? 0 : req.replyStart!, end);
      }
      const threshold = this.ctx.slowlog.thresholdMicros;
      if (micros >= threshold && threshold >= 0) this.logSlow(row, micros);
    }
    stats.drop();
    const slab = req.slab;
    if (slab !== null) {
      req.slab = null;
      releaseSlab(slab);
    }
  }

  repliesCollected(): void {
    scheduleFlush(this);
  }

  private logSlow(row: number, micros: number): void {
    const stats = this.pendingStats;
    const frame = stats.headFrame;
    // unknown commands are not logged (Redis refuses them before they run)
    if (!frame || row === 0) return;
    const command = this.ctx.table.rows[row]!;
    // like Redis, commands flagged skip_slowlog (EXEC: its commands are logged one by one) are not
    if (command.skipSlowlog) return;
    this.ctx.slowlog.add(micros, frame, stats.headStart, stats.headEnd, command.name, this.remoteAddress, this.name ?? '');
  }

  /**
   * Writes what the reply queue lets go now, then applies the output limits. After the last
   * reply (QUIT, a protocol error) the socket is closed once that reply is written; the session
   * stays a client (CLIENT LIST, the limits) until the socket is gone, as in Redis.
   */
  flush(): void {
    if (this.closed) return;
    this.replies.flush();
    if (this.limits.outputExceeded(this.outputLimits)) return this.closeNow();
    this.countMemory();
    if (this.replies.finished && !this.closed) {
      // a last reply still queued in the send batch goes to the kernel first: what it does not
      // take must reach the stream before end() (lib/io/send-batch.ts)
      submitSends();
      closeAfterWrites(this.socket);
    }
  }

  /** Ends the connection without waiting for outstanding replies (shutdown). */
  closeNow(): void {
    this.socket.destroy();
    this.onClose();
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.replies.abandon();
    this.mode?.close();
    this.mode = null;
    if (this.tracking !== null) this.ctx.tracking.disable(this);
    this.ctx.onSessionClosed(this);
  }
}

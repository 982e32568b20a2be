// One client connection: reads commands, turns each record into a request of its family, and
// writes replies strictly in the order the commands arrived, whichever node answers first.
import type net from 'node:net';
import { cachedNow, tick } from '../clock';
import { scheduleFlush, type Flushable } from '../backend/flush-queue';
import { PendingStats } from '../metrics/pending-stats';
import type { User } from '../auth/users';
import { CMD_INLINE, CMD_PROTOCOL_ERROR, REQ_HEADER, REQ_RECORD, R_CMD, R_END, R_FLAGS, R_SLOT, R_START, TYPE_ERROR } from '../protocol/records';
import { RequestReader, type RequestSink } from '../protocol/request-reader';
import { readSocket, releaseSlab, type Slab } from '../io/socket-reads';
import { error } from '../protocol/resp';
import { ImmediateReply, type ClientRequest } from './client-request';
import type { ProxyContext } from './context';
import { dispatchSlow, type DispatchSession } from './dispatch';
import type { SessionMode } from './family';
import { writeReplies } from './reply-writes';
import { SingleRequest } from './requests/single-request';

/** replies held for the rest of their batch are written once this many bytes wait (see flush) */
const HOLD_BYTES = 64 * 1024;

export class ClientSession implements RequestSink, Flushable, DispatchSession {
  name: string | null = null;
  libName: string | null = null;
  libVer: string | null = null;
  closed = false;
  flushQueued = false;
  mode: SessionMode | null = null;
  outputLimits: { hard: number; soft: number; softSeconds: number } | null = null;
  readonly written = new Set<string>();
  readonly repliesToClient = true;
  private currentUser: User | null;
  /** authenticated as a user who may run anything on any key and channel: commands can take the fast path */
  private anyCommandAnyKey = false;
  readonly createdAt = Date.now();
  lastActive = this.createdAt;
  private closing = false; // a reply asked to close after it: read nothing more
  private head: ClientRequest | null = null;
  private tail: ClientRequest | null = null;
  /**
   * Answered requests whose replies are not written yet: the list from outFirst to outLast (their
   * `next` links stay as they were). flush() copies the replies into one Buffer of outBytes.
   */
  private outFirst: ClientRequest | null = null;
  private outLast: ClientRequest | null = null;
  /** the last request collected since the last flush (the list may have emptied after it) */
  private lastCollected: ClientRequest | null = null;
  private outBytes = 0;
  /** the last reply of the out list that ends a batch (see flush), and outBytes up to it */
  private outBoundary: ClientRequest | null = null;
  private boundaryBytes = 0;
  private holding: ClientRequest | null = null;
  private overSoftSince = 0;
  /** row and bytes of the command being dispatched, for the statistics of what it enqueues */
  private currentRow = -1;
  private currentFrame: Buffer | null = null;
  private currentStart = 0;
  private currentEnd = 0;
  private readonly pendingStats = new PendingStats();
  /** requests read and not yet answered */
  private outstanding = 0;
  private held: ClientRequest[] = [];
  /** `holding` is a barrier request waiting for the client's earlier replies */
  private barrierWaiting = false;
  private readonly reader: RequestReader;
  private remote: string | null = null;

  constructor(
    readonly id: number,
    private readonly socket: net.Socket,
    readonly ctx: ProxyContext,
  ) {
    this.currentUser = null;
    this.user = ctx.auth.initialUser();
    this.reader = new RequestReader(ctx.scanners.newRequestScanner(), ctx.scanners);
    socket.setNoDelay(true);
    if (ctx.config.tcpKeepalive > 0) socket.setKeepAlive(true, ctx.config.tcpKeepalive * 1000);
    readSocket(socket, (chunk, slab) => this.onData(chunk, slab), true);
    socket.on('error', () => this.onClose());
    socket.on('close', () => this.onClose());
  }

  /** Before AUTH, Redis 7's limits for unauthenticated clients apply (10 arguments, 16 KiB each). */
  get authRequired(): boolean {
    return this.currentUser === null;
  }

  get user(): User | null {
    return this.currentUser;
  }

  set user(u: User | null) {
    this.currentUser = u;
    this.anyCommandAnyKey = u !== null && u.unrestricted;
  }

  get unrestricted(): boolean {
    return this.anyCommandAnyKey;
  }

  /** commands read and not yet answered */
  get pending(): number {
    return this.outstanding;
  }

  get blocked(): boolean {
    return this.holding !== null;
  }

  get flags(): string {
    return this.mode?.flag ?? (this.holding ? 'b' : 'N');
  }

  /** asked for each slow-log entry: under overload every request is one */
  get remoteAddress(): string {
    return (this.remote ??= `${this.socket.remoteAddress}:${this.socket.remotePort}`);
  }

  get localAddress(): string {
    return `${this.socket.localAddress}:${this.socket.localPort}`;
  }

  private onData(chunk: Buffer, slab: Slab | null): void {
    if (this.closing) return;
    tick();
    this.lastActive = Date.now();
    this.reader.push(chunk, this, slab);
    if (this.reader.buffered > this.ctx.config.maxQueryBuffer) {
      // Redis closes such a client without a reply (client-query-buffer-limit).
      this.socket.destroy();
    }
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
    const anonymous = this.currentUser === null;
    for (let i = 0; i < count && !this.closing; i++) {
      const at = REQ_HEADER + i * REQ_RECORD;
      if (anonymous && this.currentUser !== null) {
        // AUTH succeeded in this batch: what follows was scanned with the limits for
        // anonymous clients and is scanned again (Redis checks them command by command).
        this.reader.rescanFrom(rec[at + R_START]);
        break;
      }
      const cmd = rec[at + R_CMD];
      // Fast path: a known command routed by its slot, nothing to report.
      if (cmd > 0 && rec[at + R_FLAGS] === 0) {
        const row = rows[cmd]!;
        if (row.fastPath && this.mode === null && this.anyCommandAnyKey) {
          // the command is sent as a range of the read buffer: no view per command
          const req = new SingleRequest(this, buf, rec[at + R_SLOT], this.id, deadline);
          req.frameStart = rec[at + R_START];
          req.frameEnd = rec[at + R_END];
          req.writes = row.writes;
          req.endsBatch = false;
          if (slab !== null) {
            req.slab = slab;
            slab.refs++;
          }
          this.currentRow = cmd;
          this.currentFrame = buf;
          this.currentStart = req.frameStart;
          this.currentEnd = req.frameEnd;
          this.enqueue(req);
          continue;
        }
      }
      // What the slow path enqueues may take long (blocking commands...): the replies before it
      // do not wait for it. Split commands (MSET/MGET across slots) are answered as promptly as
      // the fast path's.
      const prompt = cmd > 0 && rows[cmd]!.fastPath && this.mode === null && this.anyCommandAnyKey;
      // what the slow path makes of the command may keep ranges of it anywhere
      if (slab !== null) slab.pinned = true;
      const before = this.tail;
      if (!prompt && before !== null) before.endsBatch = true;
      // unknown commands and protocol errors are counted on row 0
      this.currentRow = cmd > 0 ? cmd : 0;
      this.currentFrame = cmd === CMD_PROTOCOL_ERROR ? null : buf;
      this.currentStart = rec[at + R_START];
      this.currentEnd = rec[at + R_END];
      dispatchSlow(this, buf, rec, at, deadline);
      if (prompt && this.tail !== before) this.tail!.endsBatch = false;
    }
    if (this.tail !== null) this.tail.endsBatch = true;
    // what is enqueued outside of a command (pub/sub messages) is not a command
    this.currentRow = -1;
    this.currentFrame = null;
    this.ctx.stats.commandsProcessed += count;
    return !this.closing;
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
    // After QUIT or a protocol error nothing more of this client is run (as in Redis).
    if (req instanceof ImmediateReply && req.closeAfter) this.closing = true;
    if (this.tail) this.tail.next = req;
    else {
      this.head = req;
      // keeps the list of replies waiting for flush() linked through to this one
      if (this.lastCollected !== null) this.lastCollected.next = req;
    }
    this.tail = req;
    // Backpressure: a client with too many commands waiting for replies is not read from until
    // half of them were answered, instead of buffering without bound.
    if (++this.outstanding >= this.ctx.config.maxPending && !this.socket.isPaused()) this.socket.pause();
    this.pendingStats.push(this.currentRow, cachedNow(), this.currentFrame, this.currentStart, this.currentEnd);
    if (this.holding) {
      this.held.push(req);
      return;
    }
    this.begin(req);
  }

  private begin(req: ClientRequest): void {
    if (!req.done) {
      if (req.barrier && req !== this.head) {
        // It runs on another connection than the client's earlier commands: it starts once
        // they are answered, and everything after it waits with it.
        this.holding = req;
        this.barrierWaiting = true;
        return;
      }
      req.start();
      if (req.holds && !req.done) this.holding = req;
    }
    if (req.done && req === this.head) this.collectReplies();
  }

  /** Starts the requests held behind one that is answered (or started, for a mere barrier). */
  private releaseHeld(): void {
    this.holding = null;
    const held = this.held;
    let i = 0;
    while (i < held.length && !this.holding) this.begin(held[i++]);
    this.held = held.slice(i);
  }

  requestDone(req: ClientRequest): void {
    if (this.closed) return;
    if (req === this.holding) this.releaseHeld();
    if (req === this.head) this.collectReplies();
  }

  private collectReplies(): void {
    let req = this.head;
    const stats = this.ctx.commandStats;
    const now = cachedNow();
    while (req && req.done) {
      this.outstanding--;
      const reply = req.reply;
      let failed = false;
      if (reply !== null) {
        const end = req.replyEnd ?? -1;
        const start = end < 0 ? 0 : req.replyStart!;
        this.outBytes += (end < 0 ? reply.length : end) - start;
        const tail = req.replyTail;
        if (tail != null) this.outBytes += tail.bytes;
        failed = reply[start] === TYPE_ERROR;
        if (this.outFirst === null) this.outFirst = req;
        this.outLast = req;
      }
      if (req.endsBatch && this.outLast !== null) {
        this.outBoundary = this.outLast;
        this.boundaryBytes = this.outBytes;
      }
      const row = this.pendingStats.headRow;
      if (row >= 0) {
        const micros = (now - this.pendingStats.headAt) * 1000;
        stats.record(row, failed, micros);
        if (micros >= this.ctx.slowlog.thresholdMicros && this.ctx.slowlog.thresholdMicros >= 0) this.logSlow(row, micros);
      }
      this.pendingStats.drop();
      const slab = req.slab;
      if (slab !== null) {
        req.slab = null;
        releaseSlab(slab);
      }
      if (req instanceof ImmediateReply && req.closeAfter) {
        this.closing = true;
        req = null;
        break;
      }
      this.lastCollected = req;
      req = req.next;
    }
    this.head = req;
    if (!req) this.tail = null;
    if (this.barrierWaiting && req !== null && req === this.holding) {
      this.barrierWaiting = false;
      req.start();
      if (this.holding === req && (req.done || !req.holds)) this.releaseHeld();
    }
    if (this.outstanding < this.ctx.config.maxPending / 2 && this.socket.isPaused() && !this.closing) this.socket.resume();
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
   * Writes the replies collected so far, in one write per batch: a pipeline the client sent in
   * one go and that went to several nodes is answered piecewise (each node's replies arrive in
   * their own read), and writing each piece costs a syscall and a wake-up of the client. So
   * replies wait for the rest of their batch unless HOLD_BYTES of them are waiting. Every command
   * of a held batch is in flight on a multiplexed connection, so that is normally one round trip
   * (a redirect or a lost node takes longer, and the replies after that command wait for it in
   * any case). Redis, too, answers what it read in one go with one write.
   */
  flush(): void {
    if (this.closed) return;
    const last = this.outLast;
    if (last !== null) {
      if (last.endsBatch || this.head === null || this.outBytes >= HOLD_BYTES || this.closing || last === this.outBoundary) {
        writeReplies(this.socket, this.outFirst!, last, this.outBytes);
        this.outFirst = this.outLast = this.outBoundary = this.lastCollected = null;
        this.outBytes = 0;
      } else if (this.outBoundary !== null) {
        const boundary = this.outBoundary;
        writeReplies(this.socket, this.outFirst!, boundary, this.boundaryBytes);
        this.outFirst = boundary.next;
        this.outBytes -= this.boundaryBytes;
        this.outBoundary = null;
      }
    } else {
      this.lastCollected = null;
    }
    const limits = this.outputLimits ?? this.ctx.normalOutputLimits;
    if (limits) this.checkOutputLimits(limits);
    if (this.closing && !this.head) {
      this.socket.end();
      this.onClose();
    }
  }

  /**
   * A client that does not read its replies fills the socket's buffer; past the limits of its
   * mode (Redis's client-output-buffer-limit for its class) it is closed, alone.
   */
  private checkOutputLimits(limits: { hard: number; soft: number; softSeconds: number }): void {
    const queued = this.socket.writableLength;
    if (queued > limits.hard) {
      this.closeNow();
    } else if (queued > limits.soft) {
      const now = Date.now();
      if (this.overSoftSince === 0) this.overSoftSince = now;
      else if (now - this.overSoftSince > limits.softSeconds * 1000) this.closeNow();
    } else {
      this.overSoftSince = 0;
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
    for (let req = this.head; req; req = req.next) if (!req.done) req.abandon();
    this.mode?.close();
    this.mode = null;
    this.head = this.tail = this.holding = null;
    this.outFirst = this.outLast = this.lastCollected = null;
    this.held = [];
    this.ctx.onSessionClosed(this);
  }
}

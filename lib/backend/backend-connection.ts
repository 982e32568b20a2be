// One TCP connection to a cluster node, multiplexed: commands of many clients are written in
// order, replies come back in the same order and are matched to the FIFO of commands in flight.
// A RESP3 connection (HELLO 3 in its handshake) may also get push frames ('>': pub/sub messages,
// tracking invalidations), which answer no command: they go to the connection's push handler and
// never take a reply's place in the FIFO.
import type net from 'node:net';
import { logger } from '../log';
import { ReplyReader, type ReplySink } from '../protocol/reply-reader';
import type { Scanners } from '../protocol/scanners';
import { isErrorType, TYPE_BLOB_ERROR, TYPE_PUSH } from '../protocol/records';
import type { Gather } from '../protocol/gather';
import { command } from '../protocol/resp';
import { dial, type TlsMaterial } from './dial';
import { pollSocket } from '../io/socket-reads';
import type { Slab } from '../io/slabs';
import { SocketFd } from '../io/socket-fd';
import { scheduleFlush, type Flushable } from '../io/flush-queue';
import { PendingCommands } from './pending-commands';
import { Ring } from './ring';
import type { BackendAddress, WireCommand } from './wire-command';

const ASKING = command(['ASKING']);
/**
 * Stands in the in-flight FIFO for a reply nobody waits for: of an ASKING we sent ourselves, or
 * of a command already answered with an error (answerOverdue): read and dropped.
 */
const DROPPED = Symbol('dropped');
/** Frames up to this size are copied into one write; larger ones are written as they are. */
const COPY_LIMIT = 16 * 1024;

export const enum ConnState {
  Connecting,
  Ready,
  Closed,
}

export interface ConnectionHooks<C extends WireCommand = WireCommand> {
  /** Commands queued but never written (so never run): route them again. */
  onOrphaned(cmds: C[], conn: BackendConnection<C>): void;
  /** The connection failed or was lost; `reason` is for error replies and logs. */
  onLost(conn: BackendConnection<C>, reason: string): void;
  /** Connected (again). */
  onReady?(conn: BackendConnection<C>): void;
  /** A read of replies was handled: what they completed may be written now. */
  onReadDone(): void;
  /** A push frame on a connection without a push handler of its own (see BackendConnection.pushHandler). */
  onPush?: PushHandler;
}

/**
 * Receives a push frame ('>', RESP3): `frame` is a view of the read, which stays valid (its slab
 * is pinned); `from` the connection it came on.
 */
export type PushHandler = (frame: Buffer, from: BackendAddress) => void;

export interface ConnectionOptions {
  connectTimeoutMs: number;
  /** reconnect with back-off after a loss, keeping unwritten commands (multiplexed connections) */
  reconnect: boolean;
  /** commands sent on every new connection before any other (AUTH ...) */
  handshake?: Buffer[];
  /** TLS to the node (SLOTPROXY_REDIS_TLS) */
  tls?: TlsMaterial | null;
  /** the handshake says HELLO 3: replies come in RESP3, pushes may come */
  resp3?: boolean;
}

const log = logger('backend');

/** `C`: the commands it carries (the router's BackendCommand), handed back as they were given. */
export class BackendConnection<C extends WireCommand = WireCommand> implements ReplySink, Flushable, BackendAddress {
  /** Date.now() when a ready connection was lost, 0 while up: for the log line when it is back */
  private lostSince = 0;
  state = ConnState.Connecting;
  flushQueued = false;
  /** written at the turn's end, with everything routed here during the turn */
  readonly early = false;
  /** routed here but not yet written */
  private readonly pending = new PendingCommands<C>();
  private readonly inflight = new Ring<C | typeof DROPPED>();
  private socket: net.Socket | null = null;
  /** where a write can skip the socket's stream (set once connected) */
  private fd: SocketFd | null = null;
  private reader: ReplyReader;
  /** the proxy's gather (its scanners'), which copies each write's commands into one buffer */
  private readonly gather: Gather;
  private retryDelay = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private handshakeLeft = 0;
  lastError = '';
  /** set by the dedicated pool while the connection serves one command */
  busy = false;
  /** close() was called: the loss says nothing about the cluster */
  closedByUs = false;
  /** serves one command at a time for one client (blocking commands) */
  readonly dedicated: boolean;
  /** replies in RESP3 (HELLO 3 in the handshake) */
  readonly resp3: boolean;
  /** where push frames go; null: the hooks' onPush, else they are dropped (and counted) */
  pushHandler: PushHandler | null = null;
  /** push frames nobody took (no handler): a node sent what the proxy never asked for */
  strayPushes = 0;

  constructor(
    readonly host: string,
    readonly port: number,
    readonly address: string,
    private readonly scanners: Scanners,
    private readonly options: ConnectionOptions,
    private readonly hooks: ConnectionHooks<C>,
  ) {
    this.dedicated = !options.reconnect;
    this.resp3 = options.resp3 === true;
    this.gather = scanners.gather;
    this.reader = new ReplyReader(scanners.newReplyScanner(), scanners);
    this.connect();
  }

  /** Commands written and waiting for their reply. */
  get inFlight(): number {
    return this.inflight.length;
  }

  get queued(): number {
    return this.pending.count;
  }

  /** The oldest command written and not answered yet (the one the node is running). */
  oldestInFlight(): C | null {
    const inflight = this.inflight;
    for (let i = 0; i < inflight.length; i++) {
      const c = inflight.at(i)!;
      if (c !== DROPPED) return c;
    }
    return null;
  }

  /**
   * Gives every command written behind the oldest one whose deadline passed `message` as its
   * error now, keeping its place in the FIFO (its reply, when it comes, is read and dropped).
   * The oldest stays: it is the one the node runs. Returns how many were answered.
   */
  answerOverdue(now: number, message: string): number {
    const inflight = this.inflight;
    let n = 0;
    let head = true;
    for (let i = 0; i < inflight.length; i++) {
      const c = inflight.at(i)!;
      if (c === DROPPED) continue;
      if (head) {
        head = false;
        continue;
      }
      if (c.deadline > now) continue;
      inflight.set(i, DROPPED);
      c.onFailure(message);
      n++;
    }
    return n;
  }

  /**
   * No reconnecting any more: the connection stays open for the replies of what it carries (see
   * BackendNode.park). Returns the commands not written yet, to be routed elsewhere.
   */
  retire(): C[] {
    this.options.reconnect = false;
    return this.takePending();
  }

  send(cmd: C): void {
    this.pending.push(cmd);
    if (this.state === ConnState.Ready) scheduleFlush(this);
  }

  flush(): void {
    const count = this.pending.count;
    if (this.state !== ConnState.Ready || count === 0) return;
    const cmds = this.pending.drain();
    const socket = this.socket!;
    let total = 0;
    let big = false;
    for (let i = 0; i < count; i++) {
      const c = cmds[i]!;
      // (c.size, spelled out: a getter on the many command classes was a call per command)
      const head = c.head;
      const size = c.frameEnd - c.frameStart + (head === null ? 0 : head.length);
      total += size + (c.asking ? ASKING.length : 0);
      if (size > COPY_LIMIT) big = true;
    }
    if (!big) {
      // (consecutive commands read from one client buffer become one range)
      const g = this.gather;
      g.beginSend(total);
      const inflight = this.inflight;
      for (let i = 0; i < count; i++) {
        const c = cmds[i]!;
        if (c.asking) {
          g.add(ASKING, 0, ASKING.length);
          inflight.push(DROPPED);
          c.asking = false;
        }
        const head = c.head;
        if (head !== null) g.add(head, 0, head.length);
        g.add(c.frame, c.frameStart, c.frameEnd);
        inflight.push(c);
      }
      g.sendTo(socket, this.fd === null ? -1 : this.fd.now());
    } else {
      this.writeSegments(cmds, count);
    }
    this.pending.recycle(cmds, count);
  }

  /** Takes back every command not yet written (the topology changed under them). */
  takePending(): C[] {
    return this.pending.take();
  }

  /** Fails the unwritten commands whose deadline passed; returns how many. */
  expirePending(now: number, message: (cmd: C) => string): number {
    const expired = this.pending.expire(now);
    for (const c of expired) c.onFailure(message(c));
    return expired.length;
  }

  /** Closes for good: in-flight commands get `reason` as an error, unwritten ones are handed back. */
  close(reason: string): void {
    if (this.state === ConnState.Closed && !this.socket && !this.options.reconnect) return;
    this.options.reconnect = false;
    this.closedByUs = true;
    this.lost(reason);
  }

  /** Drops the socket (a stalled node) and reconnects; unwritten commands stay queued. */
  reset(reason: string): void {
    if (this.state === ConnState.Closed) return;
    this.lost(reason);
  }

  /** Closed for good: a new connection is needed. */
  get dead(): boolean {
    return this.state === ConnState.Closed && !this.options.reconnect;
  }

  onReply(buf: Buffer, start: number, end: number, type: number, redirect: number, elems: number, elemBase: number, slab: Slab | null): void {
    // A push answers no command: matched to the FIFO it would shift every later reply by one.
    if (type === TYPE_PUSH) {
      this.pushed(buf, start, end, slab);
      return;
    }
    if (this.handshakeLeft > 0) {
      this.handshakeLeft--;
      if (isErrorType(type)) this.lost(`handshake with ${this.address} failed: ${errorText(buf, start, end, type)}`);
      return;
    }
    const cmd = this.inflight.shift();
    if (cmd === undefined) {
      this.lost(`${this.address} sent a reply nobody asked for`);
      return;
    }
    if (cmd === DROPPED) return;
    cmd.onReplyRange(buf, start, end, type, redirect, elems, elemBase, this, slab);
  }

  onProtocolError(): void {
    this.lost(`${this.address} sent bytes that are not RESP`);
  }

  private pushed(buf: Buffer, start: number, end: number, slab: Slab | null): void {
    const handler = this.pushHandler ?? this.hooks.onPush;
    if (handler === undefined) {
      if (this.strayPushes++ === 0) log.warn({ address: this.address }, `${this.address} sent a push frame on a connection that expects none; dropped`);
      return;
    }
    // the handler may keep the view anywhere
    if (slab !== null) slab.pinned = true;
    handler(buf.subarray(start, end), this);
  }

  private writeSegments(cmds: (C | null)[], count: number): void {
    const socket = this.socket!;
    socket.cork();
    let run: Buffer[] = [];
    let runLen = 0;
    const flushRun = (): void => {
      if (runLen) socket.write(run.length === 1 ? run[0] : Buffer.concat(run, runLen));
      run = [];
      runLen = 0;
    };
    for (let i = 0; i < count; i++) {
      const c = cmds[i]!;
      if (c.asking) {
        run.push(ASKING);
        runLen += ASKING.length;
        this.inflight.push(DROPPED);
        c.asking = false;
      }
      const bytes = c.bytes();
      if (bytes.length > COPY_LIMIT) {
        flushRun();
        socket.write(bytes);
      } else {
        run.push(bytes);
        runLen += bytes.length;
      }
      this.inflight.push(c);
    }
    flushRun();
    socket.uncork();
  }

  private connect(): void {
    this.state = ConnState.Connecting;
    const { socket, ready } = dial(this.host, this.port, this.options.tls ?? null);
    this.socket = socket;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 60_000);
    const timer = setTimeout(() => {
      socket.destroy(new Error(`connect timed out after ${this.options.connectTimeoutMs} ms`));
    }, this.options.connectTimeoutMs);
    socket.once(ready, () => {
      clearTimeout(timer);
      if (this.socket !== socket) return;
      if (this.lostSince) log.info({ address: this.address, downMs: Date.now() - this.lostSince }, `connection to ${this.address} is back`);
      this.lostSince = 0;
      this.state = ConnState.Ready;
      this.fd = new SocketFd(socket, this.gather.sends);
      this.retryDelay = 0;
      const handshake = this.options.handshake ?? [];
      this.handshakeLeft = handshake.length;
      for (const h of handshake) socket.write(h);
      this.hooks.onReady?.(this);
      if (this.pending.count) scheduleFlush(this);
    });
    // (replies are timed with the clock of their read, which lib/io ticks: see lib/clock.ts)
    const onRead = (buf: Buffer, start: number, end: number, slab: Slab | null): void => {
      if (this.socket === socket) this.reader.push(buf, this, slab, start, end);
      this.hooks.onReadDone();
    };
    pollSocket(socket, onRead, false, this.scanners.poller, this.scanners.ioUring);
    socket.on('error', (err) => {
      clearTimeout(timer);
      if (this.socket === socket) this.lost(`${this.address}: ${err.message}`);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      if (this.socket === socket) this.lost(`connection to ${this.address} closed`);
    });
  }

  private lost(reason: string): void {
    // once per outage of a shared connection (not per reconnect attempt, not for dedicated ones)
    if (this.options.reconnect && this.state === ConnState.Ready) {
      this.lostSince = Date.now();
      log.warn({ address: this.address, reason }, `lost a connection to ${this.address} (${reason}); reconnecting`);
    }
    const socket = this.socket;
    this.socket = null;
    this.fd = null;
    this.state = ConnState.Closed;
    this.lastError = reason;
    socket?.destroy();
    // A written command may have run: it gets an error, never a second try.
    const written = this.inflight.drain();
    for (const c of written) if (c !== DROPPED) c.onFailure(`ERR ${reason}; the command may or may not have run`);
    this.reader = new ReplyReader(this.scanners.newReplyScanner(), this.scanners);
    this.hooks.onLost(this, reason);
    if (this.options.reconnect) {
      this.retryDelay = Math.min(1000, this.retryDelay ? this.retryDelay * 2 : 50);
      if (!this.retryTimer) {
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          if (this.options.reconnect && this.state === ConnState.Closed) this.connect();
        }, this.retryDelay);
      }
    } else {
      if (this.retryTimer) clearTimeout(this.retryTimer);
      this.retryTimer = null;
      const orphans = this.takePending();
      if (orphans.length) this.hooks.onOrphaned(orphans, this);
    }
  }
}

/** The text of an error reply ('-' line, or '!' blob error), for logs. */
function errorText(buf: Buffer, start: number, end: number, type: number): string {
  const from = type === TYPE_BLOB_ERROR ? buf.indexOf(10, start) + 1 : start + 1;
  return buf.toString('latin1', from, end).trim();
}

// One dedicated connection to one node that carries one client's subscriptions there (its classic
// ones, or its shard channels of that node).
//
// A BackendConnection hands each reply frame to the command at the head of its in-flight FIFO and
// drops the connection when a frame arrives with nothing in flight. A subscribed connection gets
// frames nobody asked for (messages), so every entry this link puts in the FIFO is a LinkEntry
// that passes whatever frame it receives to the link, whichever entry that happens to be: the
// FIFO only counts frames here, it does not match them. Entries with an empty frame (fillers) add
// room without writing a byte, and the link tops the FIFO up synchronously, from inside the frame
// that emptied it, so the next frame of the same socket read still finds an entry.
//
// The link matches frames to what it sent by itself: each operation (SUBSCRIBE ..., SUNSUBSCRIBE
// ...) is followed by a PING with a token of its own. Everything the node sends in answer to the
// operation (one confirmation per channel, or an error) arrives before that PING's reply, so the
// reply settles the operation however many frames it produced. The confirmations themselves are
// not forwarded: the mode computed the client's own (its counts differ from the node's).
//
// A RESP3 client's link is a RESP3 connection (HELLO 3): messages and confirmations are push
// frames, which the connection hands to the link's push handler without touching the FIFO; only
// PING's reply (a plain bulk string in RESP3, even subscribed) and errors take entries there.
import { BackendCommand } from '../../backend/backend-command';
import type { BackendConnection } from '../../backend/backend-connection';
import type { BackendNode } from '../../backend/backend-node';
import { isErrorType, TYPE_ARRAY, TYPE_BULK, TYPE_PUSH } from '../../protocol/records';
import { command } from '../../protocol/resp';
import { flatArray, keyOf, pushKind } from './pubsub-frames';

/** Fillers added each time the FIFO runs dry: one zero-length write per this many frames. */
const REARM = 64;
const EMPTY = Buffer.alloc(0);

export const enum OpState {
  Queued,
  Sent,
  Settled,
}

/** What waits for an operation: the client request it is part of (PubSubRequest). */
export interface OpOwner {
  /** a frame the node pushed while this operation was the oldest one outstanding on its link */
  message(frame: Buffer): void;
  /** one more operation to wait for */
  add(op: LinkOp): void;
  hold(): void;
  /** an operation (or a hold) is over */
  release(): void;
  /** the reply is this error instead of the confirmations */
  fail(error: Buffer): void;
}

export class LinkOp {
  state = OpState.Queued;
  token = '';
  /** the first error the node answered while this operation was outstanding */
  error: Buffer | null = null;
  redirect = 0;
  /** SSUBSCRIBE: the channels' slot and the client's deadline, for following a MOVED */
  slot = -1;
  deadline = Infinity;
  /** SSUBSCRIBE after a redirect: the router's retry state, carried across attempts */
  retry: BackendCommand | null = null;

  constructor(
    readonly link: PubSubLink,
    readonly owner: OpOwner,
    /** the command to write; null: close the link, the client has nothing left on it */
    readonly frame: Buffer | null,
    /** the command, lowercase ('subscribe', 'sunsubscribe' ...) */
    readonly kind: string,
    readonly channels: Buffer[],
  ) {}
}

export interface LinkHandler {
  /** a message (message, pmessage, smessage) for the client */
  message(link: PubSubLink, frame: Buffer): void;
  /** the node unsubscribed a shard channel by itself: its slot moved to another node */
  shardDropped(link: PubSubLink, channel: Buffer): void;
  /** the node answered an operation (or the link closed before it did, `op.error` then null) */
  settled(op: LinkOp): void;
  /** the connection failed or was closed by the node */
  lost(link: PubSubLink, reason: string): void;
}

/** Every FIFO entry of a link: passes any frame to the link (see the top of this file). */
class LinkEntry extends BackendCommand {
  constructor(
    private readonly link: PubSubLink,
    frame: Buffer,
  ) {
    super(frame, -1, 0, Infinity);
  }

  onReply(frame: Buffer, type: number, redirect: number): void {
    this.link.received(frame, type, redirect);
  }

  onFailure(message: string): void {
    this.link.failed(message);
  }

  /** Only reached when the connection closed before this was written and the router rerouted it. */
  sendTo(): void {
    this.link.failed(`the connection to ${this.link.node.address} closed before the subscription was sent`);
  }

  get abandoned(): boolean {
    return this.link.closed;
  }
}

export class PubSubLink {
  /** operations dispatched and not settled yet, in the client's order */
  readonly ops: LinkOp[] = [];
  /** shard links: the client's shard channels this node holds for it (kept by the mode) */
  readonly channels = new Set<string>();
  closed = false;
  private readonly filler: LinkEntry;
  private tokens = 0;

  constructor(
    readonly node: BackendNode,
    private readonly conn: BackendConnection,
    private readonly handler: LinkHandler,
  ) {
    this.filler = new LinkEntry(this, EMPTY);
    if (conn.resp3) conn.pushHandler = (frame) => this.received(frame, TYPE_PUSH, 0);
    this.rearm();
  }

  /** The node writes in RESP3: messages are push frames. */
  get resp3(): boolean {
    return this.conn.resp3;
  }

  /** Registers an operation when the client's command is read (so ops stay in client order). */
  add(op: LinkOp): void {
    this.ops.push(op);
  }

  /** Sends an operation once its request starts. */
  start(op: LinkOp): void {
    if (op.state !== OpState.Queued) return; // settled already: the link closed meanwhile
    if (op.frame === null) {
      this.close();
      return;
    }
    op.state = OpState.Sent;
    op.token = `slotproxy-${++this.tokens}`;
    // one entry for both: in RESP3 a SUBSCRIBE that succeeds takes none (its confirmations are pushes)
    this.conn.send(new LinkEntry(this, Buffer.concat([op.frame, command(['PING', op.token])])));
  }

  /** Closes for good (the client needs nothing here any more); outstanding operations settle. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    // A connection that was subscribed is never handed to another client: closing it is also
    // what unsubscribes everything on the node.
    this.node.releaseDedicated(this.conn, false);
    this.settleAll();
  }

  received(frame: Buffer, type: number, redirect: number): void {
    if (this.closed) return;
    if (this.conn.inFlight === 0) this.rearm();
    if (type === TYPE_ARRAY || type === TYPE_PUSH) {
      switch (pushKind(frame)) {
        case 'message':
        case 'pmessage':
        case 'smessage':
          this.handler.message(this, frame);
          return;
        case 'pong': {
          const token = flatArray(frame, 2)?.[1];
          if (Buffer.isBuffer(token)) this.ack(keyOf(token));
          return;
        }
        case 'sunsubscribe': {
          const channel = flatArray(frame, 2)?.[1];
          if (Buffer.isBuffer(channel) && !this.asked('sunsubscribe', channel)) this.handler.shardDropped(this, Buffer.from(channel));
          return;
        }
        default:
          return; // confirmations of our operations: the mode wrote the client's own
      }
    }
    if (type === TYPE_BULK) {
      // PING on a connection that holds no subscription (its SSUBSCRIBE was redirected), or on
      // any RESP3 one (subscribed, it answers PING as usual)
      this.ack(frame.toString('latin1', frame.indexOf(10) + 1, frame.length - 2));
    } else if (isErrorType(type)) {
      const op = this.ops.find((o) => o.state === OpState.Sent);
      if (op && !op.error) {
        op.error = Buffer.from(frame);
        op.redirect = redirect;
      }
    }
  }

  failed(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.node.releaseDedicated(this.conn, false);
    this.settleAll();
    this.handler.lost(this, reason);
  }

  /** The outstanding operation asked for this confirmation (otherwise the node sent it unasked). */
  private asked(kind: string, channel: Buffer): boolean {
    const op = this.ops.find((o) => o.state === OpState.Sent);
    return !!op && op.kind === kind && op.channels.some((c) => c.equals(channel));
  }

  private ack(token: string): void {
    const i = this.ops.findIndex((o) => o.state === OpState.Sent && o.token === token);
    if (i < 0) return;
    const [op] = this.ops.splice(i, 1);
    op.state = OpState.Settled;
    this.handler.settled(op);
  }

  private settleAll(): void {
    for (const op of this.ops.splice(0)) {
      op.state = OpState.Settled;
      op.error = null; // the client gave these up, or the whole client is being closed
      this.handler.settled(op);
    }
  }

  private rearm(): void {
    for (let i = 0; i < REARM; i++) this.conn.send(this.filler);
    // Synchronously: more frames of the current read may follow this one.
    this.conn.flush();
  }
}

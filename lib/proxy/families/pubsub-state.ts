// A client's pub/sub state and the dedicated connections (links) that hold it on the nodes.
//
// Where subscriptions live: classic channels and shard channels on one link per master that owns
// their slot, patterns on one link to any master. Any node would do for classic ones (PUBLISH is
// broadcast to every node), but PUBLISH answers how many clients received the message and a node
// counts only its own subscribers: PUBLISH is routed by the channel's slot, so a channel
// subscribed on that master is counted, as one server counts it. A pattern matches channels of
// every slot and cannot be placed so: PUBLISH counts it only when the channel's master is the one
// holding the client's patterns (docs/compatibility.md). A link the client no longer needs is closed, which is also what unsubscribes it on
// the node (a connection that was subscribed is never handed to someone else).
//
// A RESP3 client's links are RESP3 connections: messages arrive as push frames and go to the
// client as they are, between replies (FamilySession.push), as Redis writes them.
//
// A lost link closes the client: it has missed messages and RESP2 has no way to tell it so, and
// a closed connection is what it would see if its one Redis went away, so its library reconnects
// and subscribes again (ioredis, redis-py, Jedis, go-redis all do). What it asked before the loss
// is still answered first, then the connection closes.
import type { BackendNode } from '../../backend/backend-node';
import { BackendCommand } from '../../backend/backend-command';
import { logger } from '../../log';
import { command, error } from '../../protocol/resp';
import { ImmediateReply } from '../client-request';
import { SLOT_NOT_SERVED } from '../errors';
import type { FamilySession, ParsedCommand, SessionMode } from '../family';
import { confirmation, inProtocol, keyOf } from './pubsub-frames';
import { LinkOp, PubSubLink, type LinkHandler } from './pubsub-link';
import { PubSubRequest } from './pubsub-request';

const log = logger('pubsub');

/** Redis's client-output-buffer-limit for the pubsub class (32 MB hard, 8 MB for 60 s). */
export const PUBSUB_OUTPUT_LIMITS = { hard: 32 * 1024 * 1024, soft: 8 * 1024 * 1024, softSeconds: 60 };

const SUBSCRIBING = new Set(['subscribe', 'psubscribe', 'ssubscribe']);
const ASKING = command(['ASKING']);

export interface ShardChannel {
  name: Buffer;
  link: PubSubLink;
}

/** Follows a MOVED/ASK/TRYAGAIN for an SSUBSCRIBE through the router; never written itself. */
class ShardRetry extends BackendCommand {
  constructor(
    private readonly state: PubSubState,
    public op: LinkOp,
    pin: number,
  ) {
    super(op.frame!, op.slot, pin, op.deadline);
  }

  sendTo(node: BackendNode): void {
    this.state.resend(this, node);
  }

  onReply(): void {}

  onFailure(message: string): void {
    this.state.retryFailed(this, message);
  }

  get abandoned(): boolean {
    return this.state.gone;
  }
}

export abstract class PubSubState implements SessionMode, LinkHandler {
  protected readonly channels = new Map<string, Buffer>();
  protected readonly patterns = new Map<string, Buffer>();
  protected readonly shard = new Map<string, ShardChannel>();
  /** the client's patterns */
  protected patternsLink: PubSubLink | null = null;
  private readonly shardLinks = new Map<string, PubSubLink>();
  /** the client's classic channels, by the master of their slot */
  private readonly channelLinks = new Map<string, PubSubLink>();
  /** every link opened and maybe not closed yet */
  private readonly links = new Set<PubSubLink>();
  /** the client left, reset or lost a link: this state is over */
  gone = false;

  constructor(protected readonly session: FamilySession) {}

  protected get classicCount(): number {
    return this.channels.size + this.patterns.size;
  }

  protected get total(): number {
    return this.classicCount + this.shard.size;
  }

  abstract command(cmd: ParsedCommand): boolean;
  abstract rejected(message: string): void;
  abstract close(): void;

  // ---- what the links report ----

  message(link: PubSubLink, frame: Buffer): void {
    if (this.gone || this.session.closed) return;
    const resp3 = this.session.resp3;
    const out = link.resp3 === resp3 ? frame : inProtocol(frame, resp3);
    // Before the confirmation the node sent after it, as the node ordered them.
    const op = link.ops[0];
    if (op) op.owner.message(out);
    else this.session.push(out);
  }

  shardDropped(link: PubSubLink, name: Buffer): void {
    const k = keyOf(name);
    const entry = this.shard.get(k);
    if (this.gone || !entry || entry.link !== link) return;
    this.shard.delete(k);
    link.channels.delete(k);
    // Counted now and sent after every reply already due: the count is right at that point.
    this.session.push(confirmation('sunsubscribe', entry.name, this.shard.size, this.session.resp3));
    this.closeIfIdle(link);
    if (this.total === 0) this.leave();
  }

  settled(op: LinkOp): void {
    if (op.error && SUBSCRIBING.has(op.kind) && !this.gone) {
      if (op.kind === 'ssubscribe' && op.redirect !== 0 && this.redirect(op)) {
        op.owner.release();
        return;
      }
      this.revert(op);
      op.owner.fail(op.error);
    }
    op.owner.release();
    this.closeIfIdle(op.link);
  }

  lost(link: PubSubLink, reason: string): void {
    this.links.delete(link);
    if (this.gone || this.session.mode !== this) return; // only unsubscribes were still under way
    log.warn({ client: this.session.id, node: link.node.address, reason }, 'pub/sub connection lost: closing the client so that it reconnects and subscribes again');
    this.end();
    this.session.enqueue(new ImmediateReply(null, true));
  }

  // ---- SSUBSCRIBE redirected (the proxy's slot map was stale) ----

  private redirect(op: LinkOp): boolean {
    const retry = (op.retry as ShardRetry | null) ?? new ShardRetry(this, op, this.session.id);
    retry.op = op;
    op.owner.hold();
    if (this.session.ctx.router.redirect(retry, op.error!, op.redirect, op.link.node)) return true;
    op.owner.release();
    return false;
  }

  resend(retry: ShardRetry, node: BackendNode): void {
    const prev = retry.op;
    const moving = prev.channels.filter((c) => this.shard.get(keyOf(c))?.link === prev.link);
    const link = this.gone || moving.length === 0 ? null : this.shardLink(node);
    if (typeof link === 'string') return this.retryFailed(retry, link);
    if (link) {
      for (const c of moving) {
        const k = keyOf(c);
        prev.link.channels.delete(k);
        link.channels.add(k);
        this.shard.get(k)!.link = link;
      }
      const frame = command(['ssubscribe', ...moving]);
      const next = new LinkOp(link, prev.owner, retry.asking ? Buffer.concat([ASKING, frame]) : frame, 'ssubscribe', moving);
      retry.asking = false;
      next.slot = prev.slot;
      next.deadline = prev.deadline;
      next.retry = retry;
      retry.op = next;
      prev.owner.add(next);
      link.start(next);
    }
    prev.owner.release();
    this.closeIfIdle(prev.link);
  }

  retryFailed(retry: ShardRetry, message: string): void {
    const op = retry.op;
    if (!this.gone) {
      this.revert(op);
      op.owner.fail(error(message));
    }
    op.owner.release();
    this.closeIfIdle(op.link);
  }

  // ---- for the commands ----

  /** The node refused a subscription: the client does not have it (later counts may be off by it). */
  private revert(op: LinkOp): void {
    if (op.kind === 'ssubscribe') {
      for (const c of op.channels) {
        const k = keyOf(c);
        if (this.shard.get(k)?.link === op.link && this.shard.delete(k)) op.link.channels.delete(k);
      }
    } else if (op.kind === 'subscribe') {
      for (const c of op.channels) if (op.link.channels.delete(keyOf(c))) this.channels.delete(keyOf(c));
    } else if (op.link === this.patternsLink) {
      for (const c of op.channels) this.patterns.delete(keyOf(c));
    }
    if (this.total === 0) this.leave();
  }

  protected request(replies: Buffer[]): PubSubRequest {
    return new PubSubRequest(this.session, replies.length === 1 ? replies[0] : Buffer.concat(replies), () => this.end());
  }

  protected finish(req: PubSubRequest): void {
    this.session.enqueue(req);
    if (this.total === 0) this.leave();
  }

  protected open(node: BackendNode | null): PubSubLink | string {
    if (!node) return SLOT_NOT_SERVED;
    const conn = node.acquireDedicated(this.session.resp3);
    if (!conn) {
      const limit = this.session.ctx.config.blockingConnections;
      return `ERR slotproxy: ${limit} dedicated connections (blocking commands and subscribed clients) are already open to ${node.address}; raise SLOTPROXY_BLOCKING_CONNECTIONS or use fewer subscribed clients`;
    }
    for (const l of this.links) if (l.closed) this.links.delete(l);
    const link = new PubSubLink(node, conn, this);
    this.links.add(link);
    return link;
  }

  protected shardLink(node: BackendNode | null): PubSubLink | string {
    return this.linkOn(node, this.shardLinks);
  }

  /** The link for classic channels of `slot`: on its master. */
  protected channelLink(slot: number): PubSubLink | string {
    return this.linkOn(this.session.ctx.router.nodeForSlot(slot, this.session.id), this.channelLinks);
  }

  /** The link holding the classic channel `k`, if any. */
  protected channelLinkOf(k: string): PubSubLink | null {
    for (const link of this.channelLinks.values()) if (link.channels.has(k)) return link;
    return null;
  }

  protected patternLink(): PubSubLink | string {
    if (this.patternsLink) return this.patternsLink;
    const link = this.open(this.session.ctx.router.nodeForSlot(-1, this.session.id));
    if (typeof link !== 'string') this.patternsLink = link;
    return link;
  }

  private linkOn(node: BackendNode | null, links: Map<string, PubSubLink>): PubSubLink | string {
    const have = node && links.get(node.address);
    if (have) return have;
    const link = this.open(node);
    if (typeof link !== 'string') links.set(link.node.address, link);
    return link;
  }

  protected detach(link: PubSubLink): void {
    if (this.shardLinks.get(link.node.address) === link) this.shardLinks.delete(link.node.address);
    if (this.channelLinks.get(link.node.address) === link) this.channelLinks.delete(link.node.address);
    if (this.patternsLink === link) this.patternsLink = null;
  }

  /** Closes a link the client has nothing left on once nothing is outstanding there. */
  protected closeIfIdle(link: PubSubLink): void {
    if (link.closed || link.ops.length > 0) return;
    if (link === this.patternsLink) {
      if (this.patterns.size > 0) return;
      this.detach(link);
    } else if (this.shardLinks.get(link.node.address) === link || this.channelLinks.get(link.node.address) === link) {
      if (link.channels.size > 0) return;
      this.detach(link);
    } else {
      return; // detached already: a queued close operation closes it
    }
    link.close();
  }

  protected enter(): void {
    if (this.gone || this.session.mode === this) return;
    this.session.mode = this;
    this.session.outputLimits = PUBSUB_OUTPUT_LIMITS;
  }

  /** Out of subscribed mode (the total count is 0); links still closing finish on their own. */
  protected leave(): void {
    if (this.session.mode !== this) return;
    this.session.mode = null;
    this.session.outputLimits = null;
  }

  /** Drops everything at once: the client left, sent RESET, or lost a link. */
  protected end(): void {
    if (this.gone) return;
    this.gone = true;
    this.patternsLink = null;
    this.shardLinks.clear();
    this.channelLinks.clear();
    this.channels.clear();
    this.patterns.clear();
    this.shard.clear();
    const links = [...this.links];
    this.links.clear();
    for (const link of links) link.close();
    this.leave();
  }
}

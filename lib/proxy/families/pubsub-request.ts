// One (P|S)(UN)SUBSCRIBE of a client: its reply (the confirmations the mode computed, with the
// client's own counts) is released once every node involved has done its part, so a client that
// saw "subscribe" can rely on the subscription being in place, as with one Redis.
import { ReplySlot } from '../client-request';
import type { FamilySession } from '../family';
import type { LinkOp, OpOwner } from './pubsub-link';

export class PubSubRequest extends ReplySlot implements OpOwner {
  readonly holds = false;
  private readonly ops: LinkOp[] = [];
  private pending = 0;
  private started = false;
  /** messages the nodes sent before this request's confirmations */
  private readonly before: Buffer[] = [];
  private failure: Buffer | null = null;

  constructor(
    private readonly session: FamilySession,
    private readonly confirmations: Buffer,
    /** the client left while this was outstanding */
    private readonly onAbandon: () => void,
  ) {
    super();
  }

  /** An operation on a link that must settle before the reply; registered in client order. */
  add(op: LinkOp): void {
    this.ops.push(op);
    this.pending++;
    op.link.add(op);
  }

  /** Something else to wait for (a redirected SSUBSCRIBE being resent). */
  hold(): void {
    this.pending++;
  }

  release(): void {
    if (--this.pending === 0 && this.started) this.finish();
  }

  /** The reply is this error instead of the confirmations (the node refused the subscription). */
  fail(error: Buffer): void {
    this.failure ??= error;
  }

  message(frame: Buffer): void {
    this.before.push(frame);
  }

  start(): void {
    this.started = true;
    for (const op of this.ops) op.link.start(op);
    if (this.pending === 0) this.finish();
  }

  abandon(): void {
    this.onAbandon();
  }

  private finish(): void {
    if (this.done) return;
    const last = this.failure ?? this.confirmations;
    this.reply = this.before.length ? Buffer.concat([...this.before, last]) : last;
    this.done = true;
    this.session.requestDone(this);
  }
}

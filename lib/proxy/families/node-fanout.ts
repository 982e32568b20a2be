// A client request answered by asking several nodes (every master, every node, one chosen node,
// or the master of a slot) and merging what they say: the one fan-out of the families (fanout.ts,
// pubsub-introspect.ts, cluster.ts ...). The parts use the nodes' shared connections, so they
// are pipelined with everything else going there.
import { BackendCommand, type BackendAddress } from '../../backend/backend-command';
import type { BackendNode } from '../../backend/backend-node';
import { error } from '../../protocol/resp';
import { ReplySlot } from '../client-request';
import type { FamilySession } from '../family';
import { arrayElements, isArray } from './reply-parts';

export class NodePart extends BackendCommand {
  reply: Buffer | null = null;
  /** top-level elements of an array reply, when the merge asked for them */
  elements: Buffer[] | null = null;

  constructor(
    private readonly parent: NodeFanout,
    frame: Buffer,
    /** the node asked; '' for a part routed by its slot */
    readonly address: string,
    slot: number,
    /** a node whose failure leaves it out of the answer instead of failing it (a replica) */
    readonly optional: boolean,
    /** its place in parent.parts, the order the parts were asked in */
    readonly index: number,
    /** on the node's control connection, never behind a client's command (SCRIPT KILL) */
    readonly control = false,
  ) {
    super(frame, slot, parent.session.id, parent.deadline);
    // the control connection speaks RESP2 (its replies are merged, never forwarded as they are)
    this.resp3 = control ? false : parent.session.resp3;
    if (!control) this.tracking = parent.session.trackingRoute ?? null;
  }

  sendTo(node: BackendNode): void {
    // The question is about one node: if the router moves an unwritten part (its connection was
    // lost), it still goes to the node it was meant for (routed by slot: to the slot's owner).
    const target = this.address ? this.parent.session.ctx.router.node(this.address) : node;
    if (this.control) target.control().send(this);
    else this.sendShared(target);
  }

  onReply(frame: Buffer, _type: number, _redirect: number, elems: number, elemBase: number, _from: BackendAddress): void {
    // Keyless commands sent to a chosen node are not redirected: a redirect is an answer too.
    this.reply = frame;
    if (this.parent.wantElements && isArray(frame)) {
      this.elements = arrayElements(frame, this.parent.session.ctx.scanners.replyElems, elems, elemBase);
    }
    this.parent.partDone();
  }

  onFailure(message: string): void {
    this.reply = error(message);
    this.parent.partDone();
  }

  get abandoned(): boolean {
    return this.parent.session.closed;
  }
}

/** The client's reply, from every part's (a part's `reply` is set; an error is a reply too). */
export type Merge = (parts: NodePart[]) => Buffer | Promise<Buffer>;

export class NodeFanout extends ReplySlot {
  readonly holds = false;
  readonly parts: NodePart[] = [];
  private pending = 0;

  constructor(
    readonly session: FamilySession,
    readonly deadline: number,
    private readonly merge: Merge,
    /** the merge reads `elements` of array replies */
    readonly wantElements = false,
  ) {
    super();
  }

  /** Adds one part: `frame` sent to the node at `address` (`optional`, `control`: see NodePart). */
  ask(address: string, frame: Buffer, optional = false, control = false): this {
    this.parts.push(new NodePart(this, frame, address, -1, optional, this.parts.length, control));
    return this;
  }

  /** Adds one part: `frame` sent to the master of `slot`, wherever the slot map says it is. */
  askSlot(slot: number, frame: Buffer): this {
    this.parts.push(new NodePart(this, frame, '', slot, false, this.parts.length));
    return this;
  }

  start(): void {
    const router = this.session.ctx.router;
    this.pending = this.parts.length;
    if (this.pending === 0) {
      this.partDone();
      return;
    }
    for (const p of this.parts) {
      if (p.address) p.sendTo(router.node(p.address));
      else router.route(p);
    }
  }

  abandon(): void {}

  partDone(): void {
    if (--this.pending > 0 || this.done) return;
    Promise.resolve()
      .then(() => this.merge(this.parts))
      .catch((err: Error) => error(`ERR slotproxy: ${err.message}`))
      .then((reply) => {
        this.reply = reply;
        this.done = true;
        this.session.requestDone(this);
      });
  }
}

/**
 * A fan-out that starts once the client's earlier replies are out, as Redis answers a command
 * after running what came before it: INFO, SLOWLOG and the statistics then include the commands
 * pipelined ahead of them.
 */
export class AfterEarlier extends NodeFanout {
  readonly barrier = true;
}

// A client request answered by asking several nodes (every master, or one chosen node) and
// merging what they say. The parts use the nodes' shared connections, so they are pipelined
// with everything else going there.
import { BackendCommand, type BackendAddress } from '../../backend/backend-command';
import type { BackendNode } from '../../backend/backend-node';
import { error } from '../../protocol/resp';
import type { ClientRequest } from '../client-request';
import type { FamilySession } from '../family';
import { arrayElements, isArray } from './reply-parts';
import type { Slab } from '../../io/socket-reads';

export class NodePart extends BackendCommand {
  reply: Buffer | null = null;
  /** top-level elements of an array reply, when the merge asked for them */
  elements: Buffer[] | null = null;

  constructor(
    private readonly parent: NodeFanout,
    frame: Buffer,
    readonly address: string,
  ) {
    super(frame, -1, parent.session.id, parent.deadline);
  }

  sendTo(node: BackendNode): void {
    node.connectionFor(this.pin).send(this);
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

export type Merge = (parts: NodePart[]) => Buffer | Promise<Buffer>;

export class NodeFanout implements ClientRequest {
  next: ClientRequest | null = null;
  endsBatch = true;
  slab: Slab | null = null;
  replySlab: Slab | null = null;
  done = false;
  reply: Buffer | null = null;
  readonly holds = false;
  readonly parts: NodePart[] = [];
  readonly deadline: number;
  private pending = 0;

  constructor(
    readonly session: FamilySession,
    deadline: number,
    private readonly merge: Merge,
    readonly wantElements = false,
  ) {
    this.deadline = deadline;
  }

  /** Adds one part: `frame` sent to the node at `address`. */
  ask(address: string, frame: Buffer): this {
    this.parts.push(new NodePart(this, frame, address));
    return this;
  }

  start(): void {
    const router = this.session.ctx.router;
    this.pending = this.parts.length;
    if (this.pending === 0) {
      this.partDone();
      return;
    }
    for (const p of this.parts) p.sendTo(router.node(p.address));
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

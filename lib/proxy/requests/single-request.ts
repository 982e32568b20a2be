// The common case: a command whose keys live in one slot (or that has none), sent on the node's
// shared connection; its reply goes back to the client as received.
import { BackendCommand, type BackendAddress } from '../../backend/backend-command';
import type { BackendNode } from '../../backend/backend-node';
import { error } from '../../protocol/resp';
import type { ClientRequest } from '../client-request';
import type { ProxyContext } from '../context';

export interface RequestOwner {
  readonly ctx: ProxyContext;
  readonly closed: boolean;
  requestDone(req: ClientRequest): void;
}

export class SingleRequest extends BackendCommand implements ClientRequest {
  next: ClientRequest | null = null;
  done = false;
  reply: Buffer | null = null;
  readonly holds = false;

  constructor(
    private readonly owner: RequestOwner,
    frame: Buffer,
    slot: number,
    pin: number,
    deadline: number,
  ) {
    super(frame, slot, pin, deadline);
  }

  start(): void {
    this.owner.ctx.router.route(this);
  }

  sendTo(node: BackendNode): void {
    node.connectionFor(this.pin).send(this);
  }

  onReply(frame: Buffer, _type: number, redirect: number, _elems: number, _elemBase: number, from: BackendAddress): void {
    if (redirect !== 0 && this.owner.ctx.router.redirect(this, frame, redirect, from)) return;
    this.finish(frame);
  }

  onFailure(message: string): void {
    this.finish(error(message));
  }

  get abandoned(): boolean {
    return this.owner.closed;
  }

  abandon(): void {}

  private finish(reply: Buffer): void {
    if (this.done) return;
    this.reply = reply;
    this.done = true;
    this.owner.requestDone(this);
  }
}

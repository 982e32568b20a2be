// A client request that is itself one backend command: the reply slot of the client's ordered
// list and the command a node runs, in one object (no per-request glue on the hot path).
import { BackendCommand } from '../../backend/backend-command';
import type { ClientRequest } from '../client-request';
import type { ProxyContext } from '../context';
import type { Slab } from '../../io/socket-reads';

export interface RequestOwner {
  readonly ctx: ProxyContext;
  readonly closed: boolean;
  /** masters this client sent write commands to (for WAIT) */
  readonly written: Set<string>;
  requestDone(req: ClientRequest): void;
}

export abstract class RoutedRequest extends BackendCommand implements ClientRequest {
  next: ClientRequest | null = null;
  endsBatch = true;
  slab: Slab | null = null;
  replySlab: Slab | null = null;
  done = false;
  reply: Buffer | null = null;
  /** -1: the reply is all of `reply` */
  replyStart = 0;
  replyEnd = -1;
  abstract readonly holds: boolean;

  constructor(
    readonly owner: RequestOwner,
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

  get abandoned(): boolean {
    return this.owner.closed;
  }

  abstract abandon(): void;

  protected finish(reply: Buffer): void {
    if (this.done) return;
    this.reply = reply;
    this.done = true;
    this.owner.requestDone(this);
  }
}

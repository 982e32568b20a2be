// A client request that is itself one backend command: the reply slot of the client's ordered
// list and the command a node runs, in one object (no per-request glue on the hot path).
import { Access, type ReadFence } from '../../commands/access';
import { BackendCommand, type TrackingRoute } from '../../backend/backend-command';
import type { WrittenNodes } from '../../backend/written-nodes';
import { withReplySlot, type ClientRequest } from '../client-request';
import type { ProxyContext } from '../context';

export interface RequestOwner {
  readonly ctx: ProxyContext;
  readonly closed: boolean;
  /** speaks RESP3 (HELLO 3): its commands go to RESP3 connections */
  resp3: boolean;
  /** while the client tracks keys (CLIENT TRACKING on): how its commands reach the nodes */
  readonly trackingRoute?: TrackingRoute | null;
  /** masters this client sent write commands to (for WAIT) */
  readonly written: WrittenNodes;
  /** what the read routing needs of the client; null while it reads from masters only */
  readonly reads: ReadFence | null;
  requestDone(req: ClientRequest): void;
}

/** A backend command with the reply-slot fields: the base of the requests that are one command. */
export const CommandReplySlot = withReplySlot(BackendCommand);

export abstract class RoutedRequest extends CommandReplySlot {
  /** -1: the reply is all of `reply` */
  replyStart = 0;
  replyEnd = -1;
  constructor(
    readonly owner: RequestOwner,
    frame: Buffer,
    slot: number,
    pin: number,
    deadline: number,
  ) {
    super(frame, slot, pin, deadline);
    // the protocol when the command was read: a later HELLO does not change its reply
    this.resp3 = owner.resp3;
    this.tracking = owner.trackingRoute ?? null;
  }

  start(): void {
    this.owner.ctx.router.route(this);
  }

  get abandoned(): boolean {
    return this.owner.closed;
  }

  protected finish(reply: Buffer): void {
    if (this.done) return;
    this.reply = reply;
    this.done = true;
    this.owner.requestDone(this);
  }
}

/** Errors of a replica that mean "not now" rather than an answer: LOADING, MASTERDOWN. */
const NOT_NOW = [Buffer.from('-LOADING'), Buffer.from('-MASTERDOWN')];

/**
 * A read a replica refused with LOADING (a full sync) or MASTERDOWN (replica-serve-stale-data
 * no): sent to the master instead. Returns true when the master takes it over.
 */
export function replicaRefused(cmd: BackendCommand, frame: Buffer, router: { retryOnMaster(cmd: BackendCommand): boolean }): boolean {
  if (cmd.access !== Access.ReadOnReplica) return false;
  if (!NOT_NOW.some((p) => frame.length >= p.length && frame.compare(p, 0, p.length, 0, p.length) === 0)) return false;
  return router.retryOnMaster(cmd);
}

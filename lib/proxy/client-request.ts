// What a client session keeps per command: the reply slot in the client's in-order list.
// Request classes (requests/) implement it, one per command family.
import type { Slab } from '../io/slabs';

export interface ClientRequest {
  /** next request of the same client, in the order it was sent */
  next: ClientRequest | null;
  done: boolean;
  /**
   * false when more commands read in the same batch follow it, all sent on multiplexed
   * connections: the replies up to it may then wait for theirs, to go out in one write
   */
  endsBatch: boolean;
  /** the reply bytes, once done: all of `reply`, or reply[replyStart, replyEnd) when replyEnd is set */
  reply: Buffer | null;
  /** set by requests that keep their reply as a range of a backend read (no view per reply) */
  replyStart?: number;
  replyEnd?: number;
  /** more of the reply, after `reply`: written by the client's gather, never merged into one Buffer */
  replyTail?: ReplyTail | null;
  /** the client read slab its command is a range of, held until it is answered (fast path) */
  slab: Slab | null;
  /** the node read slab its reply is a range of, held until the reply is copied to the client */
  replySlab: Slab | null;
  /** later requests of the client wait until this one is answered (blocking commands) */
  readonly holds: boolean;
  /**
   * starts only after every earlier request of the client was answered: it goes to another
   * connection (dedicated) than they did, where it could otherwise overtake them
   */
  readonly barrier?: boolean;
  /**
   * a push frame (RESP3 out-of-band data: a pub/sub message, an invalidation), not a request: it
   * answers no command and is never counted as one (ReplyQueue.push)
   */
  readonly push?: boolean;
  /** starts the work; called in client order once no earlier request holds the client */
  start(): void;
  /** the client went away while this was outstanding */
  abandon(): void;
}

/**
 * The rest of a reply made of ranges of other buffers (a split MGET's values, in node reads):
 * range i is bufs[i][ranges[2i], ranges[2i + 1]).
 */
export interface ReplyTail {
  bufs: Buffer[];
  ranges: number[];
  bytes: number;
}

/** Any class, abstract ones included (TypeScript wants a mixin's base to take `...any[]`). */
type AnyClass = abstract new (...args: any[]) => object;

/**
 * `Base` with the reply-slot fields of ClientRequest, declared once for every request class:
 * ReplySlot for the requests that are not themselves a backend command, CommandReplySlot
 * (requests/routed-request.ts) for those that are (RoutedRequest, the transaction's steps): no
 * single base class could give both. Adds fields and nothing else: no constructor arguments,
 * no methods.
 */
export function withReplySlot<B extends AnyClass>(Base: B) {
  abstract class WithReplySlot extends Base implements ClientRequest {
    next: ClientRequest | null = null;
    endsBatch = true;
    slab: Slab | null = null;
    replySlab: Slab | null = null;
    done = false;
    reply: Buffer | null = null;
    abstract readonly holds: boolean;
    abstract start(): void;
    abstract abandon(): void;
  }
  return WithReplySlot;
}

/** The base of request classes that are not one backend command (fan-outs, splits, local replies). */
export abstract class ReplySlot extends withReplySlot(Object) {}

/** A reply known when the command is read: local commands and errors. */
export class ImmediateReply extends ReplySlot {
  override done = true;
  readonly holds = false;
  constructor(
    public override reply: Buffer | null,
    /** close the connection once this reply is written (QUIT, protocol errors) */
    readonly closeAfter = false,
  ) {
    super();
  }
  start(): void {}
  abandon(): void {}
}

/** A push frame in the client's ordered output (ReplyQueue.push): no command's reply. */
export class PushReply extends ReplySlot {
  override done = true;
  readonly holds = false;
  readonly push = true;
  constructor(public override reply: Buffer) {
    super();
  }
  start(): void {}
  abandon(): void {}
}

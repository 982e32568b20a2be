// One client's outstanding requests, in the order it sent them, and the rules that decide when
// each starts and when its reply is written. It knows requests (ClientRequest) and three small
// interfaces, not sockets nor the proxy: the session gives it a writer, a hook per collected
// reply and the backpressure limit.
//
// Invariants:
// - Per-client order. Requests form one list, head to tail, in the order they were enqueued; a
//   reply is collected (taken off the head) only once every earlier one was, whichever finished
//   first, and replies are written in that order.
// - Holds. A request that `holds` (blocking commands) keeps every later request from starting
//   until it is answered; they wait in `held` and start in order afterwards. `holding` is that
//   request (the client is "blocked").
// - Barriers. A `barrier` request (it runs on another connection than the client's earlier
//   requests, which it could overtake) starts only once every earlier request was answered: it
//   holds the later ones meanwhile (barrierWaiting), and once started it keeps holding them only
//   if it `holds` too.
// - Batches. Collected replies wait in the out list (outFirst..outLast, linked by `next`) for
//   flush(), which writes them in one write per batch: a run of requests ending with one whose
//   `endsBatch` is set (the session marks a read's commands as one batch). A reply waits for the
//   rest of its batch unless HOLD_BYTES of replies are waiting, the batch is already over (a
//   boundary was collected), nothing is outstanding, or the client is closing.
// - Close-after. A request that closes the client after its reply (QUIT, a protocol error) is
//   the last one: nothing enqueued after it runs or is written, and once it is collected the
//   queue is finished (the session ends the connection after the last write).
// - Abandon. When the client goes, every request not answered is abandoned, the lists dropped.
// - Backpressure. Every enqueued request counts as pending until collected; the Backpressure
//   gets the count after each change (it pauses reading at a high mark, resumes at a low one).
// - Pushes. A push frame (RESP3 out-of-band data: pub/sub messages, later tracking invalidations)
//   answers no command: it takes no request's place, is not pending, not a command to the
//   statistics. It goes after every request already started (so after the replies of reads
//   that were sent before it arrived), before the requests held behind a blocking command or a
//   barrier (they were not sent: they see what the push announces), never behind a blocked
//   command (a client blocked in BLPOP still gets its pushes), and between replies, never inside
//   one. See push().
import { TYPE_BLOB_ERROR, TYPE_ERROR } from '../protocol/records';
import { ImmediateReply, PushReply, type ClientRequest } from './client-request';

/** Replies held for the rest of their batch are written once this many bytes wait. */
export const HOLD_BYTES = 64 * 1024;

/** The write step: where replies leave the queue for the client. */
export interface ReplyWriter {
  /** One write of the replies from `first` to `last` (following `next`), `bytes` in all. */
  writeReplies(first: ClientRequest, last: ClientRequest, bytes: number): void;
}

export interface ReplyQueueOwner {
  /**
   * A request leaves the queue answered, in client order (`failed`: its reply is an error):
   * statistics, slow log, the read slab its command was a range of.
   */
  replyCollected(req: ClientRequest, failed: boolean): void;
  /** Replies were collected: flush() should run soon. */
  repliesCollected(): void;
}

export interface Backpressure {
  /** A request was enqueued: `pending` requests are now unanswered. */
  requestAdded(pending: number): void;
  /** Requests were answered: `pending` are left (not called once the client is closing). */
  requestsAnswered(pending: number): void;
}

export class ReplyQueue {
  private head: ClientRequest | null = null;
  private tail: ClientRequest | null = null;
  /** requests enqueued and not yet collected */
  private outstanding = 0;
  private closeAfter = false;
  /** collected replies not written yet: outFirst..outLast (their `next` links stay as they were) */
  private outFirst: ClientRequest | null = null;
  private outLast: ClientRequest | null = null;
  private outBytes = 0;
  /** the last request collected since the last write (the list may have emptied after it) */
  private lastCollected: ClientRequest | null = null;
  /** the last reply of the out list that ends a batch, and outBytes up to it */
  private outBoundary: ClientRequest | null = null;
  private boundaryBytes = 0;
  /** the request later ones wait for (see Holds, Barriers), and those waiting */
  private holding: ClientRequest | null = null;
  private held: ClientRequest[] = [];
  /** `holding` is a barrier waiting for the client's earlier replies */
  private barrierWaiting = false;

  constructor(
    private readonly owner: ReplyQueueOwner,
    private readonly writer: ReplyWriter,
    private readonly backpressure: Backpressure,
  ) {}

  /** requests enqueued and not answered yet */
  get pending(): number {
    return this.outstanding;
  }

  /** a request holds the later ones (a blocking command, or a barrier waiting) */
  get blocked(): boolean {
    return this.holding !== null;
  }

  /** a close-after request was enqueued: read nothing more from the client */
  get closing(): boolean {
    return this.closeAfter;
  }

  /** the close-after request was collected: end the connection once the replies are written */
  get finished(): boolean {
    return this.closeAfter && this.head === null;
  }

  /** the last request enqueued (for joinBatch()) */
  get last(): ClientRequest | null {
    return this.tail;
  }

  /** The replies enqueued so far form a batch: they do not wait for what comes next. */
  endBatch(): void {
    if (this.tail !== null) this.tail.endsBatch = true;
  }

  /**
   * What was enqueued after `before` (the requests of one command) joins the batch of what
   * follows it, like a fast-path command (its requests end a batch by default).
   */
  joinBatch(before: ClientRequest | null): void {
    const tail = this.tail;
    if (tail !== before && tail !== null) tail.endsBatch = false;
  }

  enqueue(req: ClientRequest): void {
    if (this.closeAfter) {
      // After QUIT or a protocol error nothing more of this client is run or written (Redis
      // writes nothing more to a client closing after its reply): see Close-after.
      if (!req.done) req.abandon();
      return;
    }
    if (closesAfter(req)) this.closeAfter = true;
    if (this.tail) this.tail.next = req;
    else {
      this.head = req;
      // keeps the out list linked through to this one
      if (this.lastCollected !== null) this.lastCollected.next = req;
    }
    this.tail = req;
    this.backpressure.requestAdded(++this.outstanding);
    if (this.holding) {
      this.held.push(req);
      return;
    }
    this.begin(req);
  }

  /**
   * Puts a push frame into the client's ordered output (see Pushes): before the request that
   * holds the others (`holding`) if there is one, else after the last request enqueued. Dropped
   * once the client is closing.
   */
  push(frame: Buffer): void {
    if (this.closeAfter) return;
    const p = new PushReply(frame);
    const before = this.holding;
    if (before === null || before === this.head) {
      if (before === null && this.tail !== null) {
        // after the last request: collected when the head reaches it
        this.tail.next = p;
        this.tail = p;
        return;
      }
      // the new head: everything before it was collected already
      p.next = this.head;
      this.head = p;
      if (this.tail === null) this.tail = p;
      if (this.lastCollected !== null) this.lastCollected.next = p;
      this.collect();
      return;
    }
    // A barrier waits for the requests before it (in flight): after them. (A started blocking
    // command is always the head: it began once everything before it was answered.)
    let prev = this.head!;
    while (prev.next !== before) prev = prev.next!;
    prev.next = p;
    p.next = before;
  }

  /** `req` (in this queue) is answered. */
  requestDone(req: ClientRequest): void {
    if (req === this.holding) this.releaseHeld();
    if (req === this.head) this.collect();
  }

  /** Writes what may go now (see Batches): whole batches, or all once nothing is held back. */
  flush(): void {
    const last = this.outLast;
    if (last === null) {
      this.lastCollected = null;
      return;
    }
    if (last.endsBatch || this.head === null || this.outBytes >= HOLD_BYTES || this.closeAfter || last === this.outBoundary) {
      this.writer.writeReplies(this.outFirst!, last, this.outBytes);
      this.outFirst = this.outLast = this.outBoundary = this.lastCollected = null;
      this.outBytes = 0;
    } else if (this.outBoundary !== null) {
      const boundary = this.outBoundary;
      this.writer.writeReplies(this.outFirst!, boundary, this.boundaryBytes);
      this.outFirst = boundary.next;
      this.outBytes -= this.boundaryBytes;
      this.outBoundary = null;
    }
  }

  /** The client is gone: abandons what is not answered and drops everything. */
  abandon(): void {
    for (let req = this.head; req; req = req.next) if (!req.done) req.abandon();
    this.head = this.tail = this.holding = null;
    this.outFirst = this.outLast = this.lastCollected = null;
    this.held = [];
  }

  /** Starts `req`, or keeps it (and what follows) waiting: see Holds and Barriers. */
  private begin(req: ClientRequest): void {
    if (!req.done) {
      if (req.barrier && req !== this.head) {
        this.holding = req;
        this.barrierWaiting = true;
        return;
      }
      req.start();
      if (req.holds && !req.done) this.holding = req;
    }
    if (req.done && req === this.head) this.collect();
  }

  /** Every request before the waiting barrier `req` was answered: it starts now. */
  private startBarrier(req: ClientRequest): void {
    this.barrierWaiting = false;
    req.start();
    if (this.holding === req && (req.done || !req.holds)) this.releaseHeld();
  }

  /** Starts the requests held behind one that is answered (or started, for a mere barrier). */
  private releaseHeld(): void {
    this.holding = null;
    const held = this.held;
    let i = 0;
    while (i < held.length && !this.holding) this.begin(held[i++]);
    this.held = held.slice(i);
  }

  /** Takes the answered requests off the head onto the out list. */
  private collect(): void {
    let req = this.head;
    while (req && req.done) {
      const reply = req.reply;
      let failed = false;
      if (reply !== null) {
        const end = req.replyEnd ?? -1;
        const start = end < 0 ? 0 : req.replyStart!;
        this.outBytes += (end < 0 ? reply.length : end) - start;
        const tail = req.replyTail;
        if (tail != null) this.outBytes += tail.bytes;
        const type = reply[start];
        failed = type === TYPE_ERROR || type === TYPE_BLOB_ERROR;
        if (this.outFirst === null) this.outFirst = req;
        this.outLast = req;
      }
      if (req.endsBatch && this.outLast !== null) {
        this.outBoundary = this.outLast;
        this.boundaryBytes = this.outBytes;
      }
      if (req.push !== true) {
        this.outstanding--;
        this.owner.replyCollected(req, failed);
      }
      if (closesAfter(req)) {
        req = null;
        break;
      }
      this.lastCollected = req;
      req = req.next;
    }
    this.head = req;
    if (!req) this.tail = null;
    if (this.barrierWaiting && req !== null && req === this.holding) this.startBarrier(req);
    if (!this.closeAfter) this.backpressure.requestsAnswered(this.outstanding);
    this.owner.repliesCollected();
  }
}

/** QUIT, a protocol error: the connection closes once this reply is written. */
function closesAfter(req: ClientRequest): boolean {
  return req instanceof ImmediateReply && req.closeAfter;
}

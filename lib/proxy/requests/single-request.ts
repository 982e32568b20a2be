// The common case: a command whose keys live in one slot (or that has none), sent on the node's
// shared connection; its reply goes back to the client as received.
import { Access, type ReadFence } from '../../commands/access';
import type { BackendAddress } from '../../backend/backend-command';
import type { BackendNode } from '../../backend/backend-node';
import type { Slab } from '../../io/slabs';
import type { ParsedCommand } from '../family';
import { isErrorType } from '../../protocol/records';
import { error } from '../../protocol/resp';
import { repairNoScript } from './script-repair';
import { replicaRefused, RoutedRequest, type RequestOwner } from './routed-request';

export class SingleRequest extends RoutedRequest {
  readonly holds = false;
  private repaired = false;

  /**
   * The request for a command the slow path parsed, to `slot`, sent as its range of the read's
   * buffer (`cmd.source`) as the fast path's requests are, not as its view: a node's write of
   * many such commands then has one source per read, where a view per command was a new source
   * each time (lib/protocol/gather.ts: a search of the sources, a slab-id lookup, and a loose
   * source that sent the write through a copy).
   */
  static of(owner: RequestOwner & { readonly id: number }, cmd: ParsedCommand, slot: number): SingleRequest {
    const req = new SingleRequest(owner, cmd.source, slot, owner.id, cmd.deadline);
    req.frameStart = cmd.sourceStart;
    req.frameEnd = cmd.sourceStart + cmd.frame.length;
    req.access = cmd.row.access;
    return req;
  }

  sendTo(node: BackendNode): void {
    // a write: WAIT must cover the node it went to
    if (this.access === Access.Write) this.owner.written.note(node);
    this.sendShared(node);
  }

  override onReplyRange(buf: Buffer, start: number, end: number, type: number, redirect: number, elems: number, elemBase: number, from: BackendAddress, slab: Slab | null): void {
    // Redirects and errors are looked at (and rare): they get a view, which pins the slab.
    if (redirect !== 0 || isErrorType(type) || this.done) {
      super.onReplyRange(buf, start, end, type, redirect, elems, elemBase, from, slab);
      return;
    }
    this.reply = buf;
    this.replyStart = start;
    this.replyEnd = end;
    // held until the reply is copied into the client's write (writeReplies in lib/proxy/reply-writes.ts)
    if (slab !== null) {
      this.replySlab = slab;
      slab.refs++;
    }
    this.done = true;
    this.owner.requestDone(this);
  }

  onReply(frame: Buffer, type: number, redirect: number, _elems: number, _elemBase: number, from: BackendAddress): void {
    if (redirect !== 0 && this.owner.ctx.router.redirect(this, frame, redirect, from)) return;
    if (isErrorType(type) && replicaRefused(this, frame, this.owner.ctx.router)) return;
    if (isErrorType(type) && !this.repaired) {
      this.repaired = true;
      if (repairNoScript(this, frame, from.address)) return;
    }
    this.finish(frame);
  }

  onFailure(message: string): void {
    if (this.access === Access.ReadOnReplica && this.owner.ctx.router.retryOnMaster(this)) return;
    this.finish(error(message));
  }

  override readFence(): ReadFence | null {
    return this.owner.reads;
  }

  abandon(): void {}
}

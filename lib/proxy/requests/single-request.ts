// The common case: a command whose keys live in one slot (or that has none), sent on the node's
// shared connection; its reply goes back to the client as received.
import type { BackendAddress } from '../../backend/backend-command';
import type { BackendNode } from '../../backend/backend-node';
import type { Slab } from '../../io/socket-reads';
import { isErrorType } from '../../protocol/records';
import { error } from '../../protocol/resp';
import { repairNoScript } from './script-repair';
import { RoutedRequest } from './routed-request';

export class SingleRequest extends RoutedRequest {
  readonly holds = false;
  /** a write command: WAIT must cover the node it went to */
  writes = false;
  private repaired = false;

  sendTo(node: BackendNode): void {
    if (this.writes) node.noteWrite(this.owner.written);
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
    if (isErrorType(type) && !this.repaired) {
      this.repaired = true;
      if (repairNoScript(this, frame, from.address)) return;
    }
    this.finish(frame);
  }

  onFailure(message: string): void {
    this.finish(error(message));
  }

  abandon(): void {}
}

// The common case: a command whose keys live in one slot (or that has none), sent on the node's
// shared connection; its reply goes back to the client as received.
import type { BackendAddress } from '../../backend/backend-command';
import type { BackendNode } from '../../backend/backend-node';
import { error } from '../../protocol/resp';
import { RoutedRequest } from './routed-request';

export class SingleRequest extends RoutedRequest {
  readonly holds = false;

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

  abandon(): void {}
}

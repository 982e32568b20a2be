// Blocking commands (BLPOP, BZPOPMIN, XREAD BLOCK ...) run on a dedicated connection of the key's
// node: on a shared one they would stall every other client. The client's later commands wait
// behind it, as they do in Redis. If the client leaves while blocked, the connection is closed,
// which also ends the command on the server: nothing leaks.
import type { BackendAddress } from '../../backend/backend-command';
import type { BackendConnection } from '../../backend/backend-connection';
import type { BackendNode } from '../../backend/backend-node';
import { error } from '../../protocol/resp';
import { tooManyBlocked } from '../errors';
import { RoutedRequest, type RequestOwner } from './routed-request';

export class BlockingRequest extends RoutedRequest {
  readonly holds = true;
  readonly barrier = true;
  private conn: BackendConnection | null = null;
  private node: BackendNode | null = null;

  constructor(owner: RequestOwner, frame: Buffer, slot: number, pin: number) {
    super(owner, frame, slot, pin, Infinity);
  }

  sendTo(node: BackendNode): void {
    if (this.abandoned) {
      this.finish(error('ERR client gone'));
      return;
    }
    const conn = node.acquireDedicated(this.resp3);
    if (!conn) {
      this.finish(error(tooManyBlocked(node.address, this.owner.ctx.config.blockingConnections)));
      return;
    }
    this.conn = conn;
    this.node = node;
    conn.send(this);
  }

  onReply(frame: Buffer, _type: number, redirect: number, _elems: number, _elemBase: number, from: BackendAddress): void {
    this.release(true);
    if (redirect !== 0 && this.owner.ctx.router.redirect(this, frame, redirect, from)) return;
    this.finish(frame);
  }

  onFailure(message: string): void {
    this.release(false);
    this.finish(error(message));
  }

  abandon(): void {
    // The server still blocks this command on that connection: closing it is what frees it.
    this.release(false);
  }

  private release(reusable: boolean): void {
    if (this.conn && this.node) this.node.releaseDedicated(this.conn, reusable);
    this.conn = null;
    this.node = null;
  }
}

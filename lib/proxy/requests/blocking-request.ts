// Blocking commands (BLPOP, BZPOPMIN, XREAD BLOCK ...) run on a dedicated connection of the key's
// node: on a shared one they would stall every other client. The client's later commands wait
// behind it, as they do in Redis. If the client leaves while blocked, the connection is closed,
// which also ends the command on the server: nothing leaks.
import { BackendCommand, type BackendAddress } from '../../backend/backend-command';
import type { BackendConnection } from '../../backend/backend-connection';
import type { BackendNode } from '../../backend/backend-node';
import { error } from '../../protocol/resp';
import type { ClientRequest } from '../client-request';
import { tooManyBlocked } from '../errors';
import type { RequestOwner } from './single-request';

export class BlockingRequest extends BackendCommand implements ClientRequest {
  next: ClientRequest | null = null;
  done = false;
  reply: Buffer | null = null;
  readonly holds = true;
  private conn: BackendConnection | null = null;
  private node: BackendNode | null = null;

  constructor(
    private readonly owner: RequestOwner,
    frame: Buffer,
    slot: number,
    pin: number,
  ) {
    super(frame, slot, pin, Infinity);
  }

  start(): void {
    this.owner.ctx.router.route(this);
  }

  sendTo(node: BackendNode): void {
    const conn = node.acquireDedicated();
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

  get abandoned(): boolean {
    return this.owner.closed;
  }

  abandon(): void {
    // The server still blocks this command on that connection: closing it is what frees it.
    const conn = this.conn;
    this.release(false);
    conn?.close('the client of a blocking command disconnected');
  }

  private release(reusable: boolean): void {
    if (this.conn && this.node) this.node.releaseDedicated(this.conn, reusable);
    this.conn = null;
    this.node = null;
  }

  private finish(reply: Buffer): void {
    if (this.done) return;
    this.reply = reply;
    this.done = true;
    this.owner.requestDone(this);
  }
}

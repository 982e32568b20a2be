// One command to one node as a promise, for families whose merging is a small program rather
// than one round (WAIT, script repair). Shared connection unless `dedicated`.
import { BackendCommand, type BackendAddress } from '../../backend/backend-command';
import type { BackendConnection } from '../../backend/backend-connection';
import type { BackendNode } from '../../backend/backend-node';
import { error } from '../../protocol/resp';
import type { RequestOwner } from '../requests/routed-request';

class Call extends BackendCommand {
  private conn: BackendConnection | null = null;
  constructor(
    private readonly session: RequestOwner,
    pin: number,
    frame: Buffer,
    deadline: number,
    private readonly dedicated: boolean,
    resp3: boolean,
    private readonly settle: (reply: Buffer) => void,
  ) {
    super(frame, -1, pin, deadline);
    this.resp3 = resp3;
  }

  sendTo(node: BackendNode): void {
    if (!this.dedicated) {
      node.connectionFor(this.pin, this.resp3).send(this);
      return;
    }
    const conn = node.acquireDedicated(this.resp3);
    if (!conn) {
      this.settle(error(`ERR slotproxy: no dedicated connection free on ${node.address} (SLOTPROXY_BLOCKING_CONNECTIONS)`));
      return;
    }
    this.conn = conn;
    conn.send(this);
  }

  onReply(frame: Buffer, _t: number, _r: number, _e: number, _b: number, from: BackendAddress): void {
    this.release(from.address, true);
    this.settle(frame);
  }

  onFailure(message: string): void {
    this.settle(error(message));
  }

  get abandoned(): boolean {
    return this.session.closed;
  }

  private release(address: string, reusable: boolean): void {
    if (this.conn) this.session.ctx.router.node(address).releaseDedicated(this.conn, reusable);
    this.conn = null;
  }
}

/**
 * `pin` picks the shared connection (a client's id keeps the call in order with its commands), of
 * the client's protocol unless `resp3` says which: the reply is in that protocol.
 */
export function callNode(
  session: RequestOwner,
  pin: number,
  address: string,
  frame: Buffer,
  opts: { dedicated?: boolean; deadline?: number; resp3?: boolean } = {},
): Promise<Buffer> {
  return new Promise((resolve) => {
    const call = new Call(session, pin, frame, opts.deadline ?? Infinity, opts.dedicated ?? false, opts.resp3 ?? session.resp3, resolve);
    call.sendTo(session.ctx.router.node(address));
  });
}

// The dedicated connection a transaction is pinned to, with the two things the pool does not
// give: a fence against overtaking the client's earlier commands, and a watchdog for nodes that
// stop answering.
import { cachedNow, tick } from '../../clock';
import type { BackendAddress } from '../../backend/backend-command';
import { BackendCommand } from '../../backend/backend-command';
import { ConnState, type BackendConnection } from '../../backend/backend-connection';
import type { BackendNode } from '../../backend/backend-node';
import { command } from '../../protocol/resp';
import type { FamilySession } from '../family';

const PING = command(['PING']);

/**
 * A PING on the client's shared connection to the node: once it is answered, every command the
 * client sent that node before the transaction has run there. Without it, MULTI/EXEC or WATCH on
 * a fresh connection could run before an earlier SET still queued on the shared one.
 */
class Fence extends BackendCommand {
  constructor(
    private readonly owner: Pin,
    private readonly session: FamilySession,
  ) {
    // A finite deadline like any command's: the shared connection expires what waits too long
    // in order, and an endless one at its head would shield the commands behind it.
    const timeout = session.ctx.config.requestTimeoutMs;
    super(PING, -1, session.id, timeout > 0 ? cachedNow() + timeout : Infinity);
  }

  onReply(_frame: Buffer, _type: number, _redirect: number, _elems: number, _elemBase: number, _from: BackendAddress): void {
    this.owner.fenceDone(this);
  }

  // A failed shared connection failed what it carried too: nothing is left to wait for.
  onFailure(): void {
    this.owner.fenceDone(this);
  }

  sendTo(): void {
    this.owner.fenceDone(this);
  }

  get abandoned(): boolean {
    return this.session.closed;
  }
}

export class Pin {
  /** a WATCH was answered OK here: the connection holds watched keys until EXEC, DISCARD or UNWATCH */
  watching = false;
  private fence: Fence | null = null;
  private held: BackendCommand[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly node: BackendNode,
    readonly conn: BackendConnection,
    private readonly session: FamilySession,
  ) {
    // Only a busy shared connection can hold an earlier command of this client.
    const shared = (session.trackingRoute ? node.trackedFor(session.id, session.resp3) : null) ?? node.connectionFor(session.id, session.resp3);
    if (shared.inFlight + shared.queued > 0) {
      this.fence = new Fence(this, session);
      shared.send(this.fence);
    }
  }

  /** The connection failed: what is sent now would never be written. */
  get dead(): boolean {
    return this.conn.state === ConnState.Closed;
  }

  /** Nothing sent and unanswered. */
  get idle(): boolean {
    return this.held.length === 0 && this.conn.inFlight === 0 && this.conn.queued === 0;
  }

  send(cmd: BackendCommand): void {
    if (this.fence) {
      this.held.push(cmd);
      return;
    }
    if (this.dead) {
      cmd.onFailure(`ERR ${this.conn.lastError || 'the connection closed'}; the command did not run`);
      return;
    }
    this.conn.send(cmd);
    this.armWatchdog(cmd.deadline);
  }

  fenceDone(fence: Fence): void {
    if (fence !== this.fence) return;
    this.fence = null;
    const held = this.held;
    this.held = [];
    for (const c of held) this.send(c);
  }

  /** Back to the pool when `reusable` and clean, else closed; commands still held get an error. */
  release(reusable: boolean): void {
    this.fence = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const held = this.held;
    this.held = [];
    this.node.releaseDedicated(this.conn, reusable && held.length === 0);
    for (const c of held) c.onFailure('ERR slotproxy: the transaction ended before this command was sent; the command did not run');
  }

  /**
   * The router's sweep does not look at dedicated connections: a node that stops answering
   * would hold the client forever. Blocking commands (deadline Infinity) are exempt.
   */
  private armWatchdog(deadline: number): void {
    if (this.timer || deadline === Infinity) return;
    this.timer = setTimeout(() => this.checkStalled(), Math.max(1, deadline - tick()));
    this.timer.unref();
  }

  private checkStalled(): void {
    this.timer = null;
    const conn = this.conn;
    if (this.dead) return;
    const oldest = conn.oldestInFlight();
    const timeout = this.session.ctx.config.requestTimeoutMs;
    if (timeout <= 0) return;
    if (oldest && oldest.deadline <= tick()) {
      conn.close(`slotproxy: no reply from ${conn.address} within ${timeout} ms (SLOTPROXY_REQUEST_TIMEOUT_MS)`);
      return;
    }
    if (oldest) this.armWatchdog(oldest.deadline);
    else if (conn.queued > 0) this.armWatchdog(tick() + timeout);
  }
}

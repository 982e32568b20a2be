// WATCH on several nodes. One server checks every watched key when EXEC comes; a cluster node
// only knows its own keys, so the client's WATCHes are held on one dedicated connection per node
// (transaction-run.ts), and at EXEC each node other than the transaction's is asked first, with an
// empty MULTI/EXEC on the connection that holds its WATCHes: `*0` when none of its watched keys
// was touched, nil when one was (FLUSHALL and FLUSHDB included, as on one server). Only when every
// one of them answers `*0` is EXEC sent where the transaction runs, whose node checks its own
// watched keys atomically with the run. What one server does not have: a key watched on another
// node may change between its check and that EXEC (docs/compatibility.md).
import { BackendCommand } from '../../backend/backend-command';
import type { BackendNode } from '../../backend/backend-node';
import { command } from '../../protocol/resp';
import type { FamilySession } from '../family';
import type { RequestOwner } from '../requests/routed-request';
import { Pin } from './transaction-pin';
import { MULTI, noDedicated, UNWATCH } from './transaction-step';

const EXEC = command(['EXEC']);
const EMPTY_EXEC = Buffer.from('*0\r\n');

/** A command the transaction sends on one of its connections for itself: no client reply of its own. */
class PinCall extends BackendCommand {
  constructor(
    frame: Buffer,
    deadline: number,
    private readonly owner: RequestOwner,
    /** the reply, or null when there will be none (the connection failed) */
    private readonly settle: (reply: Buffer | null) => void,
  ) {
    super(frame, -1, 0, deadline);
  }

  onReply(frame: Buffer): void {
    this.settle(frame);
  }

  onFailure(): void {
    this.settle(null);
  }

  /** Only reached if the router moved it, which it does not do with a pinned connection's commands. */
  sendTo(): void {
    this.settle(null);
  }

  get abandoned(): boolean {
    return this.owner.closed;
  }
}

/** `frame` on `pin`, in order with what was sent there before. */
export function callOnPin(pin: Pin, frame: Buffer, deadline: number, owner: RequestOwner): Promise<Buffer | null> {
  return new Promise((resolve) => pin.send(new PinCall(frame, deadline, owner, resolve)));
}

/**
 * True when no key watched on `pins` was touched. EXEC also drops the WATCHes, so each
 * connection goes back to the pool clean (or is closed when it failed).
 */
export async function watchesHold(pins: Pin[], deadline: number, owner: RequestOwner): Promise<boolean> {
  const held = await Promise.all(
    pins.map(async (pin) => {
      const [multi, exec] = await Promise.all([callOnPin(pin, MULTI, deadline, owner), callOnPin(pin, EXEC, deadline, owner)]);
      pin.release(multi !== null && exec !== null);
      return exec !== null && exec.equals(EMPTY_EXEC);
    }),
  );
  return held.every(Boolean);
}

/** Drops the WATCHes held on `pins` (DISCARD, UNWATCH, RESET): each connection then goes back to the pool. */
export function unwatchAll(pins: Pin[], deadline: number, owner: RequestOwner): void {
  for (const pin of pins) void callOnPin(pin, UNWATCH, deadline, owner).then((reply) => pin.release(reply !== null && reply[0] === 43 /* + */));
}

/** The connections that hold one client's WATCHes: one per node, and which one watches each slot. */
export class Watches {
  private readonly byNode = new Map<string, Pin>();
  private readonly bySlot = new Map<number, Pin>();

  constructor(private readonly session: FamilySession) {}

  get size(): number {
    return this.byNode.size;
  }

  /** Any of them (where a keyless transaction runs, so that one node's WATCHes need no check). */
  any(): Pin | null {
    return this.byNode.values().next().value ?? null;
  }

  /** The node's connection for WATCHes: the one already holding some there, or a new one (an error when none can be had). */
  on(node: BackendNode): Pin | string {
    const have = this.byNode.get(node.address);
    if (have) return have;
    const conn = node.acquireDedicated(this.session.resp3);
    if (!conn) return noDedicated(node.address, this.session.ctx.config.blockingConnections);
    const pin = new Pin(node, conn, this.session);
    this.byNode.set(node.address, pin);
    return pin;
  }

  /** The connection that WATCHed `slot`, if any. */
  ofSlot(slot: number): Pin | undefined {
    return this.bySlot.get(slot);
  }

  /** A WATCH of `slot` goes to `pin`. */
  watching(slot: number, pin: Pin): void {
    this.bySlot.set(slot, pin);
  }

  /**
   * What was sent on `slot` went where the slot no longer is: nothing ran. A connection that
   * holds no WATCH goes back to the pool (the redirect is followed elsewhere).
   */
  moved(slot: number): void {
    const pin = this.bySlot.get(slot);
    this.bySlot.delete(slot);
    if (pin && !pin.watching && pin.idle) {
      this.byNode.delete(pin.node.address);
      pin.release(true);
    }
  }

  /** One of them failed, if one did. */
  dead(): Pin | null {
    for (const p of this.byNode.values()) if (p.dead) return p;
    return null;
  }

  /** Every connection but `keep`, now the caller's to check or release; nothing is held here after. */
  take(keep: Pin | null): Pin[] {
    const pins = [...this.byNode.values()].filter((p) => p !== keep);
    this.byNode.clear();
    this.bySlot.clear();
    return pins;
  }
}

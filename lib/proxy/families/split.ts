// Multi-key commands whose keys span slots: MGET, MSET, DEL, UNLINK, EXISTS, TOUCH. The keys are
// grouped by slot (not by node: two slots of one node are still CROSSSLOT to Redis), one
// sub-command per slot is sent, sub-commands to one node go out in one write, and the replies
// are merged in the client's key order.
//
// When a part fails, the client gets that error for the whole command, never a partial array
// mixed with nils. MGET has no side effects; for MSET/DEL/UNLINK/TOUCH the parts that succeeded
// stay applied (Redis Cluster cannot apply them atomically across slots either; MSETNX, which
// must be atomic, stays single-slot and gets CROSSSLOT).
import type { BackendAddress } from '../../backend/backend-command';
import { BackendCommand } from '../../backend/backend-command';
import type { BackendNode } from '../../backend/backend-node';
import { keySlot } from '../../protocol/crc16';
import { KEY_TRIPLE, TYPE_ARRAY } from '../../protocol/records';
import { command, error, integer, OK } from '../../protocol/resp';
import type { ClientRequest } from '../client-request';
import { wrongArity } from '../errors';
import type { FamilyDispatch, FamilySession, ParsedCommand } from '../family';
import { arrayElements, arrayOf, integerOf, isError } from './reply-parts';
import { SingleRequest } from '../requests/single-request';

type Merge = 'mget' | 'mset' | 'sum';

/** One slot's share of the command. */
class Part extends BackendCommand {
  /** MGET: the elements of the reply; otherwise the whole reply */
  values: Buffer[] | null = null;
  reply: Buffer | null = null;

  constructor(
    private readonly parent: SplitRequest,
    frame: Buffer,
    slot: number,
    deadline: number,
    /** argument indexes of this part's keys in the client's command */
    readonly keyArgs: number[],
  ) {
    super(frame, slot, parent.session.id, deadline);
  }

  sendTo(node: BackendNode): void {
    if (this.parent.writes) this.parent.session.written.add(node.address);
    node.connectionFor(this.pin).send(this);
  }

  onReply(frame: Buffer, type: number, redirect: number, elems: number, elemBase: number, from: BackendAddress): void {
    const router = this.parent.session.ctx.router;
    if (redirect !== 0 && router.redirect(this, frame, redirect, from)) return;
    this.reply = frame;
    if (this.parent.merge === 'mget' && type === TYPE_ARRAY) {
      this.values = arrayElements(frame, this.parent.session.ctx.scanners.replyElems, elems, elemBase);
    }
    this.parent.partDone();
  }

  onFailure(message: string): void {
    this.reply = error(message);
    this.parent.partDone();
  }

  get abandoned(): boolean {
    return this.parent.session.closed;
  }
}

class SplitRequest implements ClientRequest {
  next: ClientRequest | null = null;
  done = false;
  reply: Buffer | null = null;
  readonly holds = false;
  readonly parts: Part[] = [];
  private pending = 0;

  constructor(
    readonly session: FamilySession,
    readonly merge: Merge,
    private readonly keyCount: number,
    readonly writes: boolean,
  ) {}

  start(): void {
    const router = this.session.ctx.router;
    this.pending = this.parts.length;
    for (const p of this.parts) router.route(p);
  }

  abandon(): void {}

  partDone(): void {
    if (--this.pending > 0 || this.done) return;
    this.reply = this.merged();
    this.done = true;
    this.session.requestDone(this);
  }

  private merged(): Buffer {
    for (const p of this.parts) if (isError(p.reply!)) return p.reply!;
    switch (this.merge) {
      case 'mset':
        return OK;
      case 'sum': {
        let sum = 0;
        for (const p of this.parts) sum += integerOf(p.reply!);
        return integer(sum);
      }
      case 'mget': {
        const values: Buffer[] = new Array(this.keyCount);
        for (const p of this.parts) {
          if (!p.values || p.values.length !== p.keyArgs.length) return error('ERR slotproxy: a node answered MGET with something other than one value per key');
          // keys of the client's MGET start at argument 1
          for (let i = 0; i < p.keyArgs.length; i++) values[p.keyArgs[i] - 1] = p.values[i];
        }
        return arrayOf(values);
      }
    }
  }
}

export const dispatch: FamilyDispatch = (session, cmd) => {
  if (!cmd.crossSlot) {
    const req = new SingleRequest(session, cmd.frame, cmd.slot, session.id, cmd.deadline);
    req.writes = cmd.row.writes;
    session.enqueue(req);
    return;
  }
  const merge = cmd.row.handler.kind === 'family' ? (cmd.row.handler.variant as Merge) : 'sum';
  const args = cmd.args();
  const step = merge === 'mset' ? 2 : 1;
  if (merge === 'mset' && (args.length - 1) % 2 !== 0) {
    // A cluster node says CROSSSLOT before it counts arguments; a standalone server says this.
    session.reject(wrongArity(cmd.row.name));
    return;
  }
  const name = args[0];
  const bySlot = new Map<number, number[]>();
  for (let a = 1, k = 0; a < args.length; a += step, k++) {
    const slot = slotOfKey(cmd, k, args[a]);
    let list = bySlot.get(slot);
    if (!list) bySlot.set(slot, (list = []));
    list.push(a);
  }
  const req = new SplitRequest(session, merge, (args.length - 1) / step, cmd.row.writes);
  for (const [slot, keyArgs] of bySlot) {
    const partArgs: Buffer[] = [name];
    for (const a of keyArgs) {
      partArgs.push(args[a]);
      if (step === 2) partArgs.push(args[a + 1]);
    }
    req.parts.push(new Part(req, command(partArgs), slot, cmd.deadline, keyArgs));
  }
  session.enqueue(req);
};

function slotOfKey(cmd: ParsedCommand, k: number, key: Buffer): number {
  const keys = cmd.keys;
  return keys && keys.length > k * KEY_TRIPLE ? keys[k * KEY_TRIPLE + 2] : keySlot(key);
}

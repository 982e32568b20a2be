// PUBSUB CHANNELS / NUMSUB / NUMPAT / SHARDCHANNELS / SHARDNUMSUB for the whole cluster, as one
// Redis answers them for itself: a node only reports its own subscribers, so the proxy asks the
// nodes that can have them and merges (union of channel names, sums of counts).
//
// Classic subscribers can be connected to any node, replicas included (a PUBLISH reaches every
// node of the cluster), so CHANNELS/NUMSUB/NUMPAT ask every master and every replica. A replica
// that cannot answer is left out rather than failing the command (it has no subscribers the
// proxy could reach while it is down); a master that cannot answer fails it. Shard channels
// live with their slot's master: SHARDCHANNELS asks every master, SHARDNUMSUB asks each channel's
// master (replicas of the shard are not asked: slotproxy subscribes on masters only).
import type { BackendAddress } from '../../backend/backend-command';
import { BackendCommand } from '../../backend/backend-command';
import type { BackendNode } from '../../backend/backend-node';
import { keySlot } from '../../protocol/crc16';
import { TYPE_ERROR } from '../../protocol/records';
import { command, encode, error, integer, type RespValue } from '../../protocol/resp';
import type { ClientRequest } from '../client-request';
import { SLOT_NOT_SERVED } from '../errors';
import type { FamilySession, ParsedCommand } from '../family';
import { flatArray, keyOf, type FlatItem } from './pubsub-frames';
import type { Slab } from '../../io/socket-reads';

class Part extends BackendCommand {
  reply: Buffer | null = null;

  constructor(
    private readonly parent: Fanout,
    frame: Buffer,
    /** the node asked; '' for a part routed by its slot */
    readonly address: string,
    slot: number,
    /** a replica: its failure leaves it out instead of failing the command */
    readonly optional: boolean,
    /** SHARDNUMSUB: indexes of this part's channels among the client's */
    readonly indexes: number[] = [],
  ) {
    super(frame, slot, parent.session.id, parent.deadline);
  }

  sendTo(node: BackendNode): void {
    // The question is about one node's subscribers: if the router moves an unwritten part, it
    // still goes to the node it was meant for (or, routed by slot, to the slot's owner).
    const target = this.address ? this.parent.session.ctx.router.node(this.address) : node;
    target.connectionFor(this.pin).send(this);
  }

  onReply(frame: Buffer, _type: number, _redirect: number, _elems: number, _elemBase: number, _from: BackendAddress): void {
    this.reply = frame;
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

type Merge = (parts: Part[]) => Buffer;

class Fanout implements ClientRequest {
  next: ClientRequest | null = null;
  endsBatch = true;
  slab: Slab | null = null;
  replySlab: Slab | null = null;
  done = false;
  reply: Buffer | null = null;
  readonly holds = false;
  readonly parts: Part[] = [];
  private pending = 0;

  constructor(
    readonly session: FamilySession,
    readonly deadline: number,
    private readonly merge: Merge,
  ) {}

  start(): void {
    this.pending = this.parts.length;
    if (this.pending === 0) return this.partDone();
    const router = this.session.ctx.router;
    for (const p of this.parts) {
      if (p.address) router.node(p.address).connectionFor(p.pin).send(p);
      else router.route(p);
    }
  }

  abandon(): void {}

  partDone(): void {
    if (--this.pending > 0 || this.done) return;
    const failed = this.parts.find((p) => !p.optional && p.reply![0] === TYPE_ERROR);
    this.reply = failed ? failed.reply! : this.merge(this.parts.filter((p) => p.reply![0] !== TYPE_ERROR));
    this.done = true;
    this.session.requestDone(this);
  }
}

function items(p: Part): FlatItem[] {
  return flatArray(p.reply!) ?? [];
}

/** Channel names from every part, each once, in the order first seen. */
const union: Merge = (parts) => {
  const seen = new Map<string, Buffer>();
  for (const p of parts) for (const it of items(p)) if (Buffer.isBuffer(it) && !seen.has(keyOf(it))) seen.set(keyOf(it), it);
  return encode([...seen.values()]);
};

const sum: Merge = (parts) => {
  let n = 0;
  for (const p of parts) n += Number(p.reply!.toString('latin1', 1, p.reply!.length - 2)) || 0;
  return integer(n);
};

/** NUMSUB/SHARDNUMSUB: `[channel, count, ...]` with the counts added up per channel. */
function numsub(names: Buffer[]): Merge {
  return (parts) => {
    const counts = new Array<number>(names.length).fill(0);
    for (const p of parts) {
      const got = items(p);
      for (let i = 0; 2 * i + 1 < got.length; i++) {
        const at = p.indexes.length ? p.indexes[i] : i;
        const n = got[2 * i + 1];
        if (at !== undefined && typeof n === 'number') counts[at] += n;
      }
    }
    const out: RespValue[] = [];
    names.forEach((name, i) => out.push(name, counts[i]));
    return encode(out);
  };
}

export function introspect(session: FamilySession, cmd: ParsedCommand, variant: string): void {
  const map = session.ctx.router.slotMap;
  if (map.masters.length === 0) return session.reject(SLOT_NOT_SERVED);
  const args = cmd.args();
  let req: Fanout;
  switch (variant) {
    case 'channels':
    case 'numsub':
    case 'numpat': {
      req = new Fanout(session, cmd.deadline, variant === 'channels' ? union : variant === 'numpat' ? sum : numsub(args.slice(2)));
      const masters = new Set(map.masters);
      for (const address of map.allNodes()) req.parts.push(new Part(req, cmd.frame, address, -1, !masters.has(address)));
      break;
    }
    case 'shardchannels':
      req = new Fanout(session, cmd.deadline, union);
      for (const address of map.masters) req.parts.push(new Part(req, cmd.frame, address, -1, false));
      break;
    case 'shardnumsub': {
      const names = args.slice(2);
      req = new Fanout(session, cmd.deadline, numsub(names));
      // One question per node with its channels; routed by the first one's slot.
      const byOwner = new Map<string, { slot: number; indexes: number[] }>();
      names.forEach((name, i) => {
        const slot = keySlot(name);
        const owner = map.owner(slot) ?? `unserved:${slot}`;
        const group = byOwner.get(owner);
        if (group) group.indexes.push(i);
        else byOwner.set(owner, { slot, indexes: [i] });
      });
      for (const { slot, indexes } of byOwner.values()) {
        const frame = command([args[0], args[1], ...indexes.map((i) => names[i])]);
        req.parts.push(new Part(req, frame, '', slot, false, indexes));
      }
      break;
    }
    default:
      return session.reject(`ERR slotproxy: no handler for PUBSUB ${variant.toUpperCase()}; this is a bug in slotproxy's command table`);
  }
  session.enqueue(req);
}

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
import { keySlot } from '../../protocol/crc16';
import { command, encode, integer, type RespValue } from '../../protocol/resp';
import { SLOT_NOT_SERVED } from '../errors';
import type { SlotMap } from '../../cluster/slot-map';
import type { FamilyDispatch, FamilyHandlers, ParsedCommand } from '../family';
import { NodeFanout, type NodePart } from './node-fanout';
import { flatArray, keyOf, type FlatItem } from './pubsub-frames';
import { isError } from './reply-parts';

/** The client's reply from the parts that answered (a failed optional one is left out). */
type Merge = (parts: NodePart[]) => Buffer;

function items(p: NodePart): FlatItem[] {
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

/**
 * NUMSUB/SHARDNUMSUB: `[channel, count, ...]` with the counts added up per channel. A part asked
 * about some of the channels has their indexes in `indexesOf`, by part (SHARDNUMSUB); otherwise
 * each part was asked about all of them.
 */
function numsub(names: Buffer[], indexesOf: number[][] | null = null): Merge {
  return (parts) => {
    const counts = new Array<number>(names.length).fill(0);
    for (const p of parts) {
      const got = items(p);
      const indexes = indexesOf?.[p.index] ?? null;
      for (let i = 0; 2 * i + 1 < got.length; i++) {
        const at = indexes ? indexes[i] : i;
        const n = got[2 * i + 1];
        if (at !== undefined && typeof n === 'number') counts[at] += n;
      }
    }
    const out: RespValue[] = [];
    names.forEach((name, i) => out.push(name, counts[i]));
    return encode(out);
  };
}

/**
 * Asks the nodes `ask` adds to the request (it returns how to merge their replies); the client
 * gets the error of a node that had to answer, or the merge of those that did.
 */
function introspection(ask: (req: NodeFanout, cmd: ParsedCommand, map: SlotMap) => Merge): FamilyDispatch {
  return (session, cmd) => {
    const map = session.ctx.router.slotMap;
    if (map.masters.length === 0) return session.reject(SLOT_NOT_SERVED);
    let merge: Merge | null = null;
    const req = new NodeFanout(session, cmd.deadline, (parts) => {
      const failed = parts.find((p) => !p.optional && isError(p.reply!));
      return failed ? failed.reply! : merge!(parts.filter((p) => !isError(p.reply!)));
    });
    merge = ask(req, cmd, map);
    session.enqueue(req);
  };
}

/** Classic subscribers: every master, and every replica that can answer. */
const classic = (merge: (cmd: ParsedCommand) => Merge): FamilyDispatch =>
  introspection((req, cmd, map) => {
    const masters = new Set(map.masters);
    for (const address of map.allNodes()) req.ask(address, cmd.frame, !masters.has(address));
    return merge(cmd);
  });

export const PUBSUB = {
  channels: classic(() => union),
  numsub: classic((cmd) => numsub(cmd.args().slice(2))),
  numpat: classic(() => sum),
  shardchannels: introspection((req, cmd, map) => {
    for (const address of map.masters) req.ask(address, cmd.frame);
    return union;
  }),
  shardnumsub: introspection((req, cmd, map) => {
    const args = cmd.args();
    const names = args.slice(2);
    // One question per node with its channels; routed by the first one's slot.
    const byOwner = new Map<string, { slot: number; indexes: number[] }>();
    names.forEach((name, i) => {
      const slot = keySlot(name);
      const owner = map.owner(slot) ?? `unserved:${slot}`;
      const group = byOwner.get(owner);
      if (group) group.indexes.push(i);
      else byOwner.set(owner, { slot, indexes: [i] });
    });
    const groups = [...byOwner.values()];
    for (const { slot, indexes } of groups) req.askSlot(slot, command([args[0], args[1], ...indexes.map((i) => names[i])]));
    return numsub(names, groups.map((g) => g.indexes));
  }),
} satisfies FamilyHandlers<'pubsub'>;

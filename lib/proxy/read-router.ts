// Which node serves a read, once replicas take reads (SLOTPROXY_READ_FROM, or a client's
// READONLY): per read, the slot's entry of a table built from the slot map and a few fields the
// replica poller keeps (lib/cluster/replica-health.ts). No read goes to a replica that is down,
// loading, lagging or behind the client's own writes; the master serves it instead.
import { cachedNow } from '../clock';
import { ReadPolicy } from '../commands/access';
import type { BackendCommand } from '../backend/backend-command';
import type { BackendNode } from '../backend/backend-node';
import { ReplicaHealth, type NodeReadState, type ReplicaHealthOptions } from '../cluster/replica-health';
import type { SlotMap } from '../cluster/slot-map';

/** Reads the read routing placed, by where they went (INFO cluster, the metrics). */
export interface ReadStats {
  /** served by a replica */
  replica: number;
  /** eligible for a replica, served by the master (the policy, no usable replica, own writes) */
  master: number;
  /** of those, because of the client's own writes (unanswered, or not on any usable replica yet) */
  ownWrites: number;
  /** failed on a replica (connection lost, LOADING ...) and sent to the master */
  retried: number;
}

export function newReadStats(): ReadStats {
  return { replica: 0, master: 0, ownWrites: 0, retried: 0 };
}

/** How long reads of a slot stay on its master after an ASK or TRYAGAIN for it. */
export const MIGRATING_HOLD_MS = 10_000;

/** One master's share of the table: its state and its replicas', aligned. */
interface ReadSet {
  master: NodeReadState;
  replicas: BackendNode[];
  states: NodeReadState[];
}

export class ReadRouter {
  readonly health: ReplicaHealth;
  private sets: ReadSet[] = [];
  private owners: Int16Array = new Int16Array(0);
  /** spreads reads over the candidates in turn */
  private turn = 0;
  /** per slot: until when (cachedNow) its reads stay on the master: it is being migrated */
  private readonly migrating = new Float64Array(16384);

  constructor(
    options: ReplicaHealthOptions,
    private readonly nodeOf: (address: string) => BackendNode,
    private readonly stats: ReadStats,
    /** a replica stopped answering: reads waiting on it should go elsewhere */
    unreachable: (address: string, reason: string) => void,
  ) {
    this.health = new ReplicaHealth(options, { unreachable });
  }

  /** A new slot map: the table is built again, the poller follows the map's nodes. */
  mapChanged(map: SlotMap): void {
    this.health.watch(map);
    this.owners = map.owners;
    this.sets = map.masters.map((master, i) => {
      const list = map.replicaLists[i];
      return { master: this.health.state(master), replicas: list.map(this.nodeOf), states: list.map((r) => this.health.state(r)) };
    });
  }

  /**
   * The replica that serves `cmd` (a read of slot >= 0), or null when its master does: the
   * client's policy, then read-your-writes (no write of its own unanswered, and the replica has
   * reached the round its latest answered write asks for), then health.
   */
  replicaFor(cmd: BackendCommand): BackendNode | null {
    const fence = cmd.readFence();
    if (fence === null || fence.policy === ReadPolicy.Master) return null;
    const i = this.owners[cmd.slot];
    if (i < 0) return null;
    const set = this.sets[i];
    const stats = this.stats;
    stats.master++;
    if (this.migrating[cmd.slot] > cachedNow()) return null;
    const policy = fence.policy;
    if (policy === ReadPolicy.PreferMaster && set.master.usable) return null;
    if (fence.pending !== 0) {
      stats.ownWrites++;
      return null;
    }
    const n = set.states.length;
    // with `any`, the master is candidate n, taken in its turn like the replicas
    const candidates = policy === ReadPolicy.Any ? n + 1 : n;
    if (candidates === 0) return null;
    const round = fence.round;
    let behind = false;
    let k = this.turn++ % candidates;
    for (let tried = 0; tried < candidates; tried++, k = k + 1 === candidates ? 0 : k + 1) {
      if (k === n) {
        if (set.master.usable) return null;
        continue;
      }
      const s = set.states[k];
      if (!s.usable) continue;
      if (s.safeRound < round) {
        behind = true;
        continue;
      }
      s.reads++;
      stats.master--;
      stats.replica++;
      return set.replicas[k];
    }
    if (behind) {
      stats.ownWrites++;
      this.health.want();
    }
    return null;
  }

  /**
   * An ASK or TRYAGAIN shows `slot` being migrated. A replica does not know (the MIGRATING state
   * is its master's alone): it would answer that a key already moved does not exist, where its
   * master answers ASK. The slot's reads stay on the master for MIGRATING_HOLD_MS from the latest.
   */
  slotMigrating(slot: number): void {
    this.migrating[slot] = cachedNow() + MIGRATING_HOLD_MS;
  }

  /** A read connection to `address` failed: no reads there until the poller sees it again. */
  connectionLost(address: string, reason: string): void {
    for (const set of this.sets) {
      const k = set.replicas.findIndex((r) => r.address === address);
      if (k >= 0) set.states[k].refuse(reason);
    }
  }

  close(): void {
    this.health.stop();
  }
}

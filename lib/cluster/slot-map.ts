// Which master owns each of the 16384 slots. Immutable: a refresh or a MOVED builds a new map
// and swaps it in whole, so a request never sees half a topology.

export const SLOTS = 16384;

export interface ShardInfo {
  master: string; // "host:port"
  replicas: string[];
}

export class SlotMap {
  /** the replicas of masters[i], for the read routing: slot -> owners[slot] -> this list */
  readonly replicaLists: readonly (readonly string[])[];

  private constructor(
    /** index into `masters` per slot, -1 when no node serves it */
    readonly owners: Int16Array,
    readonly masters: readonly string[],
    readonly replicas: ReadonlyMap<string, readonly string[]>,
    readonly createdAt: number,
  ) {
    this.replicaLists = masters.map((m) => replicas.get(m) ?? []);
  }

  static empty(): SlotMap {
    return new SlotMap(new Int16Array(SLOTS).fill(-1), [], new Map(), Date.now());
  }

  static fromRanges(ranges: { start: number; end: number; shard: ShardInfo }[]): SlotMap {
    const owners = new Int16Array(SLOTS).fill(-1);
    const masters: string[] = [];
    const index = new Map<string, number>();
    const replicas = new Map<string, string[]>();
    for (const { start, end, shard } of ranges) {
      let i = index.get(shard.master);
      if (i === undefined) {
        i = masters.push(shard.master) - 1;
        index.set(shard.master, i);
        replicas.set(shard.master, [...shard.replicas]);
      }
      owners.fill(i, Math.max(0, start), Math.min(SLOTS - 1, end) + 1);
    }
    return new SlotMap(owners, masters, replicas, Date.now());
  }

  owner(slot: number): string | null {
    const i = this.owners[slot];
    return i < 0 ? null : this.masters[i];
  }

  /** A copy with one slot moved to `master` (what a MOVED reply tells). */
  withSlot(slot: number, master: string): SlotMap {
    let masters = this.masters;
    let i = masters.indexOf(master);
    if (i < 0) {
      masters = [...masters, master];
      i = masters.length - 1;
    }
    const owners = this.owners.slice();
    owners[slot] = i;
    return new SlotMap(owners, masters, this.replicas, this.createdAt);
  }

  /**
   * Masters in the order of the first slot each serves: stable across a failover (the promoted
   * replica serves the same slots), so it can number nodes in SCAN cursors.
   */
  mastersBySlot(): string[] {
    const seen = new Set<number>();
    const out: string[] = [];
    for (let s = 0; s < SLOTS; s++) {
      const i = this.owners[s];
      if (i >= 0 && !seen.has(i)) {
        seen.add(i);
        out.push(this.masters[i]);
      }
    }
    return out;
  }

  /** Slots served, for logs and INFO. */
  coveredSlots(): number {
    let n = 0;
    for (let s = 0; s < SLOTS; s++) if (this.owners[s] >= 0) n++;
    return n;
  }

  /** Every node the map knows, masters first. */
  allNodes(): string[] {
    // a Set, not includes(), which is quadratic in the nodes
    // (bench/results/hot-path-figures.md, "slot map nodes")
    const out = new Set(this.masters);
    for (const list of this.replicas.values()) for (const r of list) out.add(r);
    return [...out];
  }

  sameAs(other: SlotMap): boolean {
    if (other.masters.length !== this.masters.length) return false;
    for (let s = 0; s < SLOTS; s++) if (this.owner(s) !== other.owner(s)) return false;
    return true;
  }
}

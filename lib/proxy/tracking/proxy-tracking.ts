// Client tracking across the cluster (CLIENT TRACKING through the proxy; docs/resp3.md): the
// tracking clients, the key table of what each read, the per-master tracking connections
// (node-tracking.ts), and what happens when the proxy cannot be sure a node still tracks what a
// client read: a lost tracking connection or listener ("flush everything" to the clients, as
// Redis sends when its own tracking connection drops), a slot moved to another master by a
// resharding or a failover (its keys invalidated), FLUSHALL/FLUSHDB on a node (the node's own
// "flush everything" passed on).
import type { BackendCommand } from '../../backend/backend-command';
import type { BackendConnection } from '../../backend/backend-connection';
import type { BackendNode } from '../../backend/backend-node';
import { aclKeys } from '../../auth/acl-keys';
import type { CommandRow, CommandTable } from '../../commands/table';
import type { SlotMap } from '../../cluster/slot-map';
import { frameArgs } from '../../protocol/resp';
import { ClientTracking, type TrackedSession, type TrackingSender } from './client-tracking';
import { invalidatedKeys } from './invalidation-frames';
import { KeyTable, type Invalidations } from './key-table';
import { NodeTracking } from './node-tracking';
import { coveringPrefixes, type TrackingOptions } from './tracking-options';

/** What tracking needs of the router. */
export interface TrackingNodes {
  node(address: string): BackendNode;
  readonly slotMap: SlotMap;
}

/** Scripts: the keys they declare are noted (their reads are tracked by the node, whatever the flags). */
const SCRIPTS = new Set(['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro']);

export class ProxyTracking implements TrackingSender {
  readonly table: KeyTable<ClientTracking>;
  readonly clients = new Set<ClientTracking>();
  private readonly nodes = new Map<string, NodeTracking>();
  private bcastPrefixes: string[] = [];

  constructor(
    private readonly router: TrackingNodes,
    private readonly commands: CommandTable,
    maxKeys: number,
    /** SLOTPROXY_REQUEST_TIMEOUT_MS, read when used (it is live) */
    private readonly answerMs: () => number,
  ) {
    this.table = new KeyTable<ClientTracking>(maxKeys, (inv) => this.tell(inv));
  }

  /**
   * CLIENT TRACKING on (checked already): a new state, or the client's updated. Resolves once
   * every master tracks what the client asked (BCAST: its connections are in place).
   */
  enable(session: TrackedSession & { tracking: ClientTracking | null }, options: TrackingOptions, target: TrackedSession | null): Promise<void> {
    const had = session.tracking;
    if (had && had.active) had.update(options, target);
    else {
      const t = new ClientTracking(session, options, target, this);
      session.tracking = t;
      this.clients.add(t);
    }
    return options.bcast ? this.broadcastChanged() : Promise.resolve();
  }

  disable(session: { tracking: ClientTracking | null }): void {
    const t = session.tracking;
    session.tracking = null;
    if (!t) return;
    t.off();
    this.clients.delete(t);
    if (t.bcast) void this.broadcastChanged();
  }

  /** A tracking client's command to `node`: its keys noted (or forgotten, NOLOOP writes), then sent. */
  send(cmd: BackendCommand, node: BackendNode, client: ClientTracking, remember: boolean): void {
    client.sentSinceFlush = true;
    if (remember || client.noloop) this.noteKeys(cmd, client, remember);
    this.nodeTracking(node).send(cmd);
  }

  /** Size and limit, for INFO and the metrics. */
  info(): { clients: number; keys: number; items: number; prefixes: number; maxKeys: number } {
    return { clients: this.clients.size, keys: this.table.size, items: this.table.items, prefixes: this.bcastPrefixes.length, maxKeys: this.table.maxKeys };
  }

  setMaxKeys(max: number): void {
    this.table.maxKeys = max;
    this.table.evict();
  }

  /** The slot map changed: keys of slots now on another master are invalidated; gone masters' connections closed. */
  mapChanged(before: SlotMap, after: SlotMap): void {
    const masters = new Set(after.masters);
    for (const [address, nt] of this.nodes) {
      if (masters.has(address)) continue;
      this.nodes.delete(address);
      nt.close(`${address} is no longer a master`);
    }
    if (this.clients.size === 0) return;
    if (this.table.size > 0) {
      const moved: number[] = [];
      for (let slot = 0; slot < after.owners.length; slot++) if (before.owner(slot) !== after.owner(slot)) moved.push(slot);
      if (moved.length) this.tell(this.table.invalidateSlots(moved));
    }
    // a master that was not one before (a failover): BCAST clients cannot know what it wrote before its connection is in place
    if (this.bcastPrefixes.length && after.masters.some((m) => !before.masters.includes(m))) this.flush(true);
    void this.broadcastChanged();
  }

  /** A connection to a node was lost: if it carried tracking clients' commands, what it tracked is gone. */
  connectionLost(conn: BackendConnection<BackendCommand>, node: BackendNode<BackendCommand>): void {
    if (!conn.closedByUs && node.isTracked(conn)) this.flush(false);
  }

  close(): void {
    for (const nt of this.nodes.values()) nt.close('slotproxy is shutting down');
    this.nodes.clear();
  }

  private noteKeys(cmd: BackendCommand, client: ClientTracking, remember: boolean): void {
    // (bytes(): a split part may be a constant head, GET, and a range of the client's MGET)
    const args = frameArgs(cmd.bytes());
    const row = this.rowOf(args);
    if (!row) return;
    const reads = remember && (row.info.flags.includes('readonly') || SCRIPTS.has(row.name));
    const writes = client.noloop && row.writes;
    if (!reads && !writes) return;
    for (const k of aclKeys(row, args) ?? []) {
      if (reads) this.table.remember(args[k.index], client);
      else this.table.forget(args[k.index], client);
    }
  }

  private rowOf(args: Buffer[]): CommandRow | undefined {
    if (args.length === 0) return undefined;
    const name = args[0].toString('latin1').toLowerCase();
    const row = this.commands.get(name);
    if (row && row.info.subcommands.length > 0 && args.length > 1) return this.commands.get(`${name}|${args[1].toString('latin1').toLowerCase()}`) ?? row;
    return row;
  }

  private nodeTracking(node: BackendNode): NodeTracking {
    let nt = this.nodes.get(node.address);
    if (nt === undefined) {
      nt = new NodeTracking(this.router.node(node.address), {
        invalidated: (frame) => this.invalidated(frame),
        broadcast: (frame) => this.broadcast(frame),
        lost: (bcast) => this.flush(bcast),
      }, this.answerMs);
      this.nodes.set(node.address, nt);
      void nt.broadcastFor(this.bcastPrefixes);
    }
    return nt;
  }

  private invalidated(frame: Buffer): void {
    const keys = invalidatedKeys(frame);
    if (keys === undefined) return;
    if (keys === null) {
      // FLUSHALL / FLUSHDB on the node
      this.table.clear();
      for (const c of this.clients) if (!c.bcast) c.deliver(null);
      return;
    }
    this.tell(this.table.invalidate(keys));
  }

  private broadcast(frame: Buffer): void {
    const keys = invalidatedKeys(frame);
    if (keys === undefined) return;
    for (const c of this.clients) {
      if (!c.bcast) continue;
      if (keys === null) {
        c.deliver(null);
        continue;
      }
      const mine = keys.filter((k) => c.prefixes.some((p) => k.toString('latin1').startsWith(p)));
      if (mine.length) c.deliver(mine);
    }
  }

  private tell(inv: Invalidations<ClientTracking>): void {
    for (const [client, keys] of inv) client.deliver(keys);
  }

  /** "Flush everything" to the key-table clients (or the BCAST ones): what was tracked is lost. */
  private flush(bcast: boolean): void {
    if (!bcast) this.table.clear();
    for (const c of this.clients) if (c.bcast === bcast) c.deliver(null);
  }

  /** Every master's BCAST connection asks for the prefixes covering every BCAST client's. */
  private async broadcastChanged(): Promise<void> {
    const all: string[] = [];
    for (const c of this.clients) if (c.bcast) all.push(...c.prefixes);
    this.bcastPrefixes = coveringPrefixes(all);
    if (this.bcastPrefixes.length === 0 && this.nodes.size === 0) return;
    await Promise.all(this.router.slotMap.masters.map((m) => this.nodeTracking(this.router.node(m)).broadcastFor(this.bcastPrefixes)));
  }
}

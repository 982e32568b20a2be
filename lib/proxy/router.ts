// Sends commands to the node that owns their slot, follows the cluster's redirects, and moves
// unwritten commands when the topology changes. Routing is a table lookup: slot -> master (and,
// for reads once replicas take them, slot -> replicas: lib/proxy/read-router.ts).
import { cachedNow } from '../clock';
import { Access, ReadPolicy } from '../commands/access';
import { BackendNode, type NodeOptions } from '../backend/backend-node';
import type { BackendAddress, BackendCommand } from '../backend/backend-command';
import type { BackendConnection, ConnectionHooks } from '../backend/backend-connection';
import { ConnState } from '../backend/backend-connection';
import { BusyWatch, type BusyHooks } from '../backend/busy-watch';
import { parseAddress } from '../cluster/cluster-slots';
import { parseRedirect } from '../cluster/redirect';
import type { NodeReadState, ReplicaHealthOptions } from '../cluster/replica-health';
import { SlotDisputes } from '../cluster/slot-disputes';
import { SlotMap } from '../cluster/slot-map';
import { Redirect } from '../protocol/records';
import type { Scanners } from '../protocol/scanners';
import { SLOT_NOT_SERVED, slotDisputed, tooManyRedirects, unreachable } from './errors';
import { newReadStats, ReadRouter } from './read-router';
import { RetryQueues } from './retry-queues';
import { flushClientReplies } from './reply-writes';

export interface RouterOptions extends NodeOptions {
  maxRedirects: number;
  retryDelayMs: number;
  requestTimeoutMs: number;
  /** SLOTPROXY_READ_FROM: the policy of clients that sent neither READONLY nor READWRITE */
  readFrom: ReadPolicy;
  /** the replica poller's settings, read at each of its rounds */
  replicas: ReplicaHealthOptions;
}

export interface RouterEvents {
  /** something suggests the slot map is stale */
  refreshNeeded(reason: string): void;
  connectionLost?(conn: BackendConnection<BackendCommand>, reason: string, node: BackendNode<BackendCommand> | undefined): void;
  /** a new slot map is in place */
  mapChanged?(before: SlotMap, after: SlotMap): void;
}

export class Router implements ConnectionHooks {
  private map = SlotMap.empty();
  /** aligned with map.masters */
  private masterNodes: BackendNode[] = [];
  private readonly nodes = new Map<string, BackendNode<BackendCommand>>();
  private nextKeyless = 0;
  readonly stats = { moved: 0, ask: 0, tryagain: 0, clusterdown: 0, reroutes: 0 };
  /** commands waiting out TRYAGAIN / CLUSTERDOWN (and those redirected behind them), per client pin */
  private readonly retries = new RetryQueues((cmd) => this.retry(cmd));
  /** where reads go once replicas take them; null until then (route() reads it for every command) */
  private reads: ReadRouter | null = null;
  readonly readStats = newReadStats();
  /** slots whose nodes redirect to each other: a MOVED back there waits (cluster/slot-disputes.ts) */
  private readonly disputes = new SlotDisputes();
  /** per node: is it running a script, what its overdue requests get (lib/backend/busy-watch.ts) */
  private readonly busy = new Map<string, BusyWatch>();
  private readonly busyHooks: BusyHooks = {
    reroute: (cmds) => this.reroute(cmds),
    stalled: (conn, reason) => {
      conn.reset(reason);
      this.events.refreshNeeded('backend timeout');
    },
    unwritten: (conn) => unreachable(conn.address, this.options.requestTimeoutMs, conn.state === ConnState.Ready ? '' : conn.lastError),
    // Gone from the map, it holds its requests for nothing; else it may be failing: the sooner
    // the map shows a failover, the sooner its clients are answered.
    silent: (node) => {
      if (!this.map.allNodes().includes(node.address)) this.drop(node);
      else this.events.refreshNeeded(`${node.address} did not answer a PING`);
    },
  };

  constructor(
    private readonly scanners: Scanners,
    private readonly options: RouterOptions,
    private readonly events: RouterEvents,
  ) {
    if (options.readFrom !== ReadPolicy.Master) this.useReplicaReads();
  }

  /**
   * Replicas take reads from now on (SLOTPROXY_READ_FROM, or the first client's READONLY): their
   * connections send READONLY, and the poller starts measuring them.
   */
  useReplicaReads(): void {
    if (this.reads !== null) return;
    this.reads = new ReadRouter(this.options.replicas, (a) => this.node(a), this.readStats, (a, reason) => this.replicaUnreachable(a, reason));
    this.reads.mapChanged(this.map);
    this.reads.health.start();
  }

  /** SLOTPROXY_READ_FROM: the read policy of a client that sent neither READONLY nor READWRITE */
  get readFrom(): ReadPolicy {
    return this.options.readFrom;
  }

  /** Every node the replica poller watches, as it last saw them (none before replicas take reads). */
  replicaStates(): readonly NodeReadState[] {
    return this.reads === null ? [] : this.reads.health.states();
  }

  /** The poll round a write answered now must wait for before a replica serves its client. */
  get nextReadRound(): number {
    return this.reads === null ? 0 : this.reads.health.nextRound;
  }
  get slotMap(): SlotMap {
    return this.map;
  }

  allNodes(): BackendNode[] {
    return [...this.nodes.values()];
  }

  node(address: string): BackendNode {
    let node = this.nodes.get(address);
    if (!node) {
      const { host, port } = parseAddress(address);
      const hooks: ConnectionHooks<BackendCommand> = {
        onOrphaned: (cmds) => this.onOrphaned(cmds),
        onLost: (conn, reason) => this.onLost(conn, reason),
        onReadDone: flushClientReplies,
      };
      node = new BackendNode(address, host, port, this.scanners, this.options, hooks);
      this.nodes.set(address, node);
    }
    return node;
  }

  /** The master for a slot, or any master for keyless commands (slot < 0); null when none. */
  nodeForSlot(slot: number, pin: number): BackendNode | null {
    if (slot >= 0) {
      const i = this.map.owners[slot];
      return i < 0 ? null : this.masterNodes[i];
    }
    const n = this.masterNodes.length;
    if (n === 0) return null;
    // Spread keyless commands, preferring masters that are connected.
    for (let k = 0; k < n; k++) {
      const node = this.masterNodes[(pin + this.nextKeyless++) % n];
      if (node.connectionFor(pin).state !== ConnState.Closed) return node;
    }
    return this.masterNodes[pin % n];
  }

  route(cmd: BackendCommand): void {
    if (this.retries.count !== 0 && this.retries.joinWaiting(cmd)) return;
    // (a tracking client's reads stay on the masters, whose tracking connections note their keys)
    if (this.reads !== null && cmd.access >= Access.Read && cmd.slot >= 0 && cmd.tracking === null) {
      const replica = this.reads.replicaFor(cmd);
      if (replica !== null) {
        cmd.access = Access.ReadOnReplica;
        replica.replicaConnectionFor(cmd.pin, cmd.resp3).send(cmd);
        return;
      }
      cmd.access = Access.Read;
    }
    const node = this.nodeForSlot(cmd.slot, cmd.pin);
    if (!node) {
      this.events.refreshNeeded('slot not served');
      cmd.onFailure(SLOT_NOT_SERVED);
      return;
    }
    cmd.sendTo(node);
  }

  /**
   * A redirect or retryable error came back for `cmd`. Returns true when the router took the
   * command over (resent or scheduled); false when the error reply should go to the client.
   */
  redirect(cmd: BackendCommand, frame: Buffer, kind: number, from: BackendAddress): boolean {
    if (cmd.abandoned) return false;
    if (++cmd.redirects > this.options.maxRedirects) {
      if (kind === Redirect.Moved || kind === Redirect.Ask) {
        cmd.onFailure(tooManyRedirects(this.options.maxRedirects, frame.toString('latin1', 1).trim()));
        return true;
      }
      return false;
    }
    switch (kind) {
      case Redirect.Moved: {
        const target = parseRedirect(frame, from.host);
        this.events.refreshNeeded('MOVED');
        if (!target) return false;
        this.stats.moved++;
        if (this.map.owner(target.slot) !== target.address) this.setMap(this.map.withSlot(target.slot, target.address));
        const now = cachedNow();
        const delay = this.backoff(cmd);
        if (this.disputes.moved(target.slot, from.address, target.address, now, Math.max(1000, 2 * delay))) {
          if (now + delay > cmd.deadline) cmd.onFailure(slotDisputed(target.slot, from.address, target.address));
          // (routed again by the map then: this MOVED's node, or what a refresh found meanwhile)
          else this.retries.later(cmd, delay);
          return true;
        }
        this.resend(cmd, target.address, false);
        return true;
      }
      case Redirect.Ask: {
        const target = parseRedirect(frame, from.host);
        if (!target) return false;
        this.stats.ask++;
        this.reads?.slotMigrating(target.slot);
        this.resend(cmd, target.address, true);
        return true;
      }
      case Redirect.TryAgain:
      case Redirect.ClusterDown: {
        if (kind === Redirect.TryAgain) {
          this.stats.tryagain++;
          if (cmd.slot >= 0) this.reads?.slotMigrating(cmd.slot);
        } else {
          this.stats.clusterdown++;
          this.events.refreshNeeded('CLUSTERDOWN');
        }
        const delay = this.backoff(cmd);
        if (cachedNow() + delay > cmd.deadline) return false;
        this.retries.later(cmd, delay);
        return true;
      }
      default:
        return false;
    }
  }

  /** The wait before a command's next retry: SLOTPROXY_RETRY_DELAY_MS, doubled per redirect, up to 25x. */
  private backoff(cmd: BackendCommand): number {
    return Math.min(this.options.retryDelayMs * 2 ** (cmd.redirects - 1), this.options.retryDelayMs * 25);
  }

  /**
   * A read a replica failed (its connection was lost, it answered LOADING ...): the master
   * answers it, if its deadline allows (a read may run twice: it changes nothing). Returns false
   * when the failure should go to the client.
   */
  retryOnMaster(cmd: BackendCommand): boolean {
    if (cmd.access !== Access.ReadOnReplica || cmd.abandoned || cachedNow() >= cmd.deadline) return false;
    cmd.access = Access.ReadOnMaster;
    this.readStats.retried++;
    this.route(cmd);
    return true;
  }

  /**
   * Follows MOVED / ASK at once, unless an earlier command of the same client waits out a
   * TRYAGAIN: then it waits with it and is routed again after it. Sent at once, it would run
   * before the retried command (in a migration: an MGET answered ASK would read the keys on the
   * importing node before the MSET answered TRYAGAIN just ahead of it wrote them). The client's
   * new commands wait there too (route()); only those already sent can run before it.
   */
  private resend(cmd: BackendCommand, address: string, asking: boolean): void {
    // (routed again by its slot: the ASK, if any, is found again)
    cmd.asking = false;
    if (this.retries.joinWaiting(cmd)) return;
    cmd.asking = asking;
    cmd.sendTo(this.node(address));
  }

  /**
   * A new topology: swap the map and move unwritten commands off nodes that lost their slots. A
   * node gone from the map (the cluster lists no failed node: it was failed over, or removed) is
   * closed once nothing waits on it, or as soon as it is found not to answer (busy-watch.ts asks
   * it): the requests written to it then get their "may or may not have run" error at once, not
   * at their deadline. A node that answers (demoted in a manual failover, or one MOVED named)
   * answers what it holds first: MOVED, which is followed.
   */
  applyMap(map: SlotMap): void {
    this.setMap(map);
    const masters = new Set(map.masters);
    const known = new Set(map.allNodes());
    for (const node of [...this.nodes.values()]) {
      for (const conn of node.multiplexed()) {
        // a replica's read connections are meant for a node that is no master
        const misplaced = !masters.has(node.address) && !node.carriesReplicaReads(conn);
        if (misplaced || conn.state !== ConnState.Ready) this.reroute(conn.takePending());
      }
      if (known.has(node.address)) continue;
      const waiting = [...node.multiplexed(), ...node.parked].some((c) => c.inFlight > 0);
      const watch = this.watchOf(node);
      if (!waiting || watch.unanswered) this.drop(node);
      else watch.probe(cachedNow());
    }
  }

  /** Fails commands that waited too long; disconnects a node that stopped answering, not one running a script (busy-watch.ts). */
  sweep(now: number): void {
    const timeout = this.options.requestTimeoutMs;
    if (timeout <= 0) return;
    for (const node of this.nodes.values()) {
      for (const conn of node.multiplexed()) conn.expirePending(now, () => this.busyHooks.unwritten(conn));
      this.watchOf(node).sweep(now, timeout);
    }
  }

  close(): void {
    this.reads?.close();
    for (const node of this.nodes.values()) node.close('slotproxy is shutting down');
    this.nodes.clear();
  }

  onOrphaned(cmds: BackendCommand[]): void {
    this.reroute(cmds);
  }

  /** What a node's replies completed goes to the clients at once (lib/proxy/reply-writes.ts). */
  onReadDone(): void {
    flushClientReplies();
  }

  onLost(conn: BackendConnection<BackendCommand>, reason: string): void {
    const node = this.nodes.get(conn.address);
    if (node && conn.dedicated) node.dedicatedClosed(conn);
    if (node && this.reads !== null && node.carriesReplicaReads(conn)) {
      this.reads.connectionLost(node.address, reason);
      this.reroute(conn.takePending());
    }
    this.events.connectionLost?.(conn, reason, node);
    if (!conn.closedByUs) this.events.refreshNeeded(`connection lost: ${reason}`);
  }

  private retry(cmd: BackendCommand): void {
    if (cmd.abandoned) {
      cmd.onFailure('ERR client gone');
      return;
    }
    this.route(cmd);
  }

  private reroute(cmds: BackendCommand[]): void {
    this.stats.reroutes += cmds.length;
    for (const c of cmds) {
      // a command whose client left is not sent again (a blocking one would hold a dedicated
      // connection for nobody)
      if (c.abandoned) {
        c.onFailure('ERR client gone');
        continue;
      }
      c.asking = false;
      this.route(c);
    }
  }

  private watchOf(node: BackendNode<BackendCommand>): BusyWatch {
    let watch = this.busy.get(node.address);
    if (!watch) this.busy.set(node.address, (watch = new BusyWatch(node, this.busyHooks)));
    return watch;
  }

  /** Closes a node gone from the map: what it still holds gets its "may or may not have run" error. */
  private drop(node: BackendNode): void {
    if (this.nodes.get(node.address) !== node) return;
    node.close(`${node.address} is no longer in the cluster's slot map (failed over or removed)`);
    this.nodes.delete(node.address);
    this.busy.delete(node.address);
  }

  private setMap(map: SlotMap): void {
    const before = this.map;
    this.map = map;
    this.masterNodes = map.masters.map((a) => this.node(a));
    this.reads?.mapChanged(map);
    this.events.mapChanged?.(before, map);
  }

  /**
   * The poller lost `address`: the reads waiting on its read connections go elsewhere, and those
   * in flight there fail over to the master (retryOnMaster) once the connection is dropped.
   */
  private replicaUnreachable(address: string, reason: string): void {
    const node = this.nodes.get(address);
    if (!node) return;
    for (const conn of node.multiplexed()) {
      if (!node.carriesReplicaReads(conn)) continue;
      this.reroute(conn.takePending());
      if (conn.inFlight > 0) conn.reset(`${address}: ${reason}`);
    }
  }
}

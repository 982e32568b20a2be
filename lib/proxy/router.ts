// Sends commands to the node that owns their slot, follows the cluster's redirects, and moves
// unwritten commands when the topology changes. Routing is a table lookup: slot -> master.
import { cachedNow } from '../clock';
import { BackendNode, type NodeOptions } from '../backend/backend-node';
import type { BackendCommand } from '../backend/backend-command';
import type { BackendConnection, ConnectionHooks } from '../backend/backend-connection';
import { ConnState } from '../backend/backend-connection';
import { BusyWatch, type BusyHooks } from '../backend/busy-watch';
import { parseAddress } from '../cluster/cluster-slots';
import { parseRedirect } from '../cluster/redirect';
import { SlotMap } from '../cluster/slot-map';
import { Redirect } from '../protocol/records';
import type { Scanners } from '../protocol/scanners';
import { SLOT_NOT_SERVED, tooManyRedirects, unreachable } from './errors';
import { flushClientReplies } from './reply-writes';

export interface RouterOptions extends NodeOptions {
  maxRedirects: number;
  retryDelayMs: number;
  requestTimeoutMs: number;
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
  private readonly retryQueues = new Map<number, BackendCommand[]>();
  /** retryQueues.size, as a field: route() reads it for every command */
  private retrying = 0;
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
  ) {}

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
    if (this.retrying !== 0 && this.waitBehindRetry(cmd)) return;
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
  redirect(cmd: BackendCommand, frame: Buffer, kind: number, from: { host: string }): boolean {
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
        this.resend(cmd, target.address, false);
        return true;
      }
      case Redirect.Ask: {
        const target = parseRedirect(frame, from.host);
        if (!target) return false;
        this.stats.ask++;
        this.resend(cmd, target.address, true);
        return true;
      }
      case Redirect.TryAgain:
      case Redirect.ClusterDown: {
        if (kind === Redirect.TryAgain) this.stats.tryagain++;
        else {
          this.stats.clusterdown++;
          this.events.refreshNeeded('CLUSTERDOWN');
        }
        const delay = Math.min(this.options.retryDelayMs * 2 ** (cmd.redirects - 1), this.options.retryDelayMs * 25);
        if (cachedNow() + delay > cmd.deadline) return false;
        this.retryLater(cmd, delay);
        return true;
      }
      default:
        return false;
    }
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
    if (this.waitBehindRetry(cmd)) return;
    cmd.asking = asking;
    cmd.sendTo(this.node(address));
  }

  /** A command of a client whose earlier command waits out TRYAGAIN waits behind it. */
  private waitBehindRetry(cmd: BackendCommand): boolean {
    const waiting = this.retryQueues.get(cmd.pin);
    if (waiting === undefined) return false;
    waiting.push(cmd);
    return true;
  }

  /**
   * One queue of retries per client (pin), routed again together and in the order their
   * redirects came back (the order the client sent them, per node), after the first one's
   * back-off: a later command retried with a shorter back-off would otherwise overtake it.
   */
  private retryLater(cmd: BackendCommand, delay: number): void {
    let waiting = this.retryQueues.get(cmd.pin);
    if (waiting === undefined) {
      waiting = [];
      this.retryQueues.set(cmd.pin, waiting);
      this.retrying++;
      const pin = cmd.pin;
      setTimeout(() => this.retryWaiting(pin), delay);
    }
    waiting.push(cmd);
  }

  private retryWaiting(pin: number): void {
    const waiting = this.retryQueues.get(pin);
    if (waiting === undefined) return;
    this.retryQueues.delete(pin);
    this.retrying--;
    // (a command retried here and answered TRYAGAIN again opens a new queue, asynchronously:
    // the rest of this one is routed first, as it was sent)
    for (const cmd of waiting) this.retry(cmd);
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
        if (!masters.has(node.address) || conn.state !== ConnState.Ready) this.reroute(conn.takePending());
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
    this.events.mapChanged?.(before, map);
  }
}

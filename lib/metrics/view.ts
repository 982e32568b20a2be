// What INFO, the Prometheus collectors and PROXY read of a running proxy. lib/server.ts's Proxy
// is one; tests can build a small one. Everything here is read when asked (INFO, a scrape):
// nothing is added to the request path.
import { ConnState } from '../backend/backend-connection';
import type { Config } from '../config';
import type { CommandStats } from './command-stats';

/** The proxy's own counters (INFO stats); RESETSTAT sets them to zero. */
export interface ProxyStats {
  connectionsReceived: number;
  connectionsRejected: number;
  commandsProcessed: number;
  /** clients closed for SLOTPROXY_MAXMEMORY_CLIENTS (INFO evicted_clients) */
  evictedClients: number;
}

export interface RouterStats {
  moved: number;
  ask: number;
  tryagain: number;
  clusterdown: number;
  reroutes: number;
}

/** Where the reads a replica could serve went (lib/proxy/read-router.ts ReadStats). */
export interface ReadStatsView {
  replica: number;
  master: number;
  ownWrites: number;
  retried: number;
}

/** A replica as the replica poller last saw it (lib/cluster/replica-health.ts). */
export interface ReplicaView {
  readonly address: string;
  readonly usable: boolean;
  /** ms behind its master, at most (-1: not measured) */
  readonly lagMs: number;
  readonly offset: number;
  /** reads it served */
  readonly reads: number;
  readonly reason: string;
}

export interface RefresherStats {
  refreshes: number;
  failures: number;
  lastError: string;
  lastReason: string;
  /** Date.now() of the last successful refresh, 0 before the first */
  lastAt: number;
}

export interface ConnectionView {
  readonly state: ConnState;
  readonly inFlight: number;
  readonly queued: number;
}

export interface NodeView {
  readonly address: string;
  readonly dedicatedOpen: number;
  multiplexed(): readonly ConnectionView[];
}

/** What INFO and the metrics read of the slot map. */
export interface SlotMapView {
  readonly masters: readonly string[];
  readonly replicas: ReadonlyMap<string, readonly string[]>;
  readonly createdAt: number;
  coveredSlots(): number;
}

/** Memory and CPU of the process (of every worker, when several run). */
export interface ProcessUsage {
  memory: NodeJS.MemoryUsage;
  cpu: NodeJS.CpuUsage;
}

export interface SessionView {
  readonly flags: string;
}

export interface ProxyView {
  readonly config: Config;
  readonly version: string;
  readonly clusterVersion: string;
  readonly startedAt: number;
  readonly listenPort: number;
  readonly scanners: { readonly kind: string };
  readonly stats: ProxyStats;
  readonly sessions: Iterable<SessionView> & { readonly size: number };
  readonly commandStats: CommandStats;
  /** only its length is shown (slowlog_len); SLOWLOG GET reads the proxy's own log */
  readonly slowlog: { readonly length: number };
  readonly table: { readonly rows: readonly ({ readonly name: string } | undefined)[] };
  readonly router: {
    readonly stats: RouterStats;
    readonly readStats: ReadStatsView;
    readonly slotMap: SlotMapView;
    allNodes(): readonly NodeView[];
    /** the replicas of the slot map, as the replica poller sees them (none while replicas take no reads) */
    replicaStates(): readonly ReplicaView[];
  };
  readonly refresher: { readonly stats: RefresherStats };
  /** bytes the clients hold (query and output buffers), and SLOTPROXY_MAXMEMORY_CLIENTS in bytes (0: none) */
  readonly clientMemory: { readonly used: number; readonly limit: number };
  /** client tracking's table (absent: none, as in a view of several workers) */
  readonly tracking?: { info(): TrackingView };
  /** worker processes counted in this view (absent: one) */
  readonly workers?: number;
  /** memory and CPU counted in this view (absent: this process's) */
  usage?(): ProcessUsage;
}

/** Client tracking's figures: INFO's tracking_* fields and the metrics. */
export interface TrackingView {
  clients: number;
  keys: number;
  items: number;
  prefixes: number;
  maxKeys: number;
}

const NO_TRACKING: TrackingView = { clients: 0, keys: 0, items: 0, prefixes: 0, maxKeys: 0 };

export function trackingView(view: Pick<ProxyView, 'tracking'>): TrackingView {
  return view.tracking ? view.tracking.info() : NO_TRACKING;
}

export function processUsage(view: Pick<ProxyView, 'usage'>): ProcessUsage {
  return view.usage ? view.usage() : { memory: process.memoryUsage(), cpu: process.cpuUsage() };
}

/** Clients by what they are doing, from their CLIENT LIST flags. */
export function clientCounts(sessions: Iterable<SessionView>): { normal: number; blocked: number; subscribed: number; transaction: number } {
  const n = { normal: 0, blocked: 0, subscribed: 0, transaction: 0 };
  for (const s of sessions) {
    if (s.flags === 'b') n.blocked++;
    else if (s.flags === 'P') n.subscribed++;
    else if (s.flags === 'x') n.transaction++;
    else n.normal++;
  }
  return n;
}

export interface NodeConnections {
  address: string;
  role: 'master' | 'replica' | 'unknown';
  ready: number;
  connecting: number;
  closed: number;
  dedicated: number;
  inFlight: number;
  queued: number;
}

/** The proxy's connections to each node it has talked to, masters first. */
export function backendConnections(view: Pick<ProxyView, 'router'>): NodeConnections[] {
  const map = view.router.slotMap;
  const replicas = new Set<string>();
  for (const list of map.replicas.values()) for (const r of list) replicas.add(r);
  const rank = { master: 0, replica: 1, unknown: 2 };
  const out = view.router.allNodes().map((node): NodeConnections => {
    const c: NodeConnections = {
      address: node.address,
      role: map.masters.includes(node.address) ? 'master' : replicas.has(node.address) ? 'replica' : 'unknown',
      ready: 0,
      connecting: 0,
      closed: 0,
      dedicated: node.dedicatedOpen,
      inFlight: 0,
      queued: 0,
    };
    for (const conn of node.multiplexed()) {
      if (conn.state === ConnState.Ready) c.ready++;
      else if (conn.state === ConnState.Connecting) c.connecting++;
      else c.closed++;
      c.inFlight += conn.inFlight;
      c.queued += conn.queued;
    }
    return c;
  });
  return out.sort((a, b) => rank[a.role] - rank[b.role] || a.address.localeCompare(b.address));
}

/** The replicas' figures, each with its master in the slot map. */
export function replicaLines(view: Pick<ProxyView, 'router'>): (ReplicaView & { master: string })[] {
  const masterOf = new Map<string, string>();
  for (const [m, list] of view.router.slotMap.replicas) for (const r of list) masterOf.set(r, m);
  return view.router
    .replicaStates()
    .filter((r) => masterOf.has(r.address))
    .map((r) => ({ ...r, master: masterOf.get(r.address)! }))
    .sort((a, b) => a.master.localeCompare(b.master) || a.address.localeCompare(b.address));
}

/** Replicas the slot map knows of. */
export function replicaCount(map: SlotMapView): number {
  let n = 0;
  for (const list of map.replicas.values()) n += list.length;
  return n;
}

/** Row names as Redis prints them in INFO commandstats ("get", "client|id"); row 0 counts unknown commands. */
export function commandName(view: Pick<ProxyView, 'table'>, row: number): string {
  return row === 0 ? 'unknown' : (view.table.rows[row]?.name ?? `row${row}`);
}

// With SLOTPROXY_WORKERS > 1 every worker counts its own clients and requests. A snapshot is
// what one worker reports of itself (plain data, sent over IPC); ClusterView adds the snapshots
// of all workers up into one ProxyView, so INFO and the Prometheus endpoint render the whole
// proxy with the same code that renders one process.
import { ConnState } from '../backend/backend-connection';
import type { Config } from '../config';
import { CommandStats, LATENCY_BUCKETS } from '../metrics/command-stats';
import { clientCounts, commandName, type NodeView, type ProcessUsage, type ProxyStats, type ProxyView, type ReadStatsView, type RefresherStats, type ReplicaView, type RouterStats, type SlotMapView } from '../metrics/view';

export interface CommandSnapshot {
  name: string;
  calls: number;
  errors: number;
  micros: number;
  /** the row's LATENCY_BUCKETS histogram counts */
  histogram: number[];
}

export interface WorkerSnapshot {
  pid: number;
  startedAt: number;
  version: string;
  clusterVersion: string;
  scanners: string;
  listenPort: number;
  clients: ReturnType<typeof clientCounts>;
  stats: ProxyStats;
  clientMemory: { used: number; limit: number };
  total: number;
  totalErrors: number;
  /** INFO errorstats: error replies by prefix */
  errorCodes: [string, number][];
  commands: CommandSnapshot[];
  slowlogLen: number;
  router: RouterStats;
  reads: ReadStatsView;
  /** the nodes its replica poller watches, as it sees them */
  replicas: ReplicaView[];
  refresher: RefresherStats;
  slotMap: { masters: string[]; replicas: [string, string[]][]; covered: number; createdAt: number };
  /** per node: dedicated connections open, then [state, inFlight, queued] of each multiplexed one */
  nodes: { address: string; dedicated: number; conns: [ConnState, number, number][] }[];
  usage: ProcessUsage;
}

/** What this process reports of itself: read when asked, nothing kept. */
export function takeSnapshot(view: ProxyView): WorkerSnapshot {
  const cs = view.commandStats;
  const commands: CommandSnapshot[] = [];
  for (let row = 0; row < cs.calls.length; row++) {
    if (cs.calls[row] === 0) continue;
    const at = row * LATENCY_BUCKETS;
    commands.push({ name: commandName(view, row), calls: cs.calls[row], errors: cs.errors[row], micros: cs.micros[row], histogram: Array.from(cs.histogram.subarray(at, at + LATENCY_BUCKETS)) });
  }
  const map = view.router.slotMap;
  return {
    pid: process.pid,
    startedAt: view.startedAt,
    version: view.version,
    clusterVersion: view.clusterVersion,
    scanners: view.scanners.kind,
    listenPort: view.listenPort,
    clients: clientCounts(view.sessions),
    stats: { ...view.stats },
    clientMemory: { used: view.clientMemory.used, limit: view.clientMemory.limit },
    total: cs.total,
    totalErrors: cs.totalErrors,
    errorCodes: [...cs.errorCodes],
    commands,
    slowlogLen: view.slowlog.length,
    router: { ...view.router.stats },
    reads: { ...view.router.readStats },
    replicas: view.router.replicaStates().map((r) => ({ address: r.address, usable: r.usable, lagMs: r.lagMs, offset: r.offset, reads: r.reads, reason: r.reason })),
    refresher: { ...view.refresher.stats },
    slotMap: { masters: [...map.masters], replicas: [...map.replicas].map(([m, r]) => [m, [...r]]), covered: map.coveredSlots(), createdAt: map.createdAt },
    nodes: view.router.allNodes().map((n) => ({ address: n.address, dedicated: n.dedicatedOpen, conns: n.multiplexed().map((c) => [c.state, c.inFlight, c.queued]) })),
    usage: { memory: process.memoryUsage(), cpu: process.cpuUsage() },
  };
}

const sum = <T>(xs: readonly T[], pick: (x: T) => number): number => xs.reduce((n, x) => n + pick(x), 0);

function sessionsOf(snaps: readonly WorkerSnapshot[]): { flags: string }[] {
  const out: { flags: string }[] = [];
  const add = (n: number, flags: string): void => {
    const one = { flags };
    for (let i = 0; i < n; i++) out.push(one);
  };
  for (const s of snaps) {
    add(s.clients.normal, 'N');
    add(s.clients.blocked, 'b');
    add(s.clients.subscribed, 'P');
    add(s.clients.transaction, 'x');
  }
  return out;
}

/** Command statistics of every worker added up by command name (row ids may differ between workers). */
function mergeCommands(snaps: readonly WorkerSnapshot[]): { stats: CommandStats; rows: ({ name: string } | undefined)[] } {
  const index = new Map<string, number>([['unknown', 0]]);
  for (const s of snaps) for (const c of s.commands) if (!index.has(c.name)) index.set(c.name, index.size);
  const stats = new CommandStats(index.size);
  const rows: ({ name: string } | undefined)[] = [undefined];
  for (const [name, row] of index) if (row > 0) rows[row] = { name };
  for (const s of snaps) {
    stats.total += s.total;
    stats.totalErrors += s.totalErrors;
    for (const [code, n] of s.errorCodes) stats.errorCodes.set(code, (stats.errorCodes.get(code) ?? 0) + n);
    for (const c of s.commands) {
      const row = index.get(c.name)!;
      stats.calls[row] += c.calls;
      stats.errors[row] += c.errors;
      stats.micros[row] += c.micros;
      for (let b = 0; b < LATENCY_BUCKETS; b++) stats.histogram[row * LATENCY_BUCKETS + b] += c.histogram[b];
    }
  }
  return { stats, rows };
}

function mergeNodes(snaps: readonly WorkerSnapshot[]): NodeView[] {
  const byAddress = new Map<string, { address: string; dedicatedOpen: number; conns: { state: ConnState; inFlight: number; queued: number }[] }>();
  for (const s of snaps) {
    for (const n of s.nodes) {
      let node = byAddress.get(n.address);
      if (!node) byAddress.set(n.address, (node = { address: n.address, dedicatedOpen: 0, conns: [] }));
      node.dedicatedOpen += n.dedicated;
      for (const [state, inFlight, queued] of n.conns) node.conns.push({ state, inFlight, queued });
    }
  }
  return [...byAddress.values()].map((n) => ({ address: n.address, dedicatedOpen: n.dedicatedOpen, multiplexed: () => n.conns }));
}

/**
 * Each replica as the workers' pollers see it together: usable only if usable for all, the
 * largest lag, the reads of all; the offset and reason of the worker that sees it worst.
 */
function mergeReplicas(snaps: readonly WorkerSnapshot[]): ReplicaView[] {
  const byAddress = new Map<string, ReplicaView>();
  for (const s of snaps) {
    for (const r of s.replicas) {
      const seen = byAddress.get(r.address);
      if (!seen) {
        byAddress.set(r.address, { ...r });
        continue;
      }
      const worse = !r.usable || r.lagMs > seen.lagMs ? r : seen;
      byAddress.set(r.address, { ...worse, usable: seen.usable && r.usable, lagMs: Math.max(seen.lagMs, r.lagMs), reads: seen.reads + r.reads });
    }
  }
  return [...byAddress.values()];
}

function newestSlotMap(snaps: readonly WorkerSnapshot[]): SlotMapView {
  const m = snaps.reduce((a, b) => (b.slotMap.createdAt > a.slotMap.createdAt ? b : a)).slotMap;
  return { masters: m.masters, replicas: new Map(m.replicas), createdAt: m.createdAt, coveredSlots: () => m.covered };
}

function mergeRefresher(snaps: readonly WorkerSnapshot[]): RefresherStats {
  const latest = snaps.reduce((a, b) => (b.refresher.lastAt > a.refresher.lastAt ? b : a)).refresher;
  const failed = snaps.find((s) => s.refresher.lastError)?.refresher.lastError ?? '';
  return { refreshes: sum(snaps, (s) => s.refresher.refreshes), failures: sum(snaps, (s) => s.refresher.failures), lastAt: latest.lastAt, lastReason: latest.lastReason, lastError: failed };
}

function mergeUsage(snaps: readonly WorkerSnapshot[]): ProcessUsage {
  const m = (k: keyof NodeJS.MemoryUsage): number => sum(snaps, (s) => s.usage.memory[k]);
  return {
    memory: { rss: m('rss'), heapTotal: m('heapTotal'), heapUsed: m('heapUsed'), external: m('external'), arrayBuffers: m('arrayBuffers') },
    cpu: { user: sum(snaps, (s) => s.usage.cpu.user), system: sum(snaps, (s) => s.usage.cpu.system) },
  };
}

/**
 * The whole proxy as one ProxyView: counters summed, histograms merged, the newest slot map,
 * memory and CPU of all workers together. `config` is the settings of the process asking
 * (workers share them). Needs at least one snapshot.
 */
export class ClusterView implements ProxyView {
  readonly version: string;
  readonly clusterVersion: string;
  readonly startedAt: number;
  readonly listenPort: number;
  readonly scanners: { kind: string };
  readonly stats: ProxyStats;
  readonly sessions: { flags: string }[] & { size: number };
  readonly commandStats: CommandStats;
  readonly slowlog: { readonly length: number };
  readonly table: { rows: ({ name: string } | undefined)[] };
  readonly router: { stats: RouterStats; readStats: ReadStatsView; slotMap: SlotMapView; allNodes(): readonly NodeView[]; replicaStates(): readonly ReplicaView[] };
  readonly refresher: { stats: RefresherStats };
  readonly clientMemory: { used: number; limit: number };
  readonly workers: number;
  readonly pids: number[];
  private readonly processUsage: ProcessUsage;

  constructor(
    readonly config: Config,
    snaps: readonly WorkerSnapshot[],
  ) {
    if (snaps.length === 0) throw new Error('no worker answered');
    const first = snaps[0];
    this.version = first.version;
    this.clusterVersion = first.clusterVersion;
    this.startedAt = Math.min(...snaps.map((s) => s.startedAt));
    this.listenPort = first.listenPort;
    this.scanners = { kind: first.scanners };
    this.workers = snaps.length;
    this.pids = snaps.map((s) => s.pid);
    this.stats = {
      connectionsReceived: sum(snaps, (s) => s.stats.connectionsReceived),
      connectionsRejected: sum(snaps, (s) => s.stats.connectionsRejected),
      commandsProcessed: sum(snaps, (s) => s.stats.commandsProcessed),
      evictedClients: sum(snaps, (s) => s.stats.evictedClients),
    };
    this.clientMemory = { used: sum(snaps, (s) => s.clientMemory.used), limit: sum(snaps, (s) => s.clientMemory.limit) };
    const sessions = sessionsOf(snaps);
    this.sessions = Object.assign(sessions, { size: sessions.length });
    const { stats, rows } = mergeCommands(snaps);
    this.commandStats = stats;
    this.table = { rows };
    // only the length is shown (slowlog_len); SLOWLOG GET stays each worker's own
    this.slowlog = { length: sum(snaps, (s) => s.slowlogLen) };
    const nodes = mergeNodes(snaps);
    const replicas = mergeReplicas(snaps);
    this.router = {
      stats: {
        moved: sum(snaps, (s) => s.router.moved),
        ask: sum(snaps, (s) => s.router.ask),
        tryagain: sum(snaps, (s) => s.router.tryagain),
        clusterdown: sum(snaps, (s) => s.router.clusterdown),
        reroutes: sum(snaps, (s) => s.router.reroutes),
      },
      readStats: {
        replica: sum(snaps, (s) => s.reads.replica),
        master: sum(snaps, (s) => s.reads.master),
        ownWrites: sum(snaps, (s) => s.reads.ownWrites),
        retried: sum(snaps, (s) => s.reads.retried),
      },
      slotMap: newestSlotMap(snaps),
      allNodes: () => nodes,
      replicaStates: () => replicas,
    };
    this.refresher = { stats: mergeRefresher(snaps) };
    this.processUsage = mergeUsage(snaps);
  }

  usage(): ProcessUsage {
    return this.processUsage;
  }
}

// Prometheus metrics of one proxy, in a registry of its own (several proxies may share a process,
// as the tests do). Every value is read from the proxy when scraped — the command statistics,
// the router's and refresher's counters, the sessions and backend connections — so serving
// metrics adds nothing to the request path.
import { collectDefaultMetrics, Counter, Gauge, Registry, type Metric } from 'prom-client';
import { LATENCY_BUCKETS } from './command-stats';
import { backendConnections, clientCounts, commandName, processUsage, replicaCount, replicaLines, trackingView, type ProxyView } from './view';

export const PREFIX = 'slotproxy_';

type Labels = Record<string, string>;
type Sample = [Labels, number];

export interface MetricDef {
  name: string;
  type: 'counter' | 'gauge' | 'histogram';
  help: string;
  labels: string[];
  /** counters and gauges: the samples now */
  read?(view: ProxyView): Sample[];
}

/**
 * Latency buckets exposed (indexes into CommandStats' power-of-two histogram): 16 µs to 33.5 s.
 * Bucket b of CommandStats holds [2^(b-1), 2^b) µs, so the cumulative count up to b is the count
 * of requests faster than 2^b µs: that is the `le` of bucket b, in seconds.
 */
export const FIRST_BUCKET = 4;
export const LAST_BUCKET = 25;
export const bucketBound = (b: number): number => 2 ** b / 1e6;

function perCommand(view: ProxyView, pick: (row: number) => number): Sample[] {
  const out: Sample[] = [];
  const calls = view.commandStats.calls;
  for (let row = 0; row < calls.length; row++) if (calls[row] > 0) out.push([{ command: commandName(view, row) }, pick(row)]);
  return out;
}

const one = (v: number): Sample[] => [[{}, v]];

/** The proxy's own metrics (names without PREFIX), in the order they are exposed and documented. */
export const METRICS: readonly MetricDef[] = [
  {
    name: 'requests_total',
    type: 'counter',
    help: 'Requests answered, by command (as INFO commandstats names them; unknown: unknown commands and protocol errors).',
    labels: ['command'],
    read: (v) => perCommand(v, (row) => v.commandStats.calls[row]),
  },
  {
    name: 'request_errors_total',
    type: 'counter',
    help: 'Requests answered with an error reply, by command.',
    labels: ['command'],
    read: (v) => perCommand(v, (row) => v.commandStats.errors[row]),
  },
  {
    name: 'request_duration_seconds',
    type: 'histogram',
    help: 'Time from reading a request to handing its reply to the client, by command.',
    labels: ['command'],
  },
  {
    name: 'commands_processed_total',
    type: 'counter',
    help: 'Commands read from clients (INFO total_commands_processed).',
    labels: [],
    read: (v) => one(v.stats.commandsProcessed),
  },
  {
    name: 'connections_received_total',
    type: 'counter',
    help: 'Client connections accepted or refused (INFO total_connections_received).',
    labels: [],
    read: (v) => one(v.stats.connectionsReceived),
  },
  {
    name: 'connections_rejected_total',
    type: 'counter',
    help: 'Client connections refused because of SLOTPROXY_MAX_CLIENTS.',
    labels: [],
    read: (v) => one(v.stats.connectionsRejected),
  },
  {
    name: 'evicted_clients_total',
    type: 'counter',
    help: 'Clients closed because all clients together held more than SLOTPROXY_MAXMEMORY_CLIENTS (INFO evicted_clients).',
    labels: [],
    read: (v) => one(v.stats.evictedClients),
  },
  {
    name: 'client_memory_bytes',
    type: 'gauge',
    help: 'Bytes the clients hold: unfinished commands and replies their sockets have not taken (INFO mem_clients_normal).',
    labels: [],
    read: (v) => one(v.clientMemory.used),
  },
  {
    name: 'client_memory_limit_bytes',
    type: 'gauge',
    help: 'SLOTPROXY_MAXMEMORY_CLIENTS in bytes (0: no limit).',
    labels: [],
    read: (v) => one(v.clientMemory.limit),
  },
  {
    name: 'connected_clients',
    type: 'gauge',
    help: 'Client connections open.',
    labels: [],
    read: (v) => one(v.sessions.size),
  },
  {
    name: 'clients',
    type: 'gauge',
    help: 'Client connections by what they are doing: normal, blocked (in a blocking command), subscribed, transaction (inside MULTI).',
    labels: ['state'],
    read: (v) => Object.entries(clientCounts(v.sessions)).map(([state, n]): Sample => [{ state }, n]),
  },
  {
    name: 'tracking_clients',
    type: 'gauge',
    help: 'Clients with CLIENT TRACKING on.',
    labels: [],
    read: (v) => one(trackingView(v).clients),
  },
  {
    name: 'tracking_keys',
    type: 'gauge',
    help: 'Keys in the proxy’s tracking table (read by tracking clients since their last invalidation).',
    labels: [],
    read: (v) => one(trackingView(v).keys),
  },
  {
    name: 'tracking_keys_limit',
    type: 'gauge',
    help: 'SLOTPROXY_TRACKING_TABLE_MAX_KEYS: past it the oldest keys are invalidated for their clients.',
    labels: [],
    read: (v) => one(trackingView(v).maxKeys),
  },
  {
    name: 'backend_connections',
    type: 'gauge',
    help: 'Multiplexed connections to cluster nodes by node and state (ready, connecting, closed).',
    labels: ['node', 'state'],
    read: (v) =>
      backendConnections(v).flatMap((c): Sample[] => [
        [{ node: c.address, state: 'ready' }, c.ready],
        [{ node: c.address, state: 'connecting' }, c.connecting],
        [{ node: c.address, state: 'closed' }, c.closed],
      ]),
  },
  {
    name: 'backend_dedicated_connections',
    type: 'gauge',
    help: 'Dedicated connections open to each node (blocking commands, transactions, pub/sub).',
    labels: ['node'],
    read: (v) => backendConnections(v).map((c): Sample => [{ node: c.address }, c.dedicated]),
  },
  {
    name: 'backend_inflight_requests',
    type: 'gauge',
    help: 'Commands written to a node over its multiplexed connections and not answered yet.',
    labels: ['node'],
    read: (v) => backendConnections(v).map((c): Sample => [{ node: c.address }, c.inFlight]),
  },
  {
    name: 'backend_queued_requests',
    type: 'gauge',
    help: 'Commands routed to a node and not written yet (its connection is not ready, or the write is due this event-loop turn).',
    labels: ['node'],
    read: (v) => backendConnections(v).map((c): Sample => [{ node: c.address }, c.queued]),
  },
  {
    name: 'redirects_total',
    type: 'counter',
    help: 'Redirect and retry replies from the cluster the proxy handled, by kind (moved, ask, tryagain, clusterdown).',
    labels: ['kind'],
    read: (v) => {
      const s = v.router.stats;
      return [
        [{ kind: 'moved' }, s.moved],
        [{ kind: 'ask' }, s.ask],
        [{ kind: 'tryagain' }, s.tryagain],
        [{ kind: 'clusterdown' }, s.clusterdown],
      ];
    },
  },
  {
    name: 'reroutes_total',
    type: 'counter',
    help: 'Unwritten commands routed again after a topology change or a lost connection.',
    labels: [],
    read: (v) => one(v.router.stats.reroutes),
  },
  {
    name: 'reads_total',
    type: 'counter',
    help: 'Reads a replica could serve, by the role of the node that served them (replica, master); counted while replicas take reads (SLOTPROXY_READ_FROM other than master, or a client sent READONLY).',
    labels: ['node_role'],
    read: (v) => [
      [{ node_role: 'replica' }, v.router.readStats.replica],
      [{ node_role: 'master' }, v.router.readStats.master],
    ],
  },
  {
    name: 'reads_own_writes_total',
    type: 'counter',
    help: 'Reads sent to the master because of the client’s own writes (unanswered, or not on a usable replica yet): the cost of read-your-writes.',
    labels: [],
    read: (v) => one(v.router.readStats.ownWrites),
  },
  {
    name: 'replica_read_retries_total',
    type: 'counter',
    help: 'Reads a replica failed (lost connection, LOADING, silent past SLOTPROXY_REPLICA_MAX_LAG_MS) that the master answered instead.',
    labels: [],
    read: (v) => one(v.router.readStats.retried),
  },
  {
    name: 'replica_lag_seconds',
    type: 'gauge',
    help: 'How far behind its master each replica is at most, as the proxy measures it (replicas measured so far, while replicas take reads).',
    labels: ['node', 'master'],
    read: (v) => replicaLines(v).filter((r) => r.lagMs >= 0).map((r): Sample => [{ node: r.address, master: r.master }, r.lagMs / 1000]),
  },
  {
    name: 'replica_usable',
    type: 'gauge',
    help: '1 for a replica that takes reads now, 0 for one that is down, loading or lagging (INFO replicas says why).',
    labels: ['node', 'master'],
    read: (v) => replicaLines(v).map((r): Sample => [{ node: r.address, master: r.master }, r.usable ? 1 : 0]),
  },
  {
    name: 'topology_refreshes_total',
    type: 'counter',
    help: 'Topology refreshes (CLUSTER SLOTS) that succeeded.',
    labels: [],
    read: (v) => one(v.refresher.stats.refreshes ?? 0),
  },
  {
    name: 'topology_refresh_failures_total',
    type: 'counter',
    help: 'Topology refreshes where no node answered CLUSTER SLOTS.',
    labels: [],
    read: (v) => one(v.refresher.stats.failures ?? 0),
  },
  {
    name: 'slot_map_age_seconds',
    type: 'gauge',
    help: 'Seconds since the slot map in use was built from CLUSTER SLOTS.',
    labels: [],
    read: (v) => one((Date.now() - v.router.slotMap.createdAt) / 1000),
  },
  {
    name: 'cluster_masters',
    type: 'gauge',
    help: 'Masters serving slots in the slot map.',
    labels: [],
    read: (v) => one(v.router.slotMap.masters.length),
  },
  {
    name: 'cluster_replicas',
    type: 'gauge',
    help: 'Replicas the slot map knows of.',
    labels: [],
    read: (v) => one(replicaCount(v.router.slotMap)),
  },
  {
    name: 'cluster_slots_served',
    type: 'gauge',
    help: 'Slots with a master in the slot map (16384 when the cluster is whole).',
    labels: [],
    read: (v) => one(v.router.slotMap.coveredSlots()),
  },
  {
    name: 'slowlog_length',
    type: 'gauge',
    help: 'Entries in SLOWLOG.',
    labels: [],
    read: (v) => one(v.slowlog.length),
  },
  {
    name: 'workers',
    type: 'gauge',
    help: 'Worker processes sharing the port (SLOTPROXY_WORKERS); every other metric adds all of them up.',
    labels: [],
    read: (v) => one(v.workers ?? 1),
  },
  {
    name: 'workers_resident_memory_bytes',
    type: 'gauge',
    help: 'Resident memory of the processes that serve clients (the one process, or all workers).',
    labels: [],
    read: (v) => one(processUsage(v).memory.rss),
  },
  {
    name: 'workers_cpu_seconds_total',
    type: 'counter',
    help: 'User and system CPU seconds of the processes that serve clients (the one process, or all workers).',
    labels: [],
    read: (v) => {
      const cpu = processUsage(v).cpu;
      return one((cpu.user + cpu.system) / 1e6);
    },
  },
  {
    name: 'info',
    type: 'gauge',
    help: 'Always 1; the labels say which slotproxy, Redis version of the cluster and scanners run.',
    labels: ['version', 'redis_version', 'scanners'],
    read: (v) => [[{ version: v.version, redis_version: v.clusterVersion, scanners: v.scanners.kind }, 1]],
  },
];

/**
 * The latency histogram, built from CommandStats' buckets when scraped. prom-client's Histogram
 * only learns values one observe() at a time; this object gives the registry the same shape of
 * output from counts the proxy already keeps.
 */
class ScrapedHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly source: () => ProxyView,
  ) {}

  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: { labels: Labels; value: number; metricName: string }[] }> {
    const view = this.source();
    const stats = view.commandStats;
    const values: { labels: Labels; value: number; metricName: string }[] = [];
    for (let row = 0; row < stats.calls.length; row++) {
      const calls = stats.calls[row];
      if (calls === 0) continue;
      const command = commandName(view, row);
      let cumulative = 0;
      for (let b = 0; b <= LAST_BUCKET; b++) {
        cumulative += stats.histogram[row * LATENCY_BUCKETS + b];
        if (b >= FIRST_BUCKET) values.push({ metricName: `${this.name}_bucket`, labels: { command, le: String(bucketBound(b)) }, value: cumulative });
      }
      values.push({ metricName: `${this.name}_bucket`, labels: { command, le: '+Inf' }, value: calls });
      values.push({ metricName: `${this.name}_sum`, labels: { command }, value: stats.micros[row] / 1e6 });
      values.push({ metricName: `${this.name}_count`, labels: { command }, value: calls });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {}
}

/**
 * A registry with the proxy's metrics and, unless `processMetrics` is false, prom-client's
 * process and Node.js metrics under the same prefix. `view` may be a function returning the view
 * to read at each scrape (the primary of several workers builds a new one per scrape).
 */
export function createMetricsRegistry(view: ProxyView | (() => ProxyView), options: { processMetrics?: boolean } = {}): Registry {
  const source = typeof view === 'function' ? view : () => view;
  const registry = new Registry();
  const registers = [registry];
  for (const def of METRICS) {
    const name = PREFIX + def.name;
    const read = def.read;
    if (def.type === 'histogram') {
      // the registry only calls get() and reset() of what it holds
      registry.registerMetric(new ScrapedHistogram(name, def.help, source) as unknown as Metric);
    } else if (def.type === 'counter') {
      new Counter({
        name,
        help: def.help,
        labelNames: def.labels,
        registers,
        collect() {
          this.reset();
          for (const [labels, value] of read!(source())) this.inc(labels, value);
        },
      });
    } else {
      new Gauge({
        name,
        help: def.help,
        labelNames: def.labels,
        registers,
        collect() {
          this.reset();
          for (const [labels, value] of read!(source())) this.set(labels, value);
        },
      });
    }
  }
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: PREFIX });
  return registry;
}

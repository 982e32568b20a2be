// The proxy's INFO, section by section, in Redis 7's format (src/server.c genRedisInfoString):
// "# Section" headers, "field:value" lines, sections separated by an empty line. Every field is
// declared once here with what it means, so docs/metrics.md is rendered from the same table.
import { createHash } from 'node:crypto';
import os from 'node:os';
import { LATENCY_BUCKETS, type CommandStats } from './command-stats';
import { errorStatLines } from './error-stats';
import { NO_MASTERS, type MastersInfo } from './masters-info';
import { backendConnections, clientCounts, commandName, processUsage, replicaCount, replicaLines, trackingView, type NodeConnections, type ProcessUsage, type ProxyView } from './view';

type Value = string | number;

/** What a field is computed from; the costlier parts are computed once per INFO, on first use. */
class InfoInput {
  private use: ProcessUsage | null = null;
  private conns: NodeConnections[] | null = null;
  private clients: ReturnType<typeof clientCounts> | null = null;
  readonly now = Date.now();

  constructor(
    readonly view: ProxyView,
    readonly masters: MastersInfo,
  ) {}

  get usage(): ProcessUsage {
    return (this.use ??= processUsage(this.view));
  }

  get memory(): NodeJS.MemoryUsage {
    return this.usage.memory;
  }

  get connections(): NodeConnections[] {
    return (this.conns ??= backendConnections(this.view));
  }

  get clientsByState(): ReturnType<typeof clientCounts> {
    return (this.clients ??= clientCounts(this.view.sessions));
  }

  get usedMemory(): number {
    return this.memory.heapUsed + this.memory.external;
  }

  get uptime(): number {
    return Math.floor((this.now - this.view.startedAt) / 1000);
  }

  sumConnections(pick: (c: NodeConnections) => number): number {
    return this.connections.reduce((n, c) => n + pick(c), 0);
  }
}

interface Field {
  name: string;
  help: string;
  value(input: InfoInput): Value;
}

interface Section {
  /** the header as Redis prints it */
  title: string;
  fields: Field[];
  /** lines that depend on what happened (one per command, node, database) */
  dynamic?: { pattern: string; help: string; lines(input: InfoInput): [string, Value][] };
}

const f = (name: string, help: string, value: (input: InfoInput) => Value): Field => ({ name, help, value });
/** A field merged from the masters' INFO (lib/metrics/masters-info.ts says how). */
const m = (name: string, help: string, fallback: Value = 0): Field => f(name, help, (i) => i.masters.fields.get(name) ?? fallback);
/** "name:value" lines as [name, value] pairs. */
const asFields = (lines: readonly string[]): [string, Value][] =>
  lines.map((line) => {
    const at = line.indexOf(':');
    return [line.slice(0, at), line.slice(at + 1)];
  });
/** Lines of a section printed as the masters print them, each field merged. */
const fromMasters = (section: string) => (i: InfoInput): [string, Value][] =>
  (i.masters.sections.get(section) ?? []).map((name) => [name, i.masters.fields.get(name)!]);

/** Redis's bytesToHuman. */
export function bytesToHuman(n: number): string {
  const units = ['K', 'M', 'G', 'T', 'P'];
  if (n < 1024) return `${n}B`;
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(2)}${units[i]}`;
}

/** INFO values are one line: a multi-line error message must not break the format. */
const oneLine = (s: string): string => s.replace(/[\r\n]+/g, ' ');

const runIds = new WeakMap<object, string>();

/** Redis prints a random 40-hex run id per process start; a proxy gets one per start. */
function runId(view: ProxyView): string {
  let id = runIds.get(view);
  if (!id) {
    id = createHash('sha1').update(`${process.pid}:${view.startedAt}:${view.listenPort}:${Math.random()}`).digest('hex');
    runIds.set(view, id);
  }
  return id;
}

/** `usec_per_call` and the percentiles are printed as Redis prints them (%.2f, %.3f). */
export function commandStatLine(stats: CommandStats, row: number): string {
  const calls = stats.calls[row];
  const usec = Math.round(stats.micros[row]);
  const perCall = calls === 0 ? 0 : stats.micros[row] / calls;
  return `calls=${calls},usec=${usec},usec_per_call=${perCall.toFixed(2)},rejected_calls=0,failed_calls=${stats.errors[row]}`;
}

/** The percentiles Redis reports by default (latency-tracking-info-percentiles "50 99 99.9"). */
export const INFO_PERCENTILES = [50, 99, 99.9];

export function latencyLine(stats: CommandStats, row: number): string {
  return INFO_PERCENTILES.map((p) => `p${p}=${stats.percentile(row, p).toFixed(3)}`).join(',');
}

/** Rows with calls, by name (Redis prints them in its dict order, which is no order at all). */
function calledRows(view: ProxyView): number[] {
  const rows: number[] = [];
  const stats = view.commandStats;
  // row 0 gathers unknown commands: Redis has no cmdstat for those (they are error replies)
  for (let row = 1; row < stats.calls.length; row++) if (stats.calls[row] > 0) rows.push(row);
  return rows.sort((a, b) => commandName(view, a).localeCompare(commandName(view, b)));
}

export const SECTIONS: Readonly<Record<string, Section>> = {
  server: {
    title: 'Server',
    fields: [
      f('redis_version', 'redis_version of the cluster (what clients check features against)', (i) => i.view.clusterVersion),
      f('slotproxy_version', 'version of slotproxy', (i) => i.view.version),
      f('redis_mode', 'always cluster: the proxy is a one-node cluster (CLUSTER SLOTS, HELLO and cluster_enabled say the same)', () => 'cluster'),
      f('os', 'operating system', () => `${os.type()} ${os.release()} ${os.arch()}`),
      f('arch_bits', '64 or 32', () => (process.arch.includes('64') ? 64 : 32)),
      f('node_version', 'Node.js version', () => process.version),
      f('process_id', 'pid of the process that answered (a worker, when several run)', () => process.pid),
      f('slotproxy_workers', 'worker processes sharing the port (SLOTPROXY_WORKERS); the other sections add all of them up', (i) => i.view.workers ?? 1),
      f('run_id', 'random id of this start of the proxy', (i) => runId(i.view)),
      f('tcp_port', 'port clients connect to', (i) => i.view.listenPort),
      f('uptime_in_seconds', 'seconds since the proxy started', (i) => i.uptime),
      f('uptime_in_days', 'days since the proxy started', (i) => Math.floor(i.uptime / 86400)),
      f('executable', 'script the proxy runs from', () => process.argv[1] ?? ''),
      f('scanners', 'request/reply scanners in use (native addon or js)', (i) => i.view.scanners.kind),
    ],
  },
  clients: {
    title: 'Clients',
    fields: [
      f('connected_clients', 'client connections', (i) => i.view.sessions.size),
      f('maxclients', 'SLOTPROXY_MAX_CLIENTS', (i) => i.view.config.maxClients),
      f('blocked_clients', 'clients waiting in a blocking command (BLPOP, XREAD BLOCK ...)', (i) => i.clientsByState.blocked),
      f('pubsub_clients', 'clients in subscribed mode', (i) => i.clientsByState.subscribed),
      f('transaction_clients', 'clients inside MULTI', (i) => i.clientsByState.transaction),
      f('tracking_clients', 'clients with CLIENT TRACKING on', (i) => trackingView(i.view).clients),
    ],
  },
  memory: {
    title: 'Memory',
    fields: [
      f('used_memory', 'bytes of V8 heap in use plus memory held outside it (Buffers)', (i) => i.usedMemory),
      f('used_memory_human', 'used_memory, human readable', (i) => bytesToHuman(i.usedMemory)),
      f('used_memory_rss', 'resident set size of the proxy (all its workers)', (i) => i.memory.rss),
      f('used_memory_rss_human', 'used_memory_rss, human readable', (i) => bytesToHuman(i.memory.rss)),
      f('used_memory_heap_total', 'bytes V8 reserved for its heap', (i) => i.memory.heapTotal),
      f('used_memory_heap_used', 'bytes of V8 heap in use', (i) => i.memory.heapUsed),
      f('used_memory_external', 'bytes of C++ objects bound to JS objects (Buffers among them)', (i) => i.memory.external),
      f('used_memory_array_buffers', 'bytes of ArrayBuffers and Buffers', (i) => i.memory.arrayBuffers),
      f('total_system_memory', 'memory of the machine', () => os.totalmem()),
      f('total_system_memory_human', 'total_system_memory, human readable', () => bytesToHuman(os.totalmem())),
      m('maxmemory', 'the masters’ maxmemory summed (0 when one of them has no limit)'),
      f('maxmemory_human', 'maxmemory, human readable', (i) => bytesToHuman(Number(i.masters.fields.get('maxmemory') ?? 0))),
      m('maxmemory_policy', 'the masters’ maxmemory-policy (their distinct values joined by "," when they differ)', 'noeviction'),
      f('mem_clients_normal', 'bytes the clients hold: unfinished commands and replies their sockets have not taken (what SLOTPROXY_MAXMEMORY_CLIENTS counts)', (i) => i.view.clientMemory.used),
      f('maxmemory_clients', 'SLOTPROXY_MAXMEMORY_CLIENTS in bytes, for all workers together (0: none) (slotproxy)', (i) => i.view.clientMemory.limit),
      f('mem_fragmentation_ratio', 'used_memory_rss / used_memory', (i) => (i.usedMemory ? i.memory.rss / i.usedMemory : 0).toFixed(2)),
      f('mem_allocator', 'the V8 heap', () => `v8-${process.versions.v8}`),
    ],
  },
  persistence: {
    title: 'Persistence',
    fields: [],
    dynamic: {
      pattern: 'the masters’ persistence fields (loading, rdb_*, aof_* ...)',
      help: 'merged: counters summed, in-progress flags and durations the largest, rdb_last_save_time the oldest, aof_enabled 1 only when every master has it, statuses ok only when every master is ok; loading:0 when no master answered',
      lines: (i) => (i.masters.answered ? fromMasters('persistence')(i) : [['loading', 0]]),
    },
  },
  stats: {
    title: 'Stats',
    fields: [
      f('total_connections_received', 'client connections accepted (and refused for maxclients)', (i) => i.view.stats.connectionsReceived),
      f('total_commands_processed', 'commands read from clients', (i) => i.view.stats.commandsProcessed),
      f('rejected_connections', 'connections refused because of SLOTPROXY_MAX_CLIENTS', (i) => i.view.stats.connectionsRejected),
      m('expired_keys', 'keys expired on the masters, summed'),
      m('evicted_keys', 'keys evicted on the masters, summed'),
      f('evicted_clients', 'clients closed because all clients together held more than SLOTPROXY_MAXMEMORY_CLIENTS (the biggest first)', (i) => i.view.stats.evictedClients),
      m('keyspace_hits', 'key lookups that found the key, summed over the masters'),
      m('keyspace_misses', 'key lookups that did not, summed over the masters'),
      m('pubsub_channels', 'channels with subscribers, summed over the masters'),
      m('pubsub_patterns', 'patterns with subscribers, summed over the masters'),
      m('pubsubshard_channels', 'shard channels with subscribers, summed over the masters'),
      m('latest_fork_usec', 'the longest of the masters’ latest fork'),
      m('total_forks', 'forks of the masters, summed'),
      f('total_error_replies', 'error replies sent to clients (the cluster’s and the proxy’s own; errors inside an EXEC reply count one each, as in Redis)', (i) => i.view.commandStats.totalErrors),
      f('total_replies', 'replies sent to clients, errors included (slotproxy)', (i) => i.view.commandStats.total),
      f('slowlog_len', 'entries in SLOWLOG (slotproxy)', (i) => i.view.slowlog.length),
      f('tracking_total_keys', 'keys in the proxy’s tracking table (read by tracking clients since their last invalidation)', (i) => trackingView(i.view).keys),
      f('tracking_total_items', 'key-client pairs in the tracking table', (i) => trackingView(i.view).items),
      f('tracking_total_prefixes', 'BCAST prefixes the masters are asked to track (the fewest covering every BCAST client’s)', (i) => trackingView(i.view).prefixes),
      f('tracking_table_max_keys', 'SLOTPROXY_TRACKING_TABLE_MAX_KEYS: past it the oldest keys are invalidated (slotproxy)', (i) => trackingView(i.view).maxKeys),
    ],
  },
  replication: {
    title: 'Replication',
    fields: [
      f('role', 'always master: clients write through the proxy', () => 'master'),
      m('connected_slaves', 'the fewest replicas any master has (what WAIT can count on for every key); no slaveN lines: replicas cannot attach through the proxy'),
      m('master_failover_state', 'no-failover unless a master is in a manual failover', 'no-failover'),
      f('master_replid', 'changes whenever one of the masters’ replication ids does (a hash of them)', (i) => i.masters.replid),
      f('master_replid2', 'always 0000...', () => '0'.repeat(40)),
      m('master_repl_offset', 'the masters’ replication offsets summed (grows with every write)'),
      f('second_repl_offset', 'always -1', () => -1),
      m('repl_backlog_active', '1 when every master has a backlog'),
      m('repl_backlog_size', 'the smallest backlog of the masters'),
      m('repl_backlog_first_byte_offset', 'the masters’ first backlog offsets summed (with master_repl_offset, it spans the backlogs)'),
      m('repl_backlog_histlen', 'bytes in the masters’ backlogs, summed'),
    ],
  },
  cpu: {
    title: 'CPU',
    fields: [
      f('used_cpu_sys', 'system CPU seconds of the proxy (all its workers)', (i) => (i.usage.cpu.system / 1e6).toFixed(6)),
      f('used_cpu_user', 'user CPU seconds of the proxy (all its workers)', (i) => (i.usage.cpu.user / 1e6).toFixed(6)),
    ],
  },
  modules: {
    title: 'Modules',
    fields: [],
    dynamic: {
      pattern: 'module:name=<name>,ver=N,api=N,filters=N,usedby=[],using=[],options=[]',
      help: 'the modules the first master that answered has loaded (their commands are routed by their key specs)',
      lines: (i) => asFields(i.masters.modules),
    },
  },
  commandstats: {
    title: 'Commandstats',
    fields: [],
    dynamic: {
      pattern: 'cmdstat_<command>:calls=N,usec=N,usec_per_call=N.NN,rejected_calls=0,failed_calls=N',
      help:
        'per command (subcommands as `client|id`) that was called: replies, total microseconds from reading the command to handing its reply to the client, error replies (failed_calls; refusals by the proxy count there too)',
      lines: (i) => calledRows(i.view).map((row) => [`cmdstat_${commandName(i.view, row)}`, commandStatLine(i.view.commandStats, row)]),
    },
  },
  errorstats: {
    title: 'Errorstats',
    fields: [],
    dynamic: {
      pattern: 'errorstat_<PREFIX>:count=N',
      help: 'error replies sent to clients by their first word (ERR, WRONGTYPE, NOGROUP ...), as Redis counts them: the proxy’s own refusals, the nodes’ errors it passes on, and the errors inside EXEC replies; errors a script caught with pcall are not seen',
      lines: (i) => errorStatLines(i.view.commandStats.errorCodes),
    },
  },
  latencystats: {
    title: 'Latencystats',
    fields: [],
    dynamic: {
      pattern: 'latency_percentiles_usec_<command>:p50=N.NNN,p99=N.NNN,p99.9=N.NNN',
      help: `per command that was called: latency percentiles in microseconds, as the upper bound of a power-of-two histogram bucket (${LATENCY_BUCKETS} buckets)`,
      lines: (i) => calledRows(i.view).map((row) => [`latency_percentiles_usec_${commandName(i.view, row)}`, latencyLine(i.view.commandStats, row)]),
    },
  },
  cluster: {
    title: 'Cluster',
    fields: [
      f('cluster_enabled', 'always 1: the proxy answers CLUSTER SLOTS/SHARDS/NODES as a one-node cluster, so cluster clients start against it; plain clients see no difference', () => 1),
      f('cluster_masters', 'masters serving slots in the proxy’s slot map', (i) => i.view.router.slotMap.masters.length),
      f('cluster_replicas', 'replicas the slot map knows of', (i) => replicaCount(i.view.router.slotMap)),
      f('cluster_known_nodes', 'masters plus replicas', (i) => i.view.router.slotMap.masters.length + replicaCount(i.view.router.slotMap)),
      f('cluster_slots_served', 'slots with a master (16384 when the cluster is whole)', (i) => i.view.router.slotMap.coveredSlots()),
      f('cluster_slot_map_age_seconds', 'seconds since the slot map was built from CLUSTER SLOTS (MOVED patches keep its age)', (i) =>
        Math.floor((i.now - i.view.router.slotMap.createdAt) / 1000),
      ),
      f('cluster_refreshes', 'topology refreshes that succeeded', (i) => i.view.refresher.stats.refreshes ?? 0),
      f('cluster_refresh_failures', 'topology refreshes where no node answered CLUSTER SLOTS', (i) => i.view.refresher.stats.failures ?? 0),
      f('cluster_last_refresh_reason', 'why the latest refresh was asked for (periodic, MOVED, connection lost ...)', (i) => oneLine(i.view.refresher.stats.lastReason ?? '')),
      f('cluster_last_refresh_error', 'error of the latest failed refresh (empty if none failed)', (i) => oneLine(i.view.refresher.stats.lastError ?? '')),
      f('cluster_last_refresh_age_seconds', 'seconds since the latest successful refresh (-1: none yet)', (i) => {
        const at = i.view.refresher.stats.lastAt ?? 0;
        return at ? Math.floor((i.now - at) / 1000) : -1;
      }),
      f('cluster_moved', 'MOVED replies the proxy followed', (i) => i.view.router.stats.moved),
      f('cluster_ask', 'ASK replies the proxy followed', (i) => i.view.router.stats.ask),
      f('cluster_tryagain', 'TRYAGAIN replies retried', (i) => i.view.router.stats.tryagain),
      f('cluster_clusterdown', 'CLUSTERDOWN replies retried', (i) => i.view.router.stats.clusterdown),
      f('cluster_reroutes', 'unwritten commands routed again after a topology change or a lost connection', (i) => i.view.router.stats.reroutes),
      f('read_from', 'SLOTPROXY_READ_FROM: where reads of clients that sent neither READONLY nor READWRITE go', (i) => i.view.config.readFrom),
      f('reads_replicas', 'reads a replica served (counted while replicas take reads: SLOTPROXY_READ_FROM other than master, or a client sent READONLY)', (i) => i.view.router.readStats.replica),
      f('reads_masters', 'reads a replica could have served that went to their master (the client’s policy, no usable replica, or its own writes)', (i) => i.view.router.readStats.master),
      f('reads_masters_own_writes', 'of reads_masters, those sent to the master for the client’s own writes (unanswered, or not on a usable replica yet)', (i) => i.view.router.readStats.ownWrites),
      f('reads_retried_on_masters', 'reads a replica failed (lost connection, LOADING, silent) that their master answered instead', (i) => i.view.router.readStats.retried),
      f('replicas_usable', 'replicas taking reads now (polled, not loading, within SLOTPROXY_REPLICA_MAX_LAG_MS)', (i) => replicaLines(i.view).filter((r) => r.usable).length),
      f('replicas_max_lag_ms', 'the largest lag of a replica, as the proxy measures it (an upper bound; -1: none measured)', (i) => Math.max(-1, ...replicaLines(i.view).map((r) => r.lagMs))),
      f('backend_connections_ready', 'multiplexed connections to nodes that are up', (i) => i.sumConnections((c) => c.ready)),
      f('backend_connections_connecting', 'multiplexed connections being (re)established', (i) => i.sumConnections((c) => c.connecting)),
      f('backend_connections_closed', 'multiplexed connections down (waiting to reconnect)', (i) => i.sumConnections((c) => c.closed)),
      f('backend_dedicated_connections', 'dedicated connections open (blocking commands, transactions, pub/sub)', (i) => i.sumConnections((c) => c.dedicated)),
      f('backend_inflight_requests', 'commands written to nodes and not answered yet', (i) => i.sumConnections((c) => c.inFlight)),
      f('backend_queued_requests', 'commands waiting to be written to a node (connecting or this event-loop turn)', (i) => i.sumConnections((c) => c.queued)),
    ],
    dynamic: {
      pattern: 'backend_node<n>:addr=host:port,role=master|replica|unknown,ready=N,connecting=N,closed=N,dedicated=N,inflight=N,queued=N',
      help: 'per node the proxy holds connections to, masters first (unknown: no longer in the slot map)',
      lines: (i) =>
        i.connections.map((c, n) => [
          `backend_node${n}`,
          `addr=${c.address},role=${c.role},ready=${c.ready},connecting=${c.connecting},closed=${c.closed},dedicated=${c.dedicated},inflight=${c.inFlight},queued=${c.queued}`,
        ]),
    },
  },
  replicas: {
    title: 'Replicas',
    fields: [],
    dynamic: {
      pattern: 'replica<n>:addr=host:port,master=host:port,usable=0|1,lag_ms=N,offset=N,reads=N,reason=...',
      help: 'per replica of the slot map, while replicas take reads: whether it takes reads, how far behind its master it is at most (ms, -1: not measured), its replication offset, the reads it served, and why it takes none (empty when it does)',
      lines: (i) =>
        replicaLines(i.view).map((r, n) => [
          `replica${n}`,
          `addr=${r.address},master=${r.master},usable=${r.usable ? 1 : 0},lag_ms=${r.lagMs},offset=${r.offset},reads=${r.reads},reason=${oneLine(r.reason).replace(/,/g, ';')}`,
        ]),
    },
  },
  keyspace: {
    title: 'Keyspace',
    fields: [],
    dynamic: {
      pattern: 'db0:keys=N,expires=N,avg_ttl=N',
      help: 'summed over the masters (avg_ttl weighted by their expiring keys)',
      lines: (i) => asFields(i.masters.keyspace),
    },
  },
};

/** Section order of Redis 7.0 (src/server.c genRedisInfoString). */
export const SECTION_ORDER = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules', 'commandstats', 'errorstats', 'latencystats', 'cluster', 'replicas', 'keyspace'];
/** Sections of the proxy's own that Redis has no counterpart of: shown only when named. */
export const NAMED_ONLY_SECTIONS = ['replicas'];
/** What INFO without arguments (or INFO default) shows: Redis leaves the per-command sections out. */
export const DEFAULT_SECTIONS = SECTION_ORDER.filter((s) => s !== 'commandstats' && s !== 'latencystats' && !NAMED_ONLY_SECTIONS.includes(s));
/** INFO all and everything, as Redis 7.0 has them (like a module's sections under `all`, the proxy's own are left out). */
const ALL_SECTIONS = SECTION_ORDER.filter((s) => !NAMED_ONLY_SECTIONS.includes(s));
/** Sections with fields taken from the masters' INFO (lib/metrics/masters-info.ts). */
export const MASTER_SECTIONS = ['memory', 'persistence', 'stats', 'replication', 'modules', 'keyspace'];

/**
 * The sections INFO's arguments ask for, in output order: none = default; all / everything /
 * default add their sets; unknown names add nothing (an INFO of only those is empty, as in Redis).
 */
export function infoSections(args: readonly string[]): string[] {
  const wanted = new Set<string>();
  for (const raw of args.length ? args : ['default']) {
    const a = raw.toLowerCase();
    if (a === 'all' || a === 'everything') ALL_SECTIONS.forEach((s) => wanted.add(s));
    else if (a === 'default') DEFAULT_SECTIONS.forEach((s) => wanted.add(s));
    else if (a in SECTIONS) wanted.add(a);
  }
  return SECTION_ORDER.filter((s) => wanted.has(s));
}

/** INFO's text for these arguments; `masters` is what the masters said, merged (mergeMasterInfos). */
export function renderInfo(view: ProxyView, args: readonly string[], masters: MastersInfo = NO_MASTERS): string {
  const input = new InfoInput(view, masters);
  const out: string[] = [];
  for (const name of infoSections(args)) {
    const section = SECTIONS[name];
    out.push(`# ${section.title}`);
    for (const field of section.fields) out.push(`${field.name}:${field.value(input)}`);
    if (section.dynamic) for (const [k, v] of section.dynamic.lines(input)) out.push(`${k}:${v}`);
    out.push('');
  }
  return out.join('\r\n');
}

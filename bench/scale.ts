// Issue 4, how slotproxy scales: memory per idle client connection, a 30-master cluster (smoke
// load and the cost of a topology refresh), and decoding a 1,000-node CLUSTER SLOTS reply.
//   npm run bench:scale [-- --record]
// Starts its own clusters on free ports and the daemon as a child process; prints a markdown
// report and writes it to a scratch directory (its path printed at the end), or with --record to
// bench/results/scale-<date>.md, for a run the docs are to cite.
import { execSync } from 'node:child_process';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { callOnce, type ControlConnection } from '../lib/backend/control-connection';
import { OPTIONS } from '../lib/config';
import { LocalCluster, stopAllLocalServers } from '../lib/localcluster/local-cluster';
import {
  closeAll,
  connect,
  fullGc,
  infoField,
  openIdle,
  refreshCost,
  rss,
  settledRss,
  startProxy,
  stopProxy,
  waitForClients,
  type RefreshCost,
  type RunningProxy,
} from './scale-proxy';
import { writeReport } from './report-file';
import { measureTopology, type TopologyRow } from './scale-topology';

const ROOT = path.join(__dirname, '..', '..');
const MB = 1024 * 1024;
const mb = (b: number): string => (b / MB).toFixed(1);
const log = (s: string): void => console.error(`[scale] ${s}`);

// Raised above the 10,000 default so the 10,000 bench clients and our own INFO connection fit.
const MANY_CLIENTS = { SLOTPROXY_MAX_CLIENTS: '20000' };
// Back-to-back PROXY REFRESH calls would otherwise each wait out the 200 ms minimum interval, and
// a periodic refresh landing inside the timed loop would be counted with it.
const REFRESH_ENV = { SLOTPROXY_ADMIN_COMMANDS: 'yes', SLOTPROXY_REFRESH_MIN_INTERVAL_MS: '0', SLOTPROXY_REFRESH_MS: '3600000' };

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took over ${ms / 1000} s`)), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

// ---- 1. memory per idle connection ----

/** RSS and V8 heap in use, bytes, as left by the proxy, and again after a forced full GC. */
interface MemPoint {
  rss: number;
  heap: number;
  rssGc: number;
  heapGc: number;
}

interface MemRow {
  clients: number;
  before: MemPoint;
  with: MemPoint;
  after: MemPoint;
  peak: number;
  openSeconds: number;
  /** native addon or js: the per-client request scanner lives outside the V8 heap when native */
  scanners: string;
}

async function idleMemory(seeds: string, clients: number): Promise<MemRow> {
  const sockets: net.Socket[] = [];
  let proxy: RunningProxy | null = null;
  let admin: ControlConnection | null = null;
  try {
    proxy = await startProxy(seeds, MANY_CLIENTS, true);
    const p = proxy;
    const a = (admin = await connect(proxy.port));
    const heap = async (): Promise<number> => infoField(await a.call('INFO', 'memory'), 'used_memory_heap_used');
    const point = async (): Promise<MemPoint> => {
      const rss = (await settledRss(p.pid)).rss;
      const heapNow = await heap();
      fullGc(p);
      return { rss, heap: heapNow, rssGc: (await settledRss(p.pid)).rss, heapGc: await heap() };
    };
    const scanners = /^scanners:(\S+)/m.exec(String(await a.call('INFO', 'server')))?.[1] ?? 'unknown';
    const before = await point();
    const t0 = performance.now();
    await openIdle(p.port, clients, sockets);
    const openSeconds = (performance.now() - t0) / 1000;
    await waitForClients(a, clients + 1);
    const withClients = await point();
    closeAll(sockets);
    await waitForClients(a, 1);
    const after = await point();
    log(`${clients} idle clients: RSS ${mb(before.rss)} -> ${mb(withClients.rss)} -> ${mb(after.rss)} MiB`);
    return { clients, before, with: withClients, after, peak: rss(p.pid).peak, openSeconds, scanners };
  } finally {
    closeAll(sockets);
    admin?.close();
    await stopProxy(proxy);
  }
}

// ---- 2. many masters: smoke load and refresh cost ----

interface SmokeResult {
  keys: number;
  setMs: number;
  getMs: number;
  perMasterMin: number;
  perMasterMax: number;
  scanned: number;
}

/** SET/GET of `keys` keys through the proxy, every reply checked; then MGET, DBSIZE and SCAN. */
async function smoke(admin: ControlConnection, cluster: LocalCluster, keys: number): Promise<SmokeResult> {
  const names = Array.from({ length: keys }, (_, i) => `scale:${i}`);
  let t = performance.now();
  const sets = await Promise.all(names.map((k) => admin.call('SET', k, `v-${k}`)));
  const setMs = performance.now() - t;
  sets.forEach((r, i) => {
    if (r !== 'OK') throw new Error(`SET ${names[i]} answered ${JSON.stringify(r)}`);
  });
  t = performance.now();
  const gets = await Promise.all(names.map((k) => admin.call('GET', k)));
  const getMs = performance.now() - t;
  gets.forEach((r, i) => {
    if (r !== `v-${names[i]}`) throw new Error(`GET ${names[i]} answered ${JSON.stringify(r)}`);
  });
  const mget = (await admin.call('MGET', ...names)) as unknown[];
  if (!Array.isArray(mget) || mget.some((r, i) => r !== `v-${names[i]}`)) throw new Error('MGET of every key did not return every value in order');
  const dbsize = await admin.call('DBSIZE');
  if (dbsize !== keys) throw new Error(`DBSIZE through the proxy answered ${dbsize}, expected ${keys}`);
  const seen = new Set<string>();
  let cursor = '0';
  do {
    const [next, batch] = (await admin.call('SCAN', cursor, 'COUNT', '500')) as [string, string[]];
    batch.forEach((k) => seen.add(k));
    cursor = next;
  } while (cursor !== '0');
  if (seen.size !== keys) throw new Error(`SCAN through the proxy saw ${seen.size} keys, expected ${keys}`);
  // straight to each master, so we know the keys really landed on all of them
  const perMaster = await Promise.all(
    (await cluster.masters()).map((n) => callOnce(n.host, n.port, ['DBSIZE']) as Promise<number>),
  );
  return { keys, setMs, getMs, perMasterMin: Math.min(...perMaster), perMasterMax: Math.max(...perMaster), scanned: seen.size };
}

interface ClusterRun {
  masters: number;
  clusterStartMs: number;
  proxyStartMs: number;
  smoke: SmokeResult | null;
  refresh: RefreshCost;
}

async function manyMasters(masters: number, withSmoke: boolean): Promise<ClusterRun> {
  let cluster: LocalCluster | null = null;
  let proxy: RunningProxy | null = null;
  let admin: ControlConnection | null = null;
  try {
    const t0 = performance.now();
    // LocalCluster bounds its own steps (60 s for redis-cli, 30 s to settle); this bounds the whole.
    cluster = await withTimeout(LocalCluster.start({ masters, replicasPerMaster: 0 }), 240_000, `starting ${masters} masters`);
    const clusterStartMs = performance.now() - t0;
    log(`${masters} masters up in ${(clusterStartMs / 1000).toFixed(1)} s`);
    proxy = await startProxy(cluster.seeds(), REFRESH_ENV);
    admin = await connect(proxy.port);
    const topology = (await admin.call('PROXY', 'TOPOLOGY')) as unknown[];
    const seen = topology[topology.indexOf('masters') + 1] as unknown[];
    if (topology[topology.indexOf('slots_served') + 1] !== 16384 || seen.length !== masters) {
      throw new Error(`the proxy sees ${seen.length} masters serving ${String(topology[topology.indexOf('slots_served') + 1])} slots, expected ${masters} serving 16384`);
    }
    const smokeResult = withSmoke ? await smoke(admin, cluster, 3000) : null;
    const refresh = await refreshCost(admin, proxy.pid);
    log(`${masters} masters: PROXY REFRESH ${refresh.meanMs.toFixed(2)} ms, ${refresh.cpuMsLong.toFixed(2)} ms CPU`);
    return { masters, clusterStartMs, proxyStartMs: proxy.startMs, smoke: smokeResult, refresh };
  } finally {
    admin?.close();
    await stopProxy(proxy);
    await cluster?.stop();
  }
}

// ---- report ----

function machine(): string {
  const sh = (cmd: string): string => {
    try {
      return execSync(cmd, { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    } catch {
      return 'unknown';
    }
  };
  // dist/ is built from the working tree, which others may have changed without committing
  const dirty = sh('git status --porcelain -- lib bin') ? ' + uncommitted changes in lib/ or bin/' : '';
  return [
    `nproc ${sh('nproc')}, ${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${mb(os.totalmem())} MiB RAM`,
    `Node ${process.version}, ${sh('redis-server --version').split(' ').slice(0, 3).join(' ')}`,
    `git commit ${sh('git rev-parse --short HEAD')}${dirty}`,
    `${new Date().toISOString()}, load average at start ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (other work shares this machine)`,
  ].join('; ');
}

function report(mem: MemRow[], runs: ClusterRun[], topo: TopologyRow[]): string {
  const refreshMs = Number(OPTIONS.refreshMs.default);
  const perHour = 3_600_000 / refreshMs;
  const L: string[] = [`# slotproxy at scale (issue 4)`, '', `Machine: ${machine()}.`, ''];
  L.push(
    '## 1. Memory of idle client connections',
    '',
    `A 3-master cluster; a fresh daemon per row (SLOTPROXY_MAX_CLIENTS=20000, scanners: ${mem[0]?.scanners}). Each client connects, sends PING, reads +PONG, then stays idle. ` +
      'RSS is VmRSS from /proc, read 1 s and 2 s after each step (the second kept); heap is INFO used_memory_heap_used. ' +
      'Each reading is taken as the proxy left it, then again after a full GC (the bench preloads a SIGUSR2 handler calling gc() into the daemon, started with --expose-gc), ' +
      'which tells memory the clients hold from garbage V8 has had no reason to collect yet. Per-client figures: (with − before) / clients.',
    '',
    '| idle clients | RSS before / with / after close MiB | RSS delta MiB | RSS per client B | same after full GC: RSS MiB | RSS per client B (GC) | heap before / with / after close MiB (GC) | heap per client B (GC) | peak RSS MiB | time to open s |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...mem.map((m) => {
      const per = (a: number, b: number): number => Math.round((b - a) / m.clients);
      return (
        `| ${m.clients} | ${mb(m.before.rss)} / ${mb(m.with.rss)} / ${mb(m.after.rss)} | ${mb(m.with.rss - m.before.rss)} | ${per(m.before.rss, m.with.rss)} ` +
        `| ${mb(m.before.rssGc)} / ${mb(m.with.rssGc)} / ${mb(m.after.rssGc)} | ${per(m.before.rssGc, m.with.rssGc)} ` +
        `| ${mb(m.before.heapGc)} / ${mb(m.with.heapGc)} / ${mb(m.after.heapGc)} | ${per(m.before.heapGc, m.with.heapGc)} | ${mb(m.peak)} | ${m.openSeconds.toFixed(1)} |`
      );
    }),
    '',
    'Heap as the proxy left it (no GC), before / with / after close MiB: ' + mem.map((m) => `${m.clients} clients: ${mb(m.before.heap)} / ${mb(m.with.heap)} / ${mb(m.after.heap)}`).join('; ') + '.',
    '',
  );
  L.push(
    '## 2. Many masters: smoke load and topology refresh',
    '',
    `No replicas. PROXY REFRESH timed from a client, back to back after 3 warm-up calls, with SLOTPROXY_REFRESH_MIN_INTERVAL_MS=0 (else each call waits out the 200 ms minimum) ` +
      `and the periodic refresh pushed out to 1 h (so none lands in the loop). Proxy CPU from /proc (10 ms ticks), over the ${runs[0]?.refresh.calls} timed calls and again over ${runs[0]?.refresh.longCalls} more. ` +
      `CPU per hour: default SLOTPROXY_REFRESH_MS=${refreshMs} → ${perHour} periodic refreshes an hour, times the CPU per refresh (of ${runs[0]?.refresh.longCalls}).`,
    '',
    '| masters | cluster start s | proxy start ms | PROXY REFRESH mean / p50 / max ms | proxy CPU ms per refresh (20 / long run) | CPU s per hour of periodic refresh | share of one core |',
    '|---|---|---|---|---|---|---|',
    ...runs.map((r) => {
      const cpuHour = (r.refresh.cpuMsLong / 1000) * perHour;
      return `| ${r.masters} | ${(r.clusterStartMs / 1000).toFixed(1)} | ${Math.round(r.proxyStartMs)} | ${r.refresh.meanMs.toFixed(2)} / ${r.refresh.p50Ms.toFixed(2)} / ${r.refresh.maxMs.toFixed(2)} | ${r.refresh.cpuMs.toFixed(2)} / ${r.refresh.cpuMsLong.toFixed(2)} | ${cpuHour.toFixed(2)} | ${((cpuHour / 3600) * 100).toFixed(3)} % |`;
    }),
    '',
  );
  for (const r of runs) {
    if (!r.smoke) continue;
    const s = r.smoke;
    L.push(
      `Smoke load on ${r.masters} masters: ${s.keys} pipelined SETs in ${Math.round(s.setMs)} ms and GETs in ${Math.round(s.getMs)} ms, every reply checked; ` +
        `one MGET of all ${s.keys} keys, DBSIZE and a full SCAN (${s.scanned} keys) through the proxy all correct; keys per master, asked directly: ${s.perMasterMin}–${s.perMasterMax}.`,
      '',
    );
  }
  L.push(
    '## 3. Decoding a simulated large CLUSTER SLOTS reply',
    '',
    "In-process, the refresher's own steps in its order, each simulated refresh on the same bytes but decoded afresh into a new map: " +
      'redis-parser as ControlConnection sets it up, fed 64 KiB chunks as a socket hands them over; parseClusterSlots (which builds the SlotMap); ' +
      "SlotMap.allNodes() twice (fetch()'s candidates from the map in use, router.applyMap() on the new one); sameAs() of old and new map (onTopology). " +
      'Medians over at least 50 refreshes / 1 s, and of the first 5 (the proxy refreshes every 5 s, so this code never gets hot). ' +
      'SlotMap.fromRanges alone is timed separately, warm, on ranges built once. Redis 7 row shape [start, end, [ip, port, id, []] ...]; range r belongs to master r mod masters.',
    '',
    `| topology | reply KiB | decode ms | parseClusterSlots ms | allNodes() x2 ms | sameAs() ms | per refresh ms | per refresh, first 5 ms | share of one core at one refresh per ${refreshMs / 1000} s | SlotMap.fromRanges alone ms |`,
    '|---|---|---|---|---|---|---|---|---|---|',
    ...topo.map(
      (t) =>
        `| ${t.v.name} | ${(t.bytes / 1024).toFixed(0)} | ${t.decodeMs.toFixed(3)} | ${t.parseMs.toFixed(3)} | ${t.allNodesMs.toFixed(3)} | ${t.sameAsMs.toFixed(3)} | ${t.refreshMs.toFixed(2)} | ${t.firstRefreshMs.toFixed(2)} | ${((t.refreshMs / refreshMs) * 100).toFixed(2)} % | ${t.fromRangesMs.toFixed(3)} |`,
    ),
    '',
  );
  return L.join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--record');
  if (unknown.length) throw new Error(`bench:scale: unknown option ${JSON.stringify(unknown[0])}; the only one is --record (write the report into bench/results/)`);
  const record = args.includes('--record');
  const mem: MemRow[] = [];
  const runs: ClusterRun[] = [];
  let topo: TopologyRow[] = [];
  try {
    // parsing first: nothing else of ours is running then to disturb the timings
    log('3. topology decoding');
    topo = [
      { name: '30 masters, 30 ranges', masters: 30, replicasPerMaster: 0, ranges: 30 },
      { name: '500 masters + 500 replicas, 500 ranges', masters: 500, replicasPerMaster: 1, ranges: 500 },
      { name: '500 masters + 500 replicas, 5,000 ranges', masters: 500, replicasPerMaster: 1, ranges: 5000 },
    ].map(measureTopology);

    log('1. idle connections');
    const small = await withTimeout(LocalCluster.start({ masters: 3, replicasPerMaster: 0 }), 120_000, 'starting 3 masters');
    try {
      for (const n of [1000, 10_000]) mem.push(await idleMemory(small.seeds(), n));
    } finally {
      await small.stop();
    }

    log('2. refresh cost on 3 masters, then 30');
    runs.push(await manyMasters(3, false));
    runs.push(await manyMasters(30, true));
  } finally {
    // anything a timed-out start left behind
    await stopAllLocalServers();
  }
  const text = report(mem, runs, topo);
  console.log(text);
  log(`written to ${writeReport(`scale-${new Date().toISOString().slice(0, 10)}.md`, text, record)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

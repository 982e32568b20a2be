// SLOTPROXY_READ_FROM=replica against master, in one run: two proxies in front of one 3-master
// cluster with a replica per master, the same redis-benchmark rows through each, alternating,
// medians. Each row also gives the share of the GETs the replicas ran (their own INFO
// commandstats) and the proxy's CPU per request; on a machine whose cores the load generator,
// six servers and the proxy share, the replica row gains less than a machine per node would.
import type { ChildProcess } from 'node:child_process';
import { ControlConnection } from '../lib/backend/control-connection';
import { LocalCluster } from '../lib/localcluster/local-cluster';
import { respCommands } from '../lib/localcluster/resp-client';
import { median } from './median';
import { cpuSeconds } from './proc';
import { redisBenchmark, type BenchRun } from './redis-benchmark';
import { READ_FROM_WORKLOADS } from './workloads';

export interface ReadFromOptions {
  reps: number;
  n: number;
  clients: number;
}

type StartProxy = (seeds: string, env: Record<string, string>) => Promise<{ child: ChildProcess; port: number }>;

/** GETs the nodes ran (INFO commandstats), summed. */
async function getCalls(ports: number[]): Promise<number> {
  let n = 0;
  for (const port of ports) {
    const [text] = await respCommands('127.0.0.1', port, [['INFO', 'commandstats']]);
    n += Number(/cmdstat_get:calls=(\d+)/.exec(String(text))?.[1] ?? 0);
  }
  return n;
}

async function replicasUsable(port: number): Promise<number> {
  const [text] = await respCommands('127.0.0.1', port, [['INFO', 'cluster']]);
  return Number(/replicas_usable:(\d+)/.exec(String(text))?.[1] ?? 0);
}

/** Reads the replicas served, as the proxy counts them (INFO cluster). */
async function replicaReads(info: ControlConnection): Promise<number> {
  return Number(/reads_replicas:(\d+)/.exec(String(await info.call('INFO', 'cluster')))?.[1] ?? 0);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * What read-your-writes costs a client that reads right after it writes: one client SETs a key,
 * then GETs it every millisecond until a replica serves the GET (the proxy's count of replica
 * reads moves); the time from the SET's reply to that GET's, `samples` times. Until then its reads
 * go to masters. Also checks every GET read the value just written.
 */
async function ownWriteWindow(port: number, samples: number): Promise<{ p50: number; p90: number; masterReads: number; stale: number }> {
  const client = await ControlConnection.connect('127.0.0.1', port);
  const info = await ControlConnection.connect('127.0.0.1', port);
  const windows: number[] = [];
  let masterReads = 0;
  let stale = 0;
  try {
    for (let i = 0; i < samples; i++) {
      await client.call('SET', 'bench-own-write', String(i));
      const t0 = performance.now();
      for (let tries = 0; tries < 1000; tries++) {
        const before = await replicaReads(info);
        if (String(await client.call('GET', 'bench-own-write')) !== String(i)) stale++;
        if ((await replicaReads(info)) > before) {
          windows.push(performance.now() - t0);
          break;
        }
        masterReads++;
        await sleep(1);
      }
    }
  } finally {
    client.close();
    info.close();
  }
  windows.sort((a, b) => a - b);
  const at = (q: number): number => Math.round(windows[Math.min(windows.length - 1, Math.floor(q * windows.length))] * 10) / 10;
  return { p50: at(0.5), p90: at(0.9), masterReads: masterReads / samples, stale };
}

/** The report's lines (a markdown table), or an explanation when the replicas never took reads. */
export async function compareReadFrom(o: ReadFromOptions, startProxy: StartProxy): Promise<string[]> {
  const cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 1 });
  const proxies: ChildProcess[] = [];
  try {
    const env = { SLOTPROXY_REFRESH_MS: '500' };
    const master = await startProxy(cluster.seeds(), { ...env, SLOTPROXY_READ_FROM: 'master' });
    proxies.push(master.child);
    const replica = await startProxy(cluster.seeds(), { ...env, SLOTPROXY_READ_FROM: 'replica' });
    proxies.push(replica.child);
    // every master writes (CLUSTER SLOTS lists a replica once its offset is not 0): the GETs' keys
    await redisBenchmark({ port: master.port, cluster: false, test: 'set', pipeline: 16, clients: o.clients, requests: 100_000 });
    const deadline = Date.now() + 60_000;
    while ((await replicasUsable(replica.port)) < 3) {
      if (Date.now() > deadline) return ['', 'SLOTPROXY_READ_FROM comparison skipped: the replicas did not take reads within 60 s.'];
      await new Promise((r) => setTimeout(r, 200));
    }
    const nodes = await cluster.clusterNodes();
    const replicaPorts = nodes.filter((n) => n.role === 'replica').map((n) => n.port);
    const out = [
      '',
      `SLOTPROXY_READ_FROM=replica against master, on a 3-master cluster with a replica per master (the 2 cores also run the 6 servers and redis-benchmark; alternating, medians of ${o.reps}). "on replicas": the share of the row's GETs the replicas ran, from their INFO commandstats:`,
      '',
      '| workload | pipeline | master req/s | replica req/s | replica / master | p50 ms master / replica | proxy CPU µs/req master / replica | on replicas |',
      '|---|---|---|---|---|---|---|---|',
    ];
    for (const w of READ_FROM_WORKLOADS) {
      const n = o.n * w.nScale;
      const base: BenchRun = { port: 0, cluster: false, pipeline: w.pipeline, clients: o.clients, requests: n, ...w.run };
      const rps = { master: [] as number[], replica: [] as number[] };
      const p50 = { master: [] as number[], replica: [] as number[] };
      const cpu = { master: [] as number[], replica: [] as number[] };
      const share: number[] = [];
      for (let r = 0; r < o.reps; r++) {
        for (const [name, p] of [['master', master], ['replica', replica]] as const) {
          const before = cpuSeconds(p.child.pid!);
          const gets = await getCalls(replicaPorts);
          const res = await redisBenchmark({ ...base, port: p.port });
          cpu[name].push(((cpuSeconds(p.child.pid!) - before) / n) * 1e6);
          rps[name].push(res.rps);
          p50[name].push(res.p50);
          if (name === 'replica' && w.run.test === 'get') share.push((await getCalls(replicaPorts)) - gets);
        }
      }
      console.error(`${w.name} -P ${w.pipeline}: read-from master ${rps.master.map(Math.round).join(' ')} | replica ${rps.replica.map(Math.round).join(' ')}`);
      const m = median(rps.master);
      const rr = median(rps.replica);
      const onReplicas = share.length ? `${Math.round((median(share) / n) * 100)}%` : '-';
      out.push(
        `| ${w.name} | ${w.pipeline} | ${Math.round(m)} | ${Math.round(rr)} | ${(rr / m).toFixed(2)} | ${median(p50.master)} / ${median(p50.replica)} | ${median(cpu.master).toFixed(1)} / ${median(cpu.replica).toFixed(1)} | ${onReplicas} |`,
      );
    }
    const own = await ownWriteWindow(replica.port, 200);
    console.error(`read-your-writes window: p50 ${own.p50} ms, p90 ${own.p90} ms, ${own.stale} stale`);
    out.push(
      '',
      `Read your writes, with replica and the default poll (SLOTPROXY_REPLICA_POLL_MS 10): after a client's SET is answered, its GETs go to the master until a replica has reached the write; one client, a GET every ms after each of 200 SETs: a replica served it ${own.p50} ms after the SET's reply at the median, ${own.p90} ms at p90 (${own.masterReads.toFixed(1)} GETs per SET on the master before; ${own.stale} read an older value).`,
    );
    return out;
  } finally {
    for (const c of proxies) c.kill('SIGTERM');
    await cluster.stop();
  }
}

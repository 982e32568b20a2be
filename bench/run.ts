// Throughput through slotproxy against direct cluster access (redis-benchmark --cluster), in one
// run, alternating A/B, medians of several repetitions. Starts its own 3-master cluster on free
// ports and the slotproxy daemon as a child process. A full run also measures twemproxy, a C
// proxy, against slotproxy when `nutcracker` is installed (bench/peer.ts). Options: USAGE below.
import { execSync, spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { findFreePort } from '../lib/localcluster/free-port';
import { LocalCluster } from '../lib/localcluster/local-cluster';
import { compareTwemproxy, twemproxyVersion } from './peer';
import { compareReadFrom } from './replica-reads';
import { median } from './median';
import { addTicks, cpuSecondsOf, cpuTimes, machineTicks, perRequest as cpuPerRequest, stealPercent, tickShare, userKernel, type CpuTimes } from './proc';
import { RateProbe } from './rate-probe';
import { redisBenchmark, type BenchResult, type BenchRun } from './redis-benchmark';
import { recordLatestFullRun, SCRATCH_DIR, stamp, writeReport } from './report-file';
import { FAST_ROW_SCALE, WORKLOADS, type Workload } from './workloads';

const USAGE = `npm run bench -- [options]   (or: node dist/bench/run.js [options])

  --quick           a short run of the rows marked quick (1 repetition, -n 20000)
  --only TEXT       only the workloads whose name contains TEXT (e.g. get, mset; replica: only
                    the SLOTPROXY_READ_FROM=replica against master comparison)
  --reps N          repetitions of each row, medians reported (default 5; --quick: 1)
  -n N              requests per run (default 200000; --quick: 20000)
  -c N              redis-benchmark clients (default 50)
  --parser KIND     the proxy's scanners: auto, native or js (default auto)
  --workers N       SLOTPROXY_WORKERS of the proxy (default 1)
  --peer            only the comparison with twemproxy (needs nutcracker)
  --no-peer         a full run without the twemproxy comparison
  --record          write the report into bench/results/ (a full run also into bench/RESULTS.md),
                    for a run the docs are to cite
  --no-save         write no report file at all
  --help            this text

The report is printed; unless --record or --no-save it is also written under
${SCRATCH_DIR}, and its path printed at the end.`;

interface Options {
  quick: boolean;
  reps: number;
  n: number;
  clients: number;
  only: string | null;
  parser: string;
  workers: number;
  /** write a report file (--no-save: none) */
  save: boolean;
  /** into bench/results/ (and a full run into bench/RESULTS.md) rather than the scratch dir */
  record: boolean;
  /** measure twemproxy too (full runs, when installed) */
  peer: boolean;
  /** only the twemproxy comparison */
  peerOnly: boolean;
}

class UsageError extends Error {}

function parseArgs(argv: string[]): Options {
  const quick = argv.includes('--quick');
  const o: Options = { quick, reps: quick ? 1 : 5, n: quick ? 20_000 : 200_000, clients: 50, only: null, parser: 'auto', workers: 1, save: true, record: false, peer: true, peerOnly: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    const count = (): number => {
      const v = next();
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} needs a whole number of at least 1, got ${JSON.stringify(v)}`);
      return n;
    };
    if (flag === '--quick') continue;
    else if (flag === '--reps') o.reps = count();
    else if (flag === '-n') o.n = count();
    else if (flag === '-c') o.clients = count();
    else if (flag === '--only') o.only = next();
    else if (flag === '--parser') o.parser = next();
    else if (flag === '--workers') o.workers = count();
    else if (flag === '--peer') o.peerOnly = true;
    else if (flag === '--no-peer') o.peer = false;
    else if (flag === '--record') o.record = true;
    else if (flag === '--no-save') o.save = false;
    else throw new UsageError(`unknown option ${JSON.stringify(flag)}`);
  }
  if (o.record && !o.save) throw new UsageError('--record and --no-save contradict each other');
  return o;
}

const ROOT = path.join(__dirname, '..', '..');
const MASTERS = 3;

async function listening(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ port, host: '127.0.0.1' }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`slotproxy did not listen on ${port}`);
}

async function startProxy(seeds: string, o: Options, extraEnv: Record<string, string> = {}): Promise<{ child: ChildProcess; port: number }> {
  const port = await findFreePort('127.0.0.1', false);
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'bin', 'slotproxy.js'), '--port', String(port)], {
    env: { ...process.env, SLOTPROXY_CLUSTER: seeds, SLOTPROXY_LOG_LEVEL: 'warn', SLOTPROXY_PARSER: o.parser, SLOTPROXY_WORKERS: String(o.workers), ...extraEnv },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  await listening(port);
  return { child, port };
}

/** User and kernel CPU seconds of the proxy and its worker processes. */
function proxyCpu(pid: number): CpuTimes {
  const total = cpuTimes(pid);
  try {
    for (const child of execSync(`pgrep -P ${pid}`).toString().trim().split('\n').filter(Boolean)) {
      const t = cpuTimes(Number(child));
      total.user += t.user;
      total.system += t.system;
    }
  } catch {
    // no workers
  }
  return total;
}

interface Row {
  w: Workload;
  direct: BenchResult;
  proxy: BenchResult;
  /** steady rates counted by the servers (see rate-probe.ts), medians; NaN when runs were too short */
  steady: { direct: number; proxy: number };
  cpuPerMillion: number;
  /** the proxy's CPU per request in user space and in the kernel, µs (medians) */
  proxyCpu: CpuTimes;
  /** microseconds of CPU per request (medians): load generator, masters, proxy */
  budget: { directBench: number; directMasters: number; bench: number; masters: number; proxy: number };
  /** percent of the machine's CPU stolen by the hypervisor during the row's runs */
  steal: string;
  /** percent of the machine's CPU idle during the direct runs / the runs through the proxy */
  idle: { direct: string; proxy: string };
}

/** "direct / proxy | ratio" of the steady rates, dashes where a run was too short to sample */
function steadyText(r: Row): string {
  const { direct, proxy } = r.steady;
  if (!Number.isFinite(direct) || !Number.isFinite(proxy)) return '- | -';
  return `${Math.round(direct)} / ${Math.round(proxy)} | ${(proxy / direct).toFixed(2)}`;
}

/** redis-benchmark once, with the servers' count of its commands sampled meanwhile */
async function probed(run: BenchRun, probe: RateProbe): Promise<{ result: BenchResult; steady: number }> {
  await probe.start();
  const result = await redisBenchmark(run);
  return { result, steady: await probe.stop(run.requests) };
}

async function measure(
  w: Workload,
  o: Options,
  cluster: { port: number; masterPorts: number[]; pids: number[] },
  proxy: { child: ChildProcess; port: number },
): Promise<Row> {
  const clusterPort = cluster.port;
  const masters = cluster.pids;
  const n = o.n * w.nScale;
  const base: BenchRun = { port: 0, cluster: false, pipeline: w.pipeline, clients: o.clients, requests: n, ...w.run };
  const direct: BenchResult[] = [];
  const through: BenchResult[] = [];
  const cpu: number[] = [];
  const cpuSplit: CpuTimes[] = [];
  const directMasters: number[] = [];
  const masters2: number[] = [];
  const steadyDirect: number[] = [];
  const steadyProxy: number[] = [];
  const perRequest = (seconds: number): number => (seconds / n) * 1e6;
  const atMasters = await RateProbe.open(cluster.masterPorts);
  const atProxy = await RateProbe.open([proxy.port]);
  const ticks = machineTicks();
  const ticksDirect = { total: 0, steal: 0, idle: 0 };
  const ticksProxy = { total: 0, steal: 0, idle: 0 };
  try {
    for (let r = 0; r < o.reps; r++) {
      let m = cpuSecondsOf(masters);
      const t0 = machineTicks();
      const d = await probed({ ...base, ...w.direct, port: clusterPort, cluster: true }, atMasters);
      const t1 = machineTicks();
      addTicks(ticksDirect, t0, t1);
      direct.push(d.result);
      steadyDirect.push(d.steady);
      directMasters.push(perRequest(cpuSecondsOf(masters) - m));
      const before = proxyCpu(proxy.child.pid!);
      m = cpuSecondsOf(masters);
      const t2 = machineTicks();
      const p = await probed({ ...base, port: proxy.port }, atProxy);
      addTicks(ticksProxy, t2, machineTicks());
      through.push(p.result);
      steadyProxy.push(p.steady);
      masters2.push(perRequest(cpuSecondsOf(masters) - m));
      const split = cpuPerRequest(before, proxyCpu(proxy.child.pid!), n);
      cpuSplit.push(split);
      cpu.push(split.user + split.system);
    }
  } finally {
    atMasters.close();
    atProxy.close();
  }
  const pick = (xs: BenchResult[]): BenchResult => ({
    rps: median(xs.map((x) => x.rps)),
    p50: median(xs.map((x) => x.p50)),
    p99: median(xs.map((x) => x.p99)),
    cpu: median(xs.map((x) => x.cpu)),
  });
  const steal = stealPercent(ticks, machineTicks());
  console.error(
    `${w.name} -P ${w.pipeline}: direct ${direct.map((x) => Math.round(x.rps)).join(' ')} | proxy ${through.map((x) => Math.round(x.rps)).join(' ')}` +
      ` | steady direct ${steadyDirect.map(Math.round).join(' ')} | steady proxy ${steadyProxy.map(Math.round).join(' ')} | steal ${steal}%`,
  );
  const budget = {
    directBench: median(direct.map((x) => perRequest(x.cpu))),
    directMasters: median(directMasters),
    bench: median(through.map((x) => perRequest(x.cpu))),
    masters: median(masters2),
    proxy: median(cpu),
  };
  return { w, direct: pick(direct), proxy: pick(through), steady: { direct: median(steadyDirect), proxy: median(steadyProxy) }, cpuPerMillion: median(cpu), proxyCpu: { user: median(cpuSplit.map((c) => c.user)), system: median(cpuSplit.map((c) => c.system)) }, budget, steal, idle: { direct: tickShare(ticksDirect, 'idle'), proxy: tickShare(ticksProxy, 'idle') } };
}

/** The same workloads through a one-worker and a two-worker proxy, alternating. */
async function compareWorkers(o: Options, seeds: string, one: { child: ChildProcess; port: number }): Promise<string[]> {
  const two = await startProxy(seeds, { ...o, workers: 2 });
  const out: string[] = [];
  try {
    for (const w of WORKLOADS.filter((x) => (x.name === 'SET' && x.pipeline === 16) || (x.name === 'GET' && x.pipeline === 1) || (x.name.startsWith('MGET') && x.pipeline === 16))) {
      const base: BenchRun = { port: 0, cluster: false, pipeline: w.pipeline, clients: o.clients, requests: o.n * w.nScale, ...w.run };
      const a: number[] = [];
      const b: number[] = [];
      for (let r = 0; r < o.reps; r++) {
        a.push((await redisBenchmark({ ...base, port: one.port })).rps);
        b.push((await redisBenchmark({ ...base, port: two.port })).rps);
      }
      console.error(`${w.name} -P ${w.pipeline}: 1 worker ${a.map(Math.round).join(' ')} | 2 workers ${b.map(Math.round).join(' ')}`);
      out.push(`| ${w.name} | ${w.pipeline} | ${Math.round(median(a))} | ${Math.round(median(b))} | ${(median(b) / median(a)).toFixed(2)} |`);
    }
  } finally {
    two.child.kill('SIGTERM');
  }
  return out;
}

function machine(): string {
  let commit = 'unknown';
  try {
    commit = execSync('git rev-parse --short HEAD', { cwd: ROOT }).toString().trim();
  } catch {
    // not a checkout
  }
  return `${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}, commit ${commit}, ${new Date().toISOString()}`;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const cluster = await LocalCluster.start({ masters: MASTERS, replicasPerMaster: 0 });
  const proxy = await startProxy(cluster.seeds(), o);
  const runTicks = machineTicks();
  const rows: Row[] = [];
  const latency: string[] = [];
  const workersRows: string[] = [];
  const peerRows: string[] = [];
  let readFromRows: string[] = [];
  const twemproxy = twemproxyVersion();
  if (o.peerOnly && !twemproxy) throw new Error('--peer needs twemproxy: apt-get install nutcracker');
  const full = !o.quick && !o.only && !o.peerOnly;
  try {
    const chosen = o.peerOnly ? [] : WORKLOADS.filter((w) => (o.quick ? w.quick : true) && (!o.only || w.name.toLowerCase().includes(o.only.toLowerCase())));
    const where = { port: cluster.nodes[0].port, masterPorts: cluster.nodes.map((n) => n.port), pids: cluster.nodes.map((n) => n.pid) };
    for (const w of chosen) rows.push(await measure(w, o, where, proxy));
    if (full) {
      for (const clients of [1, 50]) {
        const lat = await measure({ name: `GET latency, ${clients} client(s)`, pipeline: 1, run: { test: 'get' }, nScale: 1 }, { ...o, clients, n: Math.min(o.n, 50_000) }, where, proxy);
        latency.push(`| ${clients} | ${lat.direct.p50} / ${lat.direct.p99} | ${lat.proxy.p50} / ${lat.proxy.p99} |`);
      }
    }
    if (full && o.workers === 1) workersRows.push(...(await compareWorkers(o, cluster.seeds(), proxy)));
    if (full || o.only?.toLowerCase() === 'replica') readFromRows = await compareReadFrom(o, (seeds, env) => startProxy(seeds, o, env));
    if ((full || o.peerOnly) && o.peer && twemproxy) {
      const issueRows = WORKLOADS.filter((w) => ['SET', 'GET'].includes(w.name) || w.name.startsWith('MSET') || w.name.startsWith('MGET'));
      peerRows.push(...(await compareTwemproxy(issueRows, o, { pid: proxy.child.pid!, port: proxy.port, masterPids: where.pids, cpu: proxyCpu })));
    }
  } finally {
    proxy.child.kill('SIGTERM');
    await cluster.stop();
  }
  const runSteal = stealPercent(runTicks, machineTicks());
  const lines = [
    `Machine: ${machine()}.`,
    `CPU stolen by the hypervisor during the run: ${runSteal}% of the machine's time (per row in the last column; ratios of runs with more than a few percent are not comparable with quiet ones).`,
    `redis-benchmark -c ${o.clients} -d 64 (unless noted) -r 100000 -n ${o.n}; medians of ${o.reps} alternating runs; scanners: ${o.parser}; workers: ${o.workers}.`,
  ];
  if (rows.length)
    lines.push(
      '',
      `Single-key rows at pipeline 16 run ${FAST_ROW_SCALE} x -n. direct = redis-benchmark --cluster on the same 3-master cluster.`,
      '',
      "req/s and proxy/direct are redis-benchmark's own figures (the method of the figures this is compared with); its direct figures are low by up to 250 ms per run (bench/rate-probe.ts), which flatters proxy/direct. The steady columns are the same runs counted by the servers between 10% and 90% of each run (`-` where a run was too short to sample).",
      '',
      '| workload | pipeline | direct req/s | slotproxy req/s | proxy/direct | steady req/s direct / proxy | steady proxy/direct | p50 ms direct / proxy | p99 ms direct / proxy | proxy CPU µs/req user + kernel | steal % |',
      '|---|---|---|---|---|---|---|---|---|---|---|',
      ...rows.map(
        (r) =>
          `| ${r.w.name} | ${r.w.pipeline} | ${Math.round(r.direct.rps)} | ${Math.round(r.proxy.rps)} | ${(r.proxy.rps / r.direct.rps).toFixed(2)} | ${steadyText(r)} | ${r.direct.p50} / ${r.proxy.p50} | ${r.direct.p99} / ${r.proxy.p99} | ${userKernel(r.proxyCpu)} | ${r.steal} |`,
      ),
    );
  const us = (x: number): string => x.toFixed(2);
  if (rows.length)
    lines.push(
      '',
      `CPU per request, µs (medians; generator = redis-benchmark, masters = the ${MASTERS} redis-server processes). Where direct access keeps every core busy (pipeline 16), throughput is the cores divided by the CPU a request costs, so "ceiling" = direct CPU / proxied CPU is the best proxy/direct ratio this machine allows at the proxy's measured cost; at pipeline 1 the round trips, not the CPU, set the pace. The last column is the share of the machine's CPU time nobody used during the runs (from /proc/stat): where it is higher through the proxy, the processes waited on each other and the measured ratio falls short of the ceiling:`,
      '',
      '| workload | pipeline | direct: generator + masters | proxied: generator + masters + slotproxy | ceiling | measured (steady) | machine idle % direct / proxied |',
      '|---|---|---|---|---|---|---|',
      ...rows.map((r) => {
        const b = r.budget;
        const d = b.directBench + b.directMasters;
        const p = b.bench + b.masters + b.proxy;
        const measured = Number.isFinite(r.steady.direct) && Number.isFinite(r.steady.proxy) ? r.steady.proxy / r.steady.direct : r.proxy.rps / r.direct.rps;
        return `| ${r.w.name} | ${r.w.pipeline} | ${us(b.directBench)} + ${us(b.directMasters)} = ${us(d)} | ${us(b.bench)} + ${us(b.masters)} + ${us(b.proxy)} = ${us(p)} | ${(d / p).toFixed(2)} | ${measured.toFixed(2)} | ${r.idle.direct} / ${r.idle.proxy} |`;
      }),
    );
  if (latency.length) lines.push('', 'Latency at pipeline 1 (GET), ms p50 / p99:', '', '| clients | direct | slotproxy |', '|---|---|---|', ...latency);
  if (workersRows.length)
    lines.push(
      '',
      `SLOTPROXY_WORKERS 1 vs 2 (same cluster, alternating runs, medians of ${o.reps}; the machine's ${os.cpus().length} cores also run redis-benchmark and the masters):`,
      '',
      '| workload | pipeline | 1 worker req/s | 2 workers req/s | 2 / 1 |',
      '|---|---|---|---|---|',
      ...workersRows,
    );
  lines.push(...readFromRows);
  if (peerRows.length)
    lines.push(
      '',
      `A C proxy on this machine, in this run: twemproxy (${twemproxy}, one thread, like one slotproxy worker) in front of ${MASTERS} standalone redis-servers, slotproxy in front of the bench's ${MASTERS}-master cluster; same redis-benchmark parameters (single-key rows at pipeline 16 at ${FAST_ROW_SCALE} x -n), alternating, medians of ${o.reps}. twemproxy's masters skip cluster mode's slot checks, and it splits MSET / MGET per server (3 sub-commands) where slotproxy must split per slot (about 10): both favour twemproxy (see the masters' CPU).`,
      '',
      '| workload | pipeline | slotproxy req/s | twemproxy req/s | slotproxy / twemproxy | proxy user CPU µs/req slotproxy / twemproxy | proxy kernel CPU µs/req slotproxy / twemproxy | masters CPU µs/req slotproxy / twemproxy |',
      '|---|---|---|---|---|---|---|---|',
      ...peerRows,
    );
  else if (full && o.peer) lines.push('', 'twemproxy comparison skipped: `nutcracker` is not installed (apt-get install nutcracker).');
  const table = lines.join('\n') + '\n';
  console.log(table);
  if (o.save) {
    const file = writeReport(`${stamp()}${o.quick ? '-quick' : o.peerOnly ? '-peer' : ''}.md`, table, o.record);
    const latest = o.record && full ? ` and ${recordLatestFullRun(table)}` : '';
    console.error(`report written to ${file}${latest}`);
  }
}

if (process.argv.includes('--help')) {
  console.log(USAGE);
} else {
  main().catch((err) => {
    if (err instanceof UsageError) {
      console.error(`bench: ${err.message}\n\n${USAGE}`);
      process.exit(2);
    }
    console.error(err);
    process.exit(1);
  });
}

// Where the idle CPU time of a run goes (`perf sched`): redis-benchmark against the cluster
// directly and through slotproxy, alternating, while `perf sched record -a` traces every context
// switch of the machine. For each run it prints the share of the CPUs left idle, how much of that
// idle time some task was woken and waiting to run on the other CPU (a placement loss: the
// scheduler queued it behind a busy task instead of on the idle CPU), and the average wake-to-run
// delay of the generator, the masters and the proxy.
//   npm run build && node dist/bench/sched-idle.js [-t set] [-P 16] [-n 4000000] [--reps 3] [--seconds 1]
// Needs `perf` (Debian: linux-perf) and the right to trace the whole machine (root, or
// kernel.perf_event_paranoid <= -1). Tracing adds a few percent of overhead to every process, so
// compare its figures with each other, not with `npm run bench`.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { LocalCluster } from '../lib/localcluster/local-cluster';
import { trackTempDir, untrackTempDir } from '../lib/localcluster/process-registry';
import { sleep } from '../lib/localcluster/redis-process';
import { median } from './median';
import { redisBenchmark } from './redis-benchmark';
import { startProxy, stopProxy } from './scale-proxy';

const run = promisify(execFile);

interface Options {
  test: string;
  pipeline: number;
  requests: number;
  reps: number;
  seconds: number;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { test: 'set', pipeline: 16, requests: 0, reps: 3, seconds: 1 };
  for (let i = 0; i < argv.length; i++) {
    const next = (): string => argv[++i] ?? '';
    if (argv[i] === '-t') o.test = next();
    else if (argv[i] === '-P') o.pipeline = Number(next());
    else if (argv[i] === '-n') o.requests = Number(next());
    else if (argv[i] === '--reps') o.reps = Number(next());
    else if (argv[i] === '--seconds') o.seconds = Number(next());
    else throw new Error(`unknown argument ${argv[i]}: see the usage at the top of bench/sched-idle.ts`);
  }
  // runs of 5-8 s here: perf takes over a second to start tracing, and the run must outlast it
  if (o.requests === 0) o.requests = o.pipeline > 1 ? 4_000_000 : 400_000;
  return o;
}

/** One run's trace, reduced. Times in seconds. */
export interface IdleFigures {
  /** idle time / (CPUs x traced time) */
  idleShare: number;
  /** part of the idle time during which some task was woken and not yet running */
  idleWhileWaiting: number;
  /** average wake-to-run delay (µs) and count of such waits, by the label `role` gave */
  delays: Map<string, { count: number; avgMicros: number }>;
}

/** The role of a traced task (`name` as perf prints it, its process id), or null to leave it out. */
export type Role = (name: string, pid: number) => string | null;

/**
 * Reads `perf sched timehist` output: one line per switch-out, "time [cpu] task wait delay run"
 * (ms), where the task ran for `run` until `time` after waiting `delay` between its wake-up and
 * that run.
 */
export function idleFigures(timehist: string, cpus: number, role: Role): IdleFigures {
  const idle: Array<[number, number]> = [];
  const waits: Array<[number, number]> = [];
  const delays = new Map<string, { count: number; total: number }>();
  let first = Infinity;
  let last = -Infinity;
  for (const line of timehist.split('\n')) {
    const m = /^\s*([\d.]+)\s+\[(\d+)\]\s+(.+?)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*$/.exec(line);
    if (!m) continue;
    const end = Number(m[1]);
    const delay = Number(m[5]) / 1000;
    const start = end - Number(m[6]) / 1000;
    first = Math.min(first, start);
    last = Math.max(last, end);
    const task = /^(.*)\[(\d+)(?:\/(\d+))?\]$/.exec(m[3]);
    const name = task ? task[1] : m[3];
    if (name === '<idle>') {
      idle.push([start, end]);
      continue;
    }
    if (delay <= 0) continue;
    waits.push([start - delay, start]);
    const label = role(name, Number(task?.[3] ?? task?.[2] ?? 0));
    if (label === null) continue;
    const d = delays.get(label) ?? { count: 0, total: 0 };
    d.count++;
    d.total += delay;
    delays.set(label, d);
  }
  // the union of the waits, then its overlap with each idle stretch
  waits.sort((a, b) => a[0] - b[0]);
  const union: Array<[number, number]> = [];
  for (const [s, e] of waits) {
    const top = union[union.length - 1];
    if (top && s <= top[1]) top[1] = Math.max(top[1], e);
    else union.push([s, e]);
  }
  let idleTotal = 0;
  let overlap = 0;
  for (const [s, e] of idle) {
    idleTotal += e - s;
    // (binary search for the first wait that may overlap)
    let lo = 0;
    let hi = union.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (union[mid][1] <= s) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < union.length && union[i][0] < e; i++) overlap += Math.max(0, Math.min(e, union[i][1]) - Math.max(s, union[i][0]));
  }
  const span = last - first;
  const out = new Map<string, { count: number; avgMicros: number }>();
  for (const [name, d] of delays) out.set(name, { count: d.count, avgMicros: (1e6 * d.total) / d.count });
  return { idleShare: span > 0 ? idleTotal / (cpus * span) : 0, idleWhileWaiting: idleTotal > 0 ? overlap / idleTotal : 0, delays: out };
}

function hasPerf(): boolean {
  try {
    execFileSync('perf', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** redis-benchmark in the background, traced for `seconds` once perf has started. */
async function tracedRun(port: number, cluster: boolean, o: Options, dir: string, role: Role): Promise<{ rps: number; figures: IdleFigures }> {
  let ended = false;
  const bench = redisBenchmark({ port, cluster, test: o.test, pipeline: o.pipeline, clients: 50, requests: o.requests }).finally(() => (ended = true));
  // (perf's own start-up, over a second, is the run's warm-up)
  await sleep(300);
  const data = path.join(dir, 'sched.data');
  try {
    // (asynchronously: the event loop must see redis-benchmark end meanwhile)
    await run('perf', ['sched', 'record', '-a', '-o', data, '--', 'sleep', String(o.seconds)]);
  } catch (err) {
    // perf may lack the right to trace: the run (bounded by -n) ends before the cluster is stopped
    await bench.catch(() => undefined);
    throw err;
  }
  // (a run that ends inside the trace leaves the cores idle after it: that is not the run's idle)
  const endedEarly = ended;
  const { rps } = await bench;
  if (endedEarly) throw new Error(`redis-benchmark ended before the ${o.seconds} s trace did: raise -n (now ${o.requests})`);
  const { stdout: timehist } = await run('perf', ['sched', 'timehist', '-i', data], { maxBuffer: 1 << 28 });
  return { rps, figures: idleFigures(timehist, os.cpus().length, role) };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (!hasPerf()) {
    console.error('bench/sched-idle needs perf: apt-get install linux-perf (and root, or kernel.perf_event_paranoid=-1)');
    process.exit(1);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slotproxy-sched-'));
  trackTempDir(dir);
  const cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 0 });
  let proxy = null;
  try {
    proxy = await startProxy(cluster.seeds(), {});
    const proxyPid = proxy.pid;
    const role: Role = (name, pid) => (name === 'redis-benchmark' ? 'generator' : name === 'redis-server' ? 'masters' : pid === proxyPid ? 'proxy' : null);
    const runs: Record<'direct' | 'proxy', Array<{ rps: number; figures: IdleFigures }>> = { direct: [], proxy: [] };
    for (let r = 0; r < o.reps; r++) {
      const order: Array<'direct' | 'proxy'> = r % 2 ? ['proxy', 'direct'] : ['direct', 'proxy'];
      for (const mode of order) {
        const run = await tracedRun(mode === 'direct' ? cluster.nodes[0].port : proxy.port, mode === 'direct', o, dir, role);
        runs[mode].push(run);
      }
    }
    const delay = (rs: Array<{ figures: IdleFigures }>, name: string): string => {
      const xs = rs.map((x) => x.figures.delays.get(name)?.avgMicros).filter((x): x is number => x !== undefined);
      return xs.length ? median(xs).toFixed(0) : '-';
    };
    console.log(`redis-benchmark -t ${o.test} -P ${o.pipeline} -c 50 -d 64 -r 100000 -n ${o.requests}, ${o.seconds} s traced per run, medians of ${o.reps} (${os.cpus().length} CPUs)\n`);
    console.log('| access | req/s | CPUs idle % | idle while a woken task waited to run, % of idle | wake-to-run µs: generator / masters / proxy |');
    console.log('|---|---|---|---|---|');
    for (const mode of ['direct', 'proxy'] as const) {
      const rs = runs[mode];
      const med = (f: (x: { rps: number; figures: IdleFigures }) => number): number => median(rs.map(f));
      const idle = med((x) => x.figures.idleShare);
      // (a share of almost no idle time says nothing)
      const waiting = idle < 0.005 ? '-' : (100 * med((x) => x.figures.idleWhileWaiting)).toFixed(0);
      console.log(
        `| ${mode} | ${med((x) => x.rps).toFixed(0)} | ${(100 * idle).toFixed(1)} | ${waiting} | ` +
          `${delay(rs, 'generator')} / ${delay(rs, 'masters')} / ${mode === 'proxy' ? delay(rs, 'proxy') : '-'} |`,
      );
    }
  } finally {
    await stopProxy(proxy);
    await cluster.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    untrackTempDir(dir);
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}

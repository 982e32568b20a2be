// A C proxy measured on the same machine in the same run: twemproxy (Debian's `nutcracker`),
// single-threaded like one slotproxy worker, in front of three standalone redis-servers, against
// slotproxy in front of the bench's three-master cluster, alternating, same redis-benchmark
// parameters. predixy and redis-cluster-proxy are not packaged for Debian; twemproxy is the C
// proxy that can run here. It does not speak Redis Cluster, so its masters are standalone ones:
// they skip cluster mode's per-command slot checks, and twemproxy splits MSET / MGET per server
// (three sub-commands) where a cluster proxy must split per slot (about ten). Both favour it; the
// table gives each side's masters' CPU so that part can be seen.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findFreePort } from '../lib/localcluster/free-port';
import { trackChild, trackTempDir, untrackTempDir } from '../lib/localcluster/process-registry';
import { startStandalone, type StandaloneRedis } from '../lib/localcluster/standalone';
import { median } from './median';
import { cpuSecondsOf, cpuTimes, perRequest, type CpuTimes } from './proc';
import { redisBenchmark, type BenchRun } from './redis-benchmark';
import type { Workload } from './workloads';

/** "nutcracker-0.5.0", or null when it is not installed (apt-get install nutcracker). */
export function twemproxyVersion(): string | null {
  // (it prints its version on stderr)
  const r = spawnSync('nutcracker', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return null;
  return /nutcracker-\S+/.exec(`${r.stdout}${r.stderr}`)?.[0] ?? 'nutcracker';
}

interface Twemproxy {
  child: ChildProcess;
  port: number;
  masters: StandaloneRedis[];
  stop(): Promise<void>;
}

async function startTwemproxy(): Promise<Twemproxy> {
  const masters: StandaloneRedis[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slotproxy-twemproxy-'));
  trackTempDir(dir);
  let child: ChildProcess | null = null;
  const stop = async (): Promise<void> => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await Promise.all(masters.map((m) => m.stop()));
    fs.rmSync(dir, { recursive: true, force: true });
    untrackTempDir(dir);
  };
  try {
    for (let i = 0; i < 3; i++) masters.push(await startStandalone());
    const port = await findFreePort('127.0.0.1', false);
    const stats = await findFreePort('127.0.0.1', false);
    // crc16 modulo 3: keys spread evenly, as over the cluster's slots; one connection per master,
    // as slotproxy multiplexes one per node.
    const conf = [
      'bench:',
      `  listen: 127.0.0.1:${port}`,
      '  hash: crc16',
      '  distribution: modula',
      '  redis: true',
      '  preconnect: true',
      '  server_connections: 1',
      '  servers:',
      ...masters.map((m) => `    - 127.0.0.1:${m.port}:1`),
      '',
    ].join('\n');
    fs.writeFileSync(path.join(dir, 'nutcracker.yml'), conf);
    // the stats port binds 0.0.0.0 unless told: keep it on loopback
    child = spawn('nutcracker', ['-c', path.join(dir, 'nutcracker.yml'), '-s', String(stats), '-a', '127.0.0.1', '-o', path.join(dir, 'nutcracker.log')], { stdio: 'ignore' });
    // killed with the masters if the bench dies
    trackChild(child);
    await answers(port);
    return { child, port, masters, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Waits until a SET through the proxy is answered (twemproxy accepts before its servers are up). */
async function answers(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      if (execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'set', 'bench:ready', '1'], { timeout: 2000 }).toString().trim() === 'OK') return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`twemproxy on port ${port} did not answer SET; see its log`);
}

/**
 * Markdown rows: the workloads through slotproxy and through twemproxy, alternating, `reps`
 * times each; req/s, each proxy's CPU per request (µs) in user space and in the kernel, and its
 * masters' CPU per request.
 */
export async function compareTwemproxy(
  workloads: Workload[],
  o: { reps: number; n: number; clients: number },
  slotproxy: { pid: number; port: number; masterPids: number[]; cpu: (pid: number) => CpuTimes },
): Promise<string[]> {
  const twem = await startTwemproxy();
  const out: string[] = [];
  try {
    for (const w of workloads) {
      const n = o.n * w.nScale;
      const base: BenchRun = { port: 0, cluster: false, pipeline: w.pipeline, clients: o.clients, requests: n, ...w.run };
      const us = (seconds: number): number => (seconds / n) * 1e6;
      const side = (port: number, pid: number, masterPids: number[], cpu: (pid: number) => CpuTimes) => async () => {
        const c0 = cpu(pid);
        const m0 = cpuSecondsOf(masterPids);
        const r = await redisBenchmark({ ...base, port });
        const p = perRequest(c0, cpu(pid), n);
        return { rps: r.rps, user: p.user, kernel: p.system, masters: us(cpuSecondsOf(masterPids) - m0) };
      };
      const a = side(slotproxy.port, slotproxy.pid, slotproxy.masterPids, slotproxy.cpu);
      const b = side(twem.port, twem.child.pid!, twem.masters.map((m) => m.pid), cpuTimes);
      const sp: Awaited<ReturnType<typeof a>>[] = [];
      const tw: Awaited<ReturnType<typeof b>>[] = [];
      for (let r = 0; r < o.reps; r++) {
        // alternate which goes first, so a machine that slows down during a pair favours neither
        if (r % 2 === 0) {
          sp.push(await a());
          tw.push(await b());
        } else {
          tw.push(await b());
          sp.push(await a());
        }
      }
      console.error(`${w.name} -P ${w.pipeline}: slotproxy ${sp.map((x) => Math.round(x.rps)).join(' ')} | twemproxy ${tw.map((x) => Math.round(x.rps)).join(' ')}`);
      const m = (xs: { rps: number; user: number; kernel: number; masters: number }[], k: 'rps' | 'user' | 'kernel' | 'masters'): number => median(xs.map((x) => x[k]));
      const pair = (k: 'user' | 'kernel' | 'masters'): string => `${m(sp, k).toFixed(2)} / ${m(tw, k).toFixed(2)}`;
      out.push(
        `| ${w.name} | ${w.pipeline} | ${Math.round(m(sp, 'rps'))} | ${Math.round(m(tw, 'rps'))} | ${(m(sp, 'rps') / m(tw, 'rps')).toFixed(2)} | ${pair('user')} | ${pair('kernel')} | ${pair('masters')} |`,
      );
    }
  } finally {
    await twem.stop();
  }
  return out;
}

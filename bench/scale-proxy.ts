// The daemon as a child process and the probes bench/scale.ts needs around it: its memory from
// /proc, many idle client connections, and a timed PROXY REFRESH loop.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ControlConnection } from '../lib/backend/control-connection';
import { findFreePort } from '../lib/localcluster/free-port';
import { trackChild } from '../lib/localcluster/process-registry';
import { sleep, terminate, type RedisProcess } from '../lib/localcluster/redis-process';
import { cpuSeconds } from './proc';

const ROOT = path.join(__dirname, '..', '..');
const HOST = '127.0.0.1';

export interface RunningProxy {
  proc: RedisProcess;
  pid: number;
  port: number;
  /** spawn until it accepts connections, which includes reading the topology and COMMAND */
  startMs: number;
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
export const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

function tryConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: HOST }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

/** Starts the daemon; it is tracked so that it is killed by PID even if the bench dies. */
/** With `gcHook`, SIGUSR2 makes the daemon collect garbage (see gc-on-signal.ts and fullGc()). */
export async function startProxy(seeds: string, env: Record<string, string>, gcHook = false, timeoutMs = 60_000): Promise<RunningProxy> {
  const port = await findFreePort(HOST, false);
  const t0 = performance.now();
  const hook = gcHook ? ['--expose-gc', '-r', path.join(__dirname, 'gc-on-signal.js')] : [];
  const child: ChildProcess = spawn(process.execPath, [...hook, path.join(ROOT, 'dist', 'bin', 'slotproxy.js'), '--port', String(port)], {
    // one process: RSS and CPU are read from this one PID
    env: { ...process.env, SLOTPROXY_CLUSTER: seeds, SLOTPROXY_LOG_LEVEL: 'warn', SLOTPROXY_WORKERS: '1', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  trackChild(child);
  const proc: RedisProcess = { child, exited: new Promise((resolve) => child.once('exit', () => resolve())) };
  const running: RunningProxy = { proc, pid: child.pid!, port, startMs: 0 };
  try {
    while (!(await tryConnect(port))) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`slotproxy exited (${child.exitCode ?? child.signalCode}) before listening`);
      if (performance.now() - t0 > timeoutMs) throw new Error(`slotproxy did not listen on ${port} within ${timeoutMs} ms`);
      await sleep(20);
    }
  } catch (err) {
    await stopProxy(running);
    throw err;
  }
  running.startMs = performance.now() - t0;
  return running;
}

export async function stopProxy(p: RunningProxy | null): Promise<void> {
  if (p) await terminate(p.proc, 5000);
}

/** VmRSS and VmHWM (peak) of a process, bytes. */
export function rss(pid: number): { rss: number; peak: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/**
 * RSS once things have settled: we cannot make the proxy collect garbage, so read twice 1 s
 * apart and keep the second, by when timers and lazy frees have run.
 */
export async function settledRss(pid: number): Promise<{ rss: number; peak: number }> {
  await sleep(1000);
  rss(pid);
  await sleep(1000);
  return rss(pid);
}

/** A full GC in a daemon started with gcHook; settledRss() afterwards gives it time to finish. */
export function fullGc(p: RunningProxy): void {
  process.kill(p.pid, 'SIGUSR2');
}

export function infoField(info: unknown, field: string): number {
  const m = new RegExp(`^${field}:(\\S+)`, 'm').exec(String(info));
  if (!m) throw new Error(`INFO has no ${field}`);
  return Number(m[1]);
}

export function connect(port: number): Promise<ControlConnection> {
  return ControlConnection.connect(HOST, port, { commandTimeoutMs: 30_000 });
}

const PING = Buffer.from('*1\r\n$4\r\nPING\r\n');

/** One client that has connected, been answered +PONG, and then stays idle. */
function pingedSocket(port: number, sockets: net.Socket[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: HOST });
    sockets.push(s);
    let got = '';
    const timer = setTimeout(() => reject(new Error('no +PONG within 30 s')), 30_000);
    s.on('connect', () => s.write(PING));
    s.on('data', (d) => {
      got += d.toString('latin1');
      if (got === '+PONG\r\n') {
        clearTimeout(timer);
        resolve();
      } else if (got.length >= 7) {
        clearTimeout(timer);
        reject(new Error(`expected +PONG, got ${JSON.stringify(got.slice(0, 80))}`));
      }
    });
    s.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/**
 * Opens `n` sessions, `batch` at a time (a burst of 10,000 connects overflows the listen backlog
 * and turns into SYN retries, which measures the kernel, not the proxy). Sockets go into
 * `sockets` as they are made so the caller can destroy them even when this throws.
 */
export async function openIdle(port: number, n: number, sockets: net.Socket[], batch = 500): Promise<void> {
  for (let done = 0; done < n; done += batch) {
    await Promise.all(Array.from({ length: Math.min(batch, n - done) }, () => pingedSocket(port, sockets)));
  }
}

export function closeAll(sockets: net.Socket[]): void {
  for (const s of sockets.splice(0)) s.destroy();
}

/** Polls INFO until the proxy counts `n` clients (the closes reach it asynchronously). */
export async function waitForClients(admin: ControlConnection, n: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = infoField(await admin.call('INFO', 'clients'), 'connected_clients');
    if (now === n) return;
    if (Date.now() > deadline) throw new Error(`proxy still counts ${now} clients, expected ${n}`);
    await sleep(100);
  }
}

export interface RefreshCost {
  calls: number;
  meanMs: number;
  p50Ms: number;
  maxMs: number;
  /** proxy CPU ms per refresh over the timed calls */
  cpuMs: number;
  /** the same over a longer run, since /proc counts CPU in 10 ms ticks */
  cpuMsLong: number;
  longCalls: number;
}

async function refreshOnce(admin: ControlConnection): Promise<number> {
  const t = performance.now();
  const reply = await admin.call('PROXY', 'REFRESH');
  const ms = performance.now() - t;
  if (reply !== 'OK') throw new Error(`PROXY REFRESH answered ${JSON.stringify(reply)}`);
  return ms;
}

/** PROXY REFRESH as a client sees it, back to back, and the proxy's CPU for it. */
export async function refreshCost(admin: ControlConnection, pid: number, calls = 20, longCalls = 200): Promise<RefreshCost> {
  for (let i = 0; i < 3; i++) await refreshOnce(admin); // warm-up: JIT, first connections
  const times: number[] = [];
  let cpu0 = cpuSeconds(pid);
  for (let i = 0; i < calls; i++) times.push(await refreshOnce(admin));
  const cpuMs = ((cpuSeconds(pid) - cpu0) * 1000) / calls;
  cpu0 = cpuSeconds(pid);
  for (let i = 0; i < longCalls; i++) await refreshOnce(admin);
  const cpuMsLong = ((cpuSeconds(pid) - cpu0) * 1000) / longCalls;
  return { calls, meanMs: mean(times), p50Ms: median(times), maxMs: Math.max(...times), cpuMs, cpuMsLong, longCalls };
}

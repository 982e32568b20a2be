// One local redis-server process: spawn it (recorded in the process registry), wait until it
// answers, and end it again (SIGTERM, then SIGKILL), only ever by its own PID.
import type { TlsFiles } from '../backend/dial';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { isRunning, trackChild, trackTempDir } from './process-registry';
import { respCommand } from './resp-client';

export const REDIS_SERVER_MISSING =
  'install it with `apt-get install redis-server` (or pass the redisServer option with its path)';

/** How often a server is started on a fresh port after someone else took the one we picked. */
export const PORT_ATTEMPTS = 3;

/** A new directory under the OS temp dir, removed at exit if its owner does not get to it. */
export async function freshTempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  trackTempDir(dir);
  return dir;
}

export interface RedisProcess {
  child: ChildProcess;
  /** Resolves once the process has exited (or could not be spawned at all). */
  exited: Promise<void>;
  spawnError?: Error;
}

/** The machine's rule: local servers listen on loopback only. */
export function checkLoopbackHost(host: string): string {
  if ((net.isIPv4(host) && host.startsWith('127.')) || host === '::1') return host;
  throw new Error(
    `host ${JSON.stringify(host)} is not a loopback address: local Redis servers listen on loopback only; use 127.0.0.1 (or another 127.x.x.x address, or ::1)`,
  );
}

export function spawnRedis(binary: string, args: readonly string[]): RedisProcess {
  // detached: a terminal's Ctrl-C goes to the whole foreground process group; keeping the
  // servers out of it lets the owner shut down in order (proxy first, then the cluster).
  const child = spawn(binary, args, { stdio: 'ignore', detached: true });
  const proc: RedisProcess = { child, exited: Promise.resolve() };
  const spawned = child.pid !== undefined;
  proc.exited = new Promise((resolve) => {
    // A failed spawn emits 'error' (and may emit 'exit' first): wait for the error to know why.
    if (spawned) child.once('exit', () => resolve());
    child.on('error', (err) => {
      // Also emitted when a kill() fails; only a failed spawn means there is no process.
      if (!spawned) {
        proc.spawnError = err;
        resolve();
      }
    });
  });
  if (child.pid !== undefined) trackChild(child);
  return proc;
}

export async function tailLog(file: string, lines = 15): Promise<string> {
  try {
    const text = (await readFile(file, 'utf8')).trimEnd();
    return text ? text.split('\n').slice(-lines).join('\n') : '(log is empty)';
  } catch {
    return `(no log file at ${file})`;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves true if `p` settled within `ms`. */
export async function within(p: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([p.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export class RedisStartError extends Error {
  constructor(
    message: string,
    /** The port (or its bus port) was taken by someone else between picking and binding it. */
    readonly portTaken: boolean,
  ) {
    super(message);
  }
}

/**
 * Polls PING until the server answers. A NOAUTH reply counts as an answer: a server started with
 * requirepass in extraArgs is up, it just wants a password. Rejects with the log's tail when the
 * process exits first or nothing answers within `timeoutMs`.
 */
export async function waitForPing(
  proc: RedisProcess,
  host: string,
  port: number,
  logFile: string,
  opts: { password?: string; timeoutMs?: number; binary: string; tls?: TlsFiles },
): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  if (proc.child.pid === undefined) await proc.exited;
  for (;;) {
    if (proc.spawnError) {
      const code = (proc.spawnError as NodeJS.ErrnoException).code;
      throw new RedisStartError(
        code === 'ENOENT' ? `${opts.binary} not found: ${REDIS_SERVER_MISSING}` : `cannot start ${opts.binary}: ${proc.spawnError.message}`,
        false,
      );
    }
    if (!isRunning(proc.child)) {
      const tail = await tailLog(logFile);
      const how = proc.child.signalCode ? `was killed by ${proc.child.signalCode}` : `exited with code ${proc.child.exitCode}`;
      throw new RedisStartError(
        `redis-server for ${host}:${port} ${how} before answering PING; last lines of ${logFile}:\n${tail}`,
        /Address already in use/i.test(tail),
      );
    }
    try {
      const reply = await respCommand(host, port, ['PING'], { password: opts.password, timeoutMs: 1000, tls: opts.tls });
      if (reply === 'PONG') return;
      lastError = `unexpected PING reply ${JSON.stringify(reply)}`;
    } catch (err) {
      const msg = (err as Error).message;
      if (/NOAUTH/.test(msg)) return;
      lastError = msg;
    }
    if (Date.now() >= deadline) {
      const tail = await tailLog(logFile);
      throw new RedisStartError(
        `redis-server for ${host}:${port} (pid ${proc.child.pid}) did not answer PING within ${timeoutMs} ms (${lastError}); last lines of ${logFile}:\n${tail}`,
        false,
      );
    }
    await sleep(50);
  }
}

function signal(proc: RedisProcess, sig: NodeJS.Signals): void {
  if (!isRunning(proc.child)) return;
  try {
    process.kill(proc.child.pid!, sig);
  } catch {
    // It exited on its own meanwhile.
  }
}

/** SIGTERM, wait up to `graceMs`, then SIGKILL; resolves once the process has exited. */
export async function terminate(proc: RedisProcess, graceMs = 3000): Promise<void> {
  if (!isRunning(proc.child)) {
    await proc.exited;
    return;
  }
  signal(proc, 'SIGTERM');
  // A node paused with SIGSTOP (fault tests) would sit on the SIGTERM until the grace ran out.
  signal(proc, 'SIGCONT');
  if (await within(proc.exited, graceMs)) return;
  signal(proc, 'SIGKILL');
  if (!(await within(proc.exited, 5000))) {
    throw new Error(`redis-server pid ${proc.child.pid} did not exit even after SIGKILL`);
  }
}

/** Sends `sig` to the process by its PID; false if it has already exited. */
export function signalProcess(proc: RedisProcess, sig: NodeJS.Signals): boolean {
  if (!isRunning(proc.child)) return false;
  process.kill(proc.child.pid!, sig);
  return true;
}

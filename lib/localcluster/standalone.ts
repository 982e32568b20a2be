// A plain, non-cluster redis-server on a free loopback port, to compare the proxy's replies with
// what Redis itself answers.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { findFreePort, releasePort, reservePort } from './free-port';
import { untrackTempDir } from './process-registry';
import { checkLoopbackHost, freshTempDir, PORT_ATTEMPTS, RedisStartError, spawnRedis, terminate, waitForPing } from './redis-process';

const liveStandalones = new Set<StandaloneRedis>();

/** Stops every standalone server of this process that is still running. */
export async function stopAllStandalones(): Promise<void> {
  await Promise.all([...liveStandalones].map((s) => s.stop()));
}

export interface StandaloneRedis {
  host: string;
  port: number;
  pid: number;
  dir: string;
  logFile: string;
  stop(): Promise<void>;
}

/** A plain non-cluster redis-server in a fresh temp dir (removed on stop), for comparing replies. */
export async function startStandalone(
  opts: { host?: string; port?: number; extraArgs?: string[]; redisServer?: string } = {},
): Promise<StandaloneRedis> {
  const host = checkLoopbackHost(opts.host ?? '127.0.0.1');
  const binary = opts.redisServer ?? 'redis-server';
  const dir = await freshTempDir('slotproxy-redis-');
  const logFile = path.join(dir, 'redis.log');
  const removeDir = async (): Promise<void> => {
    await rm(dir, { recursive: true, force: true });
    untrackTempDir(dir);
  };
  for (let attempt = 1; ; attempt++) {
    let port: number;
    try {
      port = opts.port ?? (await findFreePort(host, false));
    } catch (err) {
      await removeDir();
      throw err;
    }
    if (opts.port !== undefined) reservePort(port);
    // A failed attempt's log must not decide why the next one failed.
    await rm(logFile, { force: true });
    const args = ['--port', String(port), '--bind', host, '--appendonly', 'no', '--save', '', '--daemonize', 'no', '--dir', dir, '--logfile', logFile, '--protected-mode', 'no', ...(opts.extraArgs ?? [])];
    const proc = spawnRedis(binary, args);
    let stopping: Promise<void> | null = null;
    const server: StandaloneRedis = {
      host,
      port,
      pid: proc.child.pid ?? 0,
      dir,
      logFile,
      stop() {
        stopping ??= (async () => {
          try {
            await terminate(proc);
          } finally {
            releasePort(port);
            await removeDir();
            liveStandalones.delete(server);
          }
        })();
        return stopping;
      },
    };
    liveStandalones.add(server);
    try {
      await waitForPing(proc, host, port, logFile, { binary });
      return server;
    } catch (err) {
      const retry = err instanceof RedisStartError && err.portTaken && opts.port === undefined && attempt < PORT_ATTEMPTS;
      if (!retry) {
        await server.stop().catch(() => undefined);
        throw err;
      }
      // Keep the taken port marked as handed out: someone else is using it.
      await terminate(proc);
      liveStandalones.delete(server);
    }
  }
}

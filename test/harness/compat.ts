// What the client compatibility suite (test/integration/compat/) shares: one proxy in front of
// the shared cluster, the hash tag every key of a file uses and the master that owns it, run
// tokens that keep the proxy's and the direct run's keys apart, replies made comparable, the
// redis-py runner, and cleanup of the keys and function libraries a file made.
import { execFile } from 'node:child_process';
import path from 'node:path';
import Redis from 'ioredis';
import { keySlot } from '../../lib/protocol/crc16';
import { sharedCluster, type SharedCluster } from './mocha-hooks';
import { startProxy, type RunningProxy } from './proxy';

export interface Target {
  host: string;
  port: number;
}

export interface CompatEnv {
  cluster: SharedCluster;
  proxy: RunningProxy;
  /** the proxy's address */
  viaProxy: Target;
  /** a hash tag, "{...}", whose slot `master` owns */
  tag: string;
  /** the master of the tag's slot: where a standalone client reaches the keys directly */
  master: Target;
  /** a cluster node other than `master`, where cluster clients start when they go direct */
  seed: Target;
  /** every master, for cleanup */
  masters: Target[];
  /** one hash tag per master (a key with tags[i] lives on masters[i]) */
  tags: string[];
}

const parse = (address: string): Target => {
  const at = address.lastIndexOf(':');
  return { host: address.slice(0, at), port: Number(address.slice(at + 1)) };
};

/** The shared cluster, a proxy of this file's own, and a tag on a master (`salt` picks which). */
export async function compatEnv(salt: string): Promise<CompatEnv> {
  const cluster = await sharedCluster();
  const proxy = await startProxy(cluster.seeds());
  const map = proxy.proxy.router.slotMap;
  const tag = `{compat-${salt}}`;
  const owner = map.owner(keySlot(Buffer.from(tag)));
  if (!owner) throw new Error(`no master serves the slot of ${tag}`);
  const seed = map.masters.find((m) => m !== owner) ?? owner;
  const tags = map.masters.map((master) => {
    for (let i = 0; ; i++) {
      const t = `{compat-${salt}-${i}}`;
      if (map.owner(keySlot(Buffer.from(t))) === master) return t;
    }
  });
  return {
    tags,
    cluster,
    proxy,
    viaProxy: { host: '127.0.0.1', port: proxy.port },
    tag,
    master: parse(owner),
    seed: parse(seed),
    masters: map.masters.map(parse),
  };
}

/** A token unique to one run of one case, so the proxy's and the direct run never share keys. */
let runs = 0;
export function runToken(kind: 'px' | 'dx'): string {
  return `${kind}${process.pid}r${++runs}`;
}

/**
 * A reply (or error) as plain JSON with the run's token replaced by "<run>", so the proxy's run
 * and the direct run can be compared.
 */
export function comparableJson(value: unknown, token: string): unknown {
  const fix = (s: string): string => s.split(token).join('<run>');
  const walk = (v: unknown): unknown => {
    if (v === null || v === undefined) return null;
    if (typeof v === 'string') return fix(v);
    if (Buffer.isBuffer(v)) return fix(v.toString('latin1'));
    if (typeof v === 'number' || typeof v === 'boolean') return v;
    if (typeof v === 'bigint') return Number(v);
    if (v instanceof Error) return { error: fix(v.message) };
    if (Array.isArray(v)) return v.map(walk);
    if (v instanceof Map) return [...v].map(([k, x]) => [walk(k), walk(x)]);
    if (typeof v === 'object') return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [fix(k), walk(x)]));
    return String(v);
  };
  return walk(value);
}

const PY_DIR = path.resolve(__dirname, '..', '..', '..', 'test', 'integration', 'compat', 'py');
/** Debian's python3 with python3-redis 4.3.4 (the python3 on PATH may be another one). */
export const PYTHON = '/usr/bin/python3';

/** Runs a script of test/integration/compat/py with `input` as JSON on stdin; resolves its JSON. */
export function runPython(script: string, input: unknown, timeoutMs = 60_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = execFile(PYTHON, [path.join(PY_DIR, script)], { timeout: timeoutMs, maxBuffer: 256 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${script}: ${err.message}\n${stderr}`));
      else {
        try {
          resolve(JSON.parse(stdout));
        } catch {
          reject(new Error(`${script} printed no JSON: ${stdout.slice(0, 500)}\n${stderr}`));
        }
      }
    });
    child.stdin!.end(JSON.stringify(input));
  });
}

/** The function library name of a run: library names allow letters, digits and '_' only. */
export const libraryName = (salt: string, token: string): string => `compat_${salt}_${token}`;

/** Deletes the keys of a file (they all carry its tag) and its function libraries from every master. */
export async function cleanup(env: CompatEnv, salt: string): Promise<void> {
  await Promise.all(
    env.masters.map(async (m) => {
      const r = new Redis({ host: m.host, port: m.port, lazyConnect: true, maxRetriesPerRequest: 0 });
      try {
        await r.connect();
        let cursor = '0';
        do {
          const [next, keys] = await r.scan(cursor, 'MATCH', `*compat-${salt}*`, 'COUNT', 1000);
          if (keys.length) await Promise.all(keys.map((k) => r.unlink(k)));
          cursor = next;
        } while (cursor !== '0');
        const libs = (await r.call('FUNCTION', 'LIST', 'LIBRARYNAME', `compat_${salt}_*`)) as unknown[][];
        for (const lib of libs) await r.call('FUNCTION', 'DELETE', String(lib[1]));
      } finally {
        r.disconnect();
      }
    }),
  );
}

/** Resolves once `check` holds, polling; rejects after `ms`. */
export async function eventually(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

// ioredis, standalone (Redis) and cluster (Cluster), through the proxy and straight to the
// cluster: application patterns must give the same results both ways.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import Redis, { Cluster } from 'ioredis';
import { eventually, libraryName, type Target } from '../../harness/compat';
import { dataScripts } from './command-scripts';
import { differential, MODES, sameScriptReplies, useCompatEnv, type ClientKind, type Mode, type Run, type Side } from './differential';

type Client = Redis | Cluster;

const SALT = 'io';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const digest = (v: string | Buffer | null): string => (v === null ? 'null' : `${v.length}:${createHash('sha1').update(v).digest('hex')}`);
const settled = async (p: Promise<unknown>): Promise<unknown> => p.then((v) => v, (e: Error) => e);

/** A function library; function names are global, so they carry the run's token too. */
const LIBRARY = (name: string, token: string): string => `#!lua name=${name}
redis.register_function('get_${token}', function(keys, args) return redis.call('GET', keys[1]) end)
redis.register_function{function_name='ro_${token}', callback=function(keys, args) return redis.call('STRLEN', keys[1]) end, flags={'no-writes'}}`;

describe('compatibility: ioredis through the proxy and directly', function () {
  this.timeout(60_000);
  const env = useCompatEnv(SALT);

  function client(mode: Mode, side: Side): Client {
    const redisOptions = { maxRetriesPerRequest: 0 };
    if (mode === 'standalone') {
      const to: Target = side === 'proxy' ? env().viaProxy : env().master;
      return new Redis({ host: to.host, port: to.port, ...redisOptions });
    }
    const seed: Target = side === 'proxy' ? env().viaProxy : env().seed;
    const c = new Cluster([{ host: seed.host, port: seed.port }], { redisOptions, shardedSubscribers: true });
    // a slots refresh cut short by disconnect() is reported as an 'error' event; commands report their own
    c.on('error', () => undefined);
    return c;
  }

  const kind = (mode: Mode): ClientKind<Client> => ({ connect: async (side) => client(mode, side), close: (c) => c.disconnect() });
  const both = (mode: Mode, scenario: (run: Run<Client>) => Promise<unknown>): Promise<unknown> => differential(env(), kind(mode), scenario);

  for (const mode of MODES) {
    describe(mode, function () {
      for (const family of Object.keys(dataScripts(String))) {
        it(`data types: ${family}`, async function () {
          await sameScriptReplies(env(), kind(mode), family, (c, [name, ...args]) => c.call(name, ...args));
        });
      }

      it('pipelines, with an error in the middle', async function () {
        await both(mode, async ({ open, k }) => {
          const c = await open();
          const p = c.pipeline();
          for (let i = 0; i < 100; i++) p.set(k(`p${i}`), String(i)).incr(k(`p${i}`));
          p.lpush(k('p1'), 'x').lrange(k('l'), 0, -1).mget(k('p1'), k('p2'), k('none'));
          for (let i = 0; i < 100; i++) p.get(k(`p${i}`));
          const out = (await p.exec())!;
          return out.map(([err, v]) => err ?? v);
        });
      });

      if (mode === 'standalone') {
        it('transactions: MULTI/EXEC with an error inside, EXECABORT, DISCARD', async function () {
          await both(mode, async ({ open, k }) => {
            const c = (await open()) as Redis;
            const ok = await c.multi().set(k('t'), 'a').incr(k('t')).append(k('t'), 'b').get(k('t')).exec();
            const aborted = await settled(c.multi().set(k('t2'), 'x').call('NOSUCHCOMMAND').exec());
            const afterAbort = await c.exists(k('t2'));
            await c.multi({ pipeline: false });
            const queued = await c.set(k('t3'), 'x');
            const discarded = await c.discard();
            return { ok: ok!.map(([e, v]) => e ?? v), aborted, afterAbort, queued, discarded, t3: await c.get(k('t3')) };
          });
        });

        it('transactions: WATCH fails EXEC after another client writes the key, and not otherwise', async function () {
          await both(mode, async ({ open, k }) => {
            const a = (await open()) as Redis;
            const b = (await open()) as Redis;
            await a.set(k('w'), '1');
            await a.watch(k('w'));
            await b.set(k('w'), '2');
            const conflicted = await a.multi().set(k('w'), 'a').exec();
            await a.watch(k('w'));
            const quiet = await a.multi().incr(k('w')).exec();
            await a.watch(k('w'));
            await a.unwatch();
            await b.set(k('w'), '5');
            const unwatched = await a.multi().incr(k('w')).exec();
            return { conflicted, quiet, unwatched, w: await a.get(k('w')) };
          });
        });
      }

      it('pub/sub: channels, patterns, sharded channels', async function () {
        await both(mode, async ({ open, k }) => {
          const sub = await open();
          const pub = await open();
          const got: string[] = [];
          sub.on('message', (ch: string, m: string) => got.push(`message ${ch} ${m}`));
          sub.on('pmessage', (p: string, ch: string, m: string) => got.push(`pmessage ${p} ${ch} ${m}`));
          sub.on('smessage', (ch: string, m: string) => got.push(`smessage ${ch} ${m}`));
          const counts = [await sub.subscribe(k('ch1'), k('ch2')), await sub.psubscribe(`${k('pat')}*`), await sub.ssubscribe(k('sch'))];
          await pub.publish(k('ch1'), 'one');
          await pub.publish(k('pat-x'), 'two');
          await pub.spublish(k('sch'), 'three');
          await pub.publish(k('ch2'), 'four');
          await eventually(() => got.length >= 4, 'four messages');
          const left = [await sub.unsubscribe(k('ch1'), k('ch2')), await sub.punsubscribe(`${k('pat')}*`), await sub.sunsubscribe(k('sch'))];
          return { counts, got: got.sort(), left };
        });
      });

      // What one server answers, whichever node a channel's slot is on (a cluster answers per
      // node, so these are not compared with the cluster clients' direct runs).
      it('pub/sub: PUBLISH and PUBSUB NUMSUB count every subscriber, as one server does', async function () {
        const sub = client(mode, 'proxy');
        const pub = client(mode, 'proxy');
        try {
          const channels = env().tags.map((t) => `${t}:ch`);
          await sub.subscribe(...channels);
          await sub.ssubscribe(`${env().tag}:sch`);
          const counts = [];
          for (const ch of channels) counts.push(await pub.publish(ch, 'm'));
          assert.deepEqual(
            { publish: counts, numsub: await pub.call('PUBSUB', 'NUMSUB', ...channels), spublish: await pub.spublish(`${env().tag}:sch`, 'm') },
            { publish: channels.map(() => 1), numsub: channels.flatMap((ch) => [ch, 1]), spublish: 1 },
          );
          assert.deepEqual(await pub.call('PUBSUB', 'SHARDNUMSUB', `${env().tag}:sch`), [`${env().tag}:sch`, 1]);
        } finally {
          sub.disconnect();
          pub.disconnect();
        }
      });

      it('scripts: EVALSHA through defineCommand, SCRIPT LOAD, FUNCTION LOAD and FCALL', async function () {
        await both(mode, async ({ open, k, token }) => {
          const c = await open();
          c.defineCommand('compatSwap', { numberOfKeys: 1, lua: "local old = redis.call('GET', KEYS[1]); redis.call('SET', KEYS[1], ARGV[1]); return old" });
          const swap = (v: string): Promise<unknown> => (c as unknown as { compatSwap(key: string, v: string): Promise<unknown> }).compatSwap(k('sw'), v);
          const swaps = [await swap('a'), await swap('b')];
          // a cluster client loads scripts and functions on every master itself (the proxy is its only one)
          const masters: Redis[] = c instanceof Cluster ? c.nodes('master') : [c];
          const [sha] = (await Promise.all(masters.map((n) => n.script('LOAD', "return redis.call('INCRBY', KEYS[1], ARGV[1])")))) as string[];
          const evalsha = [await c.evalsha(sha, 1, k('n'), 5), await c.evalsha(sha, 1, k('n'), 5)];
          const missing = await settled(c.evalsha('0'.repeat(40), 0));
          const lib = libraryName(SALT, token);
          const [loaded] = await Promise.all(masters.map((n) => n.call('FUNCTION', 'LOAD', 'REPLACE', LIBRARY(lib, token))));
          await c.set(k('f'), 'value');
          const fcalls = [
            await c.fcall(`get_${token}`, 1, k('f')),
            await c.call('FCALL_RO', `ro_${token}`, 1, k('f')),
            await settled(c.call('FCALL_RO', `get_${token}`, 1, k('f'))),
          ];
          return { swaps, evalsha, missing, loaded, fcalls };
        });
      });

      it('blocking commands woken by another client, and timing out', async function () {
        await both(mode, async ({ open, k }) => {
          const a = await open();
          const b = await open();
          const popped = a.blpop(k('q'), 5);
          const zpopped = b.bzpopmin(k('z'), 5);
          await sleep(50);
          const c = await open();
          await c.lpush(k('q'), 'v1', 'v2');
          await c.zadd(k('z'), 1, 'm');
          const timedOut = await a.brpop(k('empty'), 0.05);
          await c.xgroup('CREATE', k('s'), 'g', '$', 'MKSTREAM');
          const read = a.xreadgroup('GROUP', 'g', 'c1', 'BLOCK', 5000, 'STREAMS', k('s'), '>');
          await sleep(50);
          await c.xadd(k('s'), '7-1', 'f', 'v');
          const moved = b.blmove(k('src'), k('dst'), 'LEFT', 'RIGHT', 5);
          await sleep(50);
          await c.rpush(k('src'), 'm1');
          return { popped: await popped, zpopped: await zpopped, timedOut, read: await read, moved: await moved, dst: await c.lrange(k('dst'), 0, -1) };
        });
      });

      it('SCAN iteration finds every key once; HSCAN, SSCAN, ZSCAN over large collections', async function () {
        await both(mode, async ({ open, k }) => {
          const c = await open();
          const p = c.pipeline();
          for (let i = 0; i < 300; i++) p.set(k(`scan:${i}`), i);
          for (let i = 0; i < 300; i++) p.hset(k('h'), `f${i}`, i).sadd(k('s'), `m${i}`).zadd(k('z'), i, `m${i}`);
          await p.exec();
          const stream = <T>(s: NodeJS.ReadableStream): Promise<T[]> =>
            new Promise((resolve, reject) => {
              const all: T[] = [];
              s.on('data', (batch: T[]) => all.push(...batch));
              s.on('end', () => resolve(all));
              s.on('error', reject);
            });
          const nodes = c instanceof Cluster ? c.nodes('master') : [c];
          const keys = (await Promise.all(nodes.map((n) => stream<string>(n.scanStream({ match: k('scan:*'), count: 50 }))))).flat();
          // HSCAN and friends go to the key's node: a cluster client routes them by key
          const h = await stream<string>(c.hscanStream(k('h'), { count: 100 }));
          const s = await stream<string>(c.sscanStream(k('s'), { count: 100 }));
          const z = await stream<string>(c.zscanStream(k('z'), { count: 100 }));
          const pairs = (list: string[]): string[] => list.filter((_, i) => i % 2 === 0).sort();
          return { keys: keys.sort(), unique: new Set(keys).size, h: pairs(h), s: [...s].sort(), z: pairs(z) };
        });
      });

      it('big values (2 MB): SET/GET, MGET, APPEND, in a pipeline and in a hash', async function () {
        await both(mode, async ({ open, k }) => {
          const c = await open();
          const big = Buffer.alloc(2 << 20, 'abcdefghij');
          const other = Buffer.alloc(1 << 20, 'z');
          await c.set(k('big'), big);
          await c.set(k('other'), other);
          const got = await c.getBuffer(k('big'));
          const both = await c.mgetBuffer(k('big'), k('other'), k('none'));
          await c.append(k('other'), big);
          const p = c.pipeline().getBuffer(k('other')).hset(k('h'), 'f', big).hgetBuffer(k('h'), 'f').strlen(k('other'));
          const piped = (await p.exec())!.map(([e, v]) => e ?? (Buffer.isBuffer(v) ? digest(v) : v));
          return { got: digest(got), both: both.map(digest), piped, range: await c.getrange(k('big'), 2_000_000, 2_000_009) };
        });
      });
    });
  }

  describe('what only the proxy offers, against known values', function () {
    it('a standalone client runs multi-key commands across slots through the proxy', async function () {
      const c = client('standalone', 'proxy') as Redis;
      try {
        const keys = ['compat-io:a', 'compat-io:b', 'compat-io:c', 'compat-io:d'];
        assert.equal(await c.mset(keys[0], '1', keys[1], '2', keys[2], '3'), 'OK');
        assert.deepEqual(await c.mget(...keys), ['1', '2', '3', null]);
        assert.equal(await c.exists(...keys), 3);
        assert.equal(await c.del(...keys), 3);
      } finally {
        c.disconnect();
      }
    });

    it('a Cluster client pointed at the proxy sees one node that owns every slot', async function () {
      const c = client('cluster', 'proxy') as Cluster;
      try {
        await c.set(`${env().tag}:known`, 'v');
        assert.deepEqual(
          c.nodes('all').map((n) => `${n.options.host}:${n.options.port}`),
          [`127.0.0.1:${env().proxy.port}`],
        );
        assert.match(String(await c.cluster('INFO')), /^cluster_state:ok\r\n/);
      } finally {
        c.disconnect();
      }
    });
  });
});

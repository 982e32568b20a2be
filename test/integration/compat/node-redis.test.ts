// node-redis v5, standalone (createClient) and cluster (createCluster), in RESP2 and in RESP3
// (`RESP: 3`: HELLO 3, typed replies, push frames), through the proxy and straight to the
// cluster: application patterns must give the same results both ways.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
// @redis/client is the `redis` package's client without the module commands (JSON, search ...),
// whose types would make the build several times slower; the code is the same.
import { createClient, createCluster, defineScript, RESP_TYPES, VerbatimString } from '@redis/client';
import { eventually, libraryName, type Target } from '../../harness/compat';
import { dataScripts } from './command-scripts';
import { differential, MODES, sameScriptReplies, useCompatEnv, type ClientKind, type Mode, type Run, type Side } from './differential';

const SALT = 'nr';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const digest = (v: string | null): string => (v === null ? 'null' : `${v.length}:${createHash('sha1').update(v).digest('hex')}`);
const settled = async (p: Promise<unknown>): Promise<unknown> => p.then((v) => v, (e: Error) => e);

const scripts = {
  swap: defineScript({
    SCRIPT: "local old = redis.call('GET', KEYS[1]); redis.call('SET', KEYS[1], ARGV[1]); return old",
    NUMBER_OF_KEYS: 1,
    parseCommand(parser, key: string, value: string) {
      parser.pushKey(key);
      parser.push(value);
    },
    transformReply: undefined as unknown as () => string | null,
  }),
};

/** What this file calls of a node-redis client (its own types are too heavy to check here). */
type Pairs = { field: string; value: string }[];
interface NodeRedis {
  on(event: 'error', listener: (err: Error) => void): unknown;
  connect(): Promise<unknown>;
  destroy(): void;
  duplicate(): NodeRedis;
  /** a cluster's: the masters it discovered, and a client for one */
  masters?: { address: string }[];
  nodeClient?(master: { address: string }): Promise<NodeRedis>;
  sendCommand(...args: unknown[]): Promise<unknown>;
  multi(): NodeRedisMulti;
  watch(key: string): Promise<unknown>;
  swap(key: string, value: string): Promise<unknown>;
  scanIterator(options: { MATCH: string; COUNT: number }): AsyncIterable<string[]>;
  hScanIterator(key: string, options: { COUNT: number }): AsyncIterable<Pairs>;
  sScanIterator(key: string, options: { COUNT: number }): AsyncIterable<string[]>;
  zScanIterator(key: string, options: { COUNT: number }): AsyncIterable<{ value: string; score: number }[]>;
  subscribe(channels: string | string[], listener: (message: string, channel: string) => void): Promise<unknown>;
  pSubscribe(pattern: string, listener: (message: string, channel: string) => void): Promise<unknown>;
  sSubscribe(channel: string, listener: (message: string, channel: string) => void): Promise<unknown>;
  /** the typed command methods (set, lPush, xReadGroup ...): argument handling and reply transforms of the client */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [command: string]: any;
}
interface NodeRedisMulti {
  exec(): Promise<unknown[]>;
  execAsPipeline(): Promise<unknown[]>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [command: string]: any;
}

/** The protocols each case runs in: the client's `RESP` option. */
const PROTOCOLS = [2, 3] as const;
type Resp = (typeof PROTOCOLS)[number];

/** RESP3 replies as the wire typed them: maps, sets, verbatim strings (doubles are numbers already). */
const WIRE_TYPES = { [RESP_TYPES.MAP]: Map, [RESP_TYPES.SET]: Set, [RESP_TYPES.VERBATIM_STRING]: VerbatimString };

/** A reply with the JavaScript type node-redis made of its RESP type. */
function typed(v: unknown): unknown {
  if (v === null) return 'null';
  if (v instanceof VerbatimString) return `verbatim ${v.format}`;
  if (v instanceof Map) return { Map: [...v].map(([k, x]) => [typed(k), typed(x)]) };
  if (v instanceof Set) return { Set: [...v].map(typed).sort() };
  if (Array.isArray(v)) return v.map(typed);
  if (v instanceof Error) return { error: v.message };
  if (typeof v === 'object') return { Object: Object.entries(v as object).map(([key, x]) => [key, typed(x)]) };
  return `${typeof v} ${String(v)}`;
}

const newClient = (to: Target, RESP: Resp): NodeRedis =>
  createClient({ socket: { host: to.host, port: to.port, reconnectStrategy: false }, scripts, RESP }) as unknown as NodeRedis;
const newCluster = (to: Target, RESP: Resp): NodeRedis =>
  createCluster({ rootNodes: [{ socket: { host: to.host, port: to.port } }], defaults: { socket: { reconnectStrategy: false } }, scripts, RESP }) as unknown as NodeRedis;
type Client = NodeRedis;
type Standalone = NodeRedis;
type ClusterClient = NodeRedis;

const LIBRARY = (name: string, token: string): string => `#!lua name=${name}
redis.register_function('get_${token}', function(keys, args) return redis.call('GET', keys[1]) end)
redis.register_function{function_name='ro_${token}', callback=function(keys, args) return redis.call('STRLEN', keys[1]) end, flags={'no-writes'}}`;

describe('compatibility: node-redis v5 through the proxy and directly', function () {
  this.timeout(60_000);
  const env = useCompatEnv(SALT);

  async function connect(mode: Mode, side: Side, resp: Resp = 2): Promise<Client> {
    const c: Client = mode === 'standalone' ? newClient(side === 'proxy' ? env().viaProxy : env().master, resp) : newCluster(side === 'proxy' ? env().viaProxy : env().seed, resp);
    // errors reach the commands that meet them; a closed socket at the end is not one
    c.on('error', () => undefined);
    await c.connect();
    return c;
  }

  /** The first argument that is one of this file's keys: what a cluster client routes by. */
  const firstKey = (args: string[]): string | undefined => args.find((a) => a.includes(env().tag));

  function send(c: Client, args: string[]): Promise<unknown> {
    return c.masters !== undefined ? c.sendCommand(firstKey(args), false, args) : c.sendCommand(args);
  }

  /** The masters a cluster client knows (the proxy alone, through it), or the standalone client. */
  async function masters(c: Client): Promise<Standalone[]> {
    if (!c.masters || !c.nodeClient) return [c];
    const nodeClient = c.nodeClient.bind(c);
    return Promise.all(c.masters.map((m) => nodeClient(m)));
  }

  const kind = (mode: Mode, resp: Resp): ClientKind<Client> => ({ connect: (side) => connect(mode, side, resp), close: (c) => c.destroy() });

  for (const mode of MODES) for (const resp of PROTOCOLS) {
    const both = (_mode: Mode, scenario: (run: Run<Client>) => Promise<unknown>): Promise<unknown> => differential(env(), kind(mode, resp), scenario);
    describe(`${mode}, RESP${resp}`, function () {
      for (const family of Object.keys(dataScripts(String))) {
        it(`data types: ${family}`, async function () {
          await sameScriptReplies(env(), kind(mode, resp), family, send);
        });
      }

      if (resp === 3) {
        it('RESP3 types as the server sent them: maps, sets, doubles, nulls, verbatim strings, pairs', async function () {
          await both(mode, async ({ open, k }) => {
            const c = (await open()).withTypeMapping(WIRE_TYPES);
            await c.hSet(k('h'), { a: '1', b: '2' });
            await c.zAdd(k('z'), [{ score: 1.5, value: 'm1' }, { score: -2.25, value: 'm2' }]);
            await c.sAdd(k('s'), ['x', 'y']);
            await c.xAdd(k('x'), '1-1', { f: 'v' });
            const replies = await Promise.all([
              c.hGetAll(k('h')),
              c.zScore(k('z'), 'm1'),
              c.zScore(k('z'), 'none'),
              c.sMembers(k('s')),
              c.get(k('none')),
              // sent as is (no reply transform): a RESP3 double, not RESP2's bulk string
              send(c, ['ZSCORE', k('z'), 'm1']),
              send(c, ['ZRANGE', k('z'), '0', '-1', 'WITHSCORES']),
              send(c, ['XREAD', 'STREAMS', k('x'), '0']),
              c.info('server'),
              c.multi().hGetAll(k('h')).zScore(k('z'), 'm2').exec(),
            ].map((p) => p.then((v: unknown) => v, (e: Error) => e)));
            return replies.map(typed);
          });
        });
      }

      it('pipelines: commands sent in one tick, and MULTI sent as a pipeline', async function () {
        await both(mode, async ({ open, k }) => {
          const c = await open();
          const sent: Promise<unknown>[] = [];
          for (let i = 0; i < 100; i++) sent.push(c.set(k(`p${i}`), String(i)), c.incr(k(`p${i}`)));
          sent.push(c.lPush(k('p1'), 'x'), c.lRange(k('l'), 0, -1), c.mGet([k('p1'), k('p2'), k('none')]));
          for (let i = 0; i < 100; i++) sent.push(c.get(k(`p${i}`)));
          const replies = await Promise.all(sent.map(settled));
          const piped = await c.multi().set(k('m'), 'v').get(k('m')).incr(k('m')).execAsPipeline().then(
            (r: unknown[]) => r,
            (e: Error & { replies?: unknown[] }) => e.replies ?? e,
          );
          return { replies, piped };
        });
      });

      it('transactions: MULTI/EXEC with an error inside, and a WATCH conflict', async function () {
        await both(mode, async ({ open, k }) => {
          const c = await open();
          const ok = await c.multi().set(k('t'), 'a').incr(k('t')).append(k('t'), 'b').get(k('t')).exec().then(
            (r: unknown[]) => r,
            (e: Error & { replies?: unknown[] }) => e.replies ?? e,
          );
          if (c.masters !== undefined) return { ok };
          const other = (await open()) as Standalone;
          await c.set(k('w'), '1');
          await c.watch(k('w'));
          await other.set(k('w'), '2');
          const conflicted = await settled(c.multi().set(k('w'), 'a').exec());
          await c.watch(k('w'));
          const quiet = await c.multi().incr(k('w')).exec();
          return { ok, conflicted, quiet, w: await c.get(k('w')) };
        });
      });

      it('pub/sub: channels, patterns, sharded channels', async function () {
        await both(mode, async ({ open, k }) => {
          const pub = await open();
          const base = await open();
          const sub = base.masters !== undefined ? base : base.duplicate();
          if (sub !== base) {
            sub.on('error', () => undefined);
            await sub.connect();
          }
          const got: string[] = [];
          try {
            await sub.subscribe([k('ch1'), k('ch2')], (m: string, ch: string) => got.push(`message ${ch} ${m}`));
            await sub.pSubscribe(`${k('pat')}*`, (m: string, ch: string) => got.push(`pmessage ${ch} ${m}`));
            await sub.sSubscribe(k('sch'), (m: string, ch: string) => got.push(`smessage ${ch} ${m}`));
            await pub.publish(k('ch1'), 'one');
            await pub.publish(k('pat-x'), 'two');
            await pub.sPublish(k('sch'), 'three');
            await pub.publish(k('ch2'), 'four');
            await eventually(() => got.length >= 4, 'four messages');
            await sub.unsubscribe([k('ch1'), k('ch2')]);
            await sub.pUnsubscribe(`${k('pat')}*`);
            await sub.sUnsubscribe(k('sch'));
            await pub.publish(k('ch1'), 'after');
            return { got: got.sort() };
          } finally {
            if (sub !== base) sub.destroy();
          }
        });
      });

      it('scripts: defineScript (EVALSHA, EVAL on NOSCRIPT), SCRIPT LOAD, FUNCTION LOAD and FCALL', async function () {
        await both(mode, async ({ open, k, token }) => {
          const c = await open();
          const swaps = [await c.swap(k('sw'), 'a'), await c.swap(k('sw'), 'b')];
          // a cluster client loads scripts and functions on every master itself (the proxy is its only one)
          const nodes = await masters(c);
          const [sha] = await Promise.all(nodes.map((n) => n.scriptLoad("return redis.call('INCRBY', KEYS[1], ARGV[1])")));
          const evalsha = [await c.evalSha(sha, { keys: [k('n')], arguments: ['5'] }), await c.evalSha(sha, { keys: [k('n')], arguments: ['5'] })];
          const [loaded] = await Promise.all(nodes.map((n) => n.functionLoad(LIBRARY(libraryName(SALT, token), token), { REPLACE: true })));
          await c.set(k('f'), 'value');
          const fcalls = [
            await c.fCall(`get_${token}`, { keys: [k('f')] }),
            await c.fCallRo(`ro_${token}`, { keys: [k('f')] }),
            await settled(c.fCallRo(`get_${token}`, { keys: [k('f')] })),
          ];
          return { swaps, evalsha, loaded, fcalls };
        });
      });

      it('blocking commands woken by another client, and timing out', async function () {
        await both(mode, async ({ open, k }) => {
          const a = await open();
          const b = await open();
          const c = await open();
          const popped = a.blPop(k('q'), 5);
          const zpopped = b.bzPopMin(k('z'), 5);
          await sleep(50);
          await c.lPush(k('q'), ['v1', 'v2']);
          await c.zAdd(k('z'), { score: 1, value: 'm' });
          const results: Record<string, unknown> = { popped: await popped, zpopped: await zpopped };
          results.timedOut = await a.brPop(k('empty'), 0.05);
          await c.xGroupCreate(k('s'), 'g', '$', { MKSTREAM: true });
          const read = a.xReadGroup('g', 'c1', { key: k('s'), id: '>' }, { BLOCK: 5000 });
          await sleep(50);
          await c.xAdd(k('s'), '7-1', { f: 'v' });
          results.read = await read;
          const moved = b.blMove(k('src'), k('dst'), 'LEFT', 'RIGHT', 5);
          await sleep(50);
          await c.rPush(k('src'), 'm1');
          results.moved = await moved;
          results.dst = await c.lRange(k('dst'), 0, -1);
          return results;
        });
      });

      it('SCAN iteration finds every key once; HSCAN, SSCAN, ZSCAN over large collections', async function () {
        await both(mode, async ({ open, k }) => {
          const c = await open();
          const writes: Promise<unknown>[] = [];
          for (let i = 0; i < 300; i++) writes.push(c.set(k(`scan:${i}`), String(i)), c.hSet(k('h'), `f${i}`, String(i)), c.sAdd(k('s'), `m${i}`), c.zAdd(k('z'), { score: i, value: `m${i}` }));
          await Promise.all(writes);
          const keys: string[] = [];
          for (const node of await masters(c)) for await (const batch of node.scanIterator({ MATCH: k('scan:*'), COUNT: 50 })) keys.push(...batch);
          const fields: string[] = [];
          const members: string[] = [];
          const zmembers: string[] = [];
          if (c.masters === undefined) {
            for await (const batch of c.hScanIterator(k('h'), { COUNT: 100 })) fields.push(...batch.map((e) => e.field));
            for await (const batch of c.sScanIterator(k('s'), { COUNT: 100 })) members.push(...batch);
            for await (const batch of c.zScanIterator(k('z'), { COUNT: 100 })) zmembers.push(...batch.map((e) => e.value));
          } else {
            // a cluster client has no iterators for these: its HSCAN / SSCAN / ZSCAN, routed by key
            let cursor = '0';
            do {
              const r = (await c.hScan(k('h'), cursor, { COUNT: 100 })) as { cursor: string; entries: Pairs };
              fields.push(...r.entries.map((e) => e.field));
              cursor = r.cursor;
            } while (cursor !== '0');
            do {
              const r = (await c.sScan(k('s'), cursor, { COUNT: 100 })) as { cursor: string; members: string[] };
              members.push(...r.members);
              cursor = r.cursor;
            } while (cursor !== '0');
            do {
              const r = (await c.zScan(k('z'), cursor, { COUNT: 100 })) as { cursor: string; members: { value: string }[] };
              zmembers.push(...r.members.map((e) => e.value));
              cursor = r.cursor;
            } while (cursor !== '0');
          }
          return { keys: keys.sort(), unique: new Set(keys).size, fields: fields.sort(), members: members.sort(), zmembers: zmembers.sort() };
        });
      });

      it('big values (2 MB): SET/GET, MGET, APPEND, in one tick and in a hash', async function () {
        await both(mode, async ({ open, k }) => {
          const c = await open();
          const big = 'abcdefghij'.repeat(200_000);
          const other = 'z'.repeat(1 << 20);
          await c.set(k('big'), big);
          await c.set(k('other'), other);
          const got = await c.get(k('big'));
          const both = await c.mGet([k('big'), k('other'), k('none')]);
          await c.append(k('other'), big);
          const tick = await Promise.all([c.get(k('other')), c.hSet(k('h'), 'f', big), c.hGet(k('h'), 'f'), c.strLen(k('other'))]);
          return {
            got: digest(got),
            both: both.map(digest),
            tick: tick.map((v) => (typeof v === 'string' ? digest(v) : v)),
            range: await c.getRange(k('big'), 1_999_990, 1_999_999),
          };
        });
      });
    });
  }

  describe('what only the proxy offers, against known values', function () {
    it('createCluster pointed at the proxy discovers one master that owns every slot', async function () {
      const c = (await connect('cluster', 'proxy')) as ClusterClient;
      try {
        assert.deepEqual(
          c.masters!.map((m) => m.address),
          [`127.0.0.1:${env().proxy.port}`],
        );
        assert.equal(await c.set(`${env().tag}:known`, 'v'), 'OK');
      } finally {
        c.destroy();
      }
    });

    it('RESP3: multi-key commands across slots and whole-cluster commands, merged in RESP3', async function () {
      const c = ((await connect('standalone', 'proxy', 3)) as Standalone).withTypeMapping(WIRE_TYPES);
      try {
        const keys = env().tags.map((t) => `${t}:r3`);
        assert.equal(await c.mSet(keys.map((key, i) => [key, String(i)] as [string, string])), 'OK');
        await c.hSet(`${keys[0]}h`, { f: 'v' });
        assert.deepEqual(await c.mGet([...keys, 'compat-nr:none', `${keys[0]}h`]), [...keys.map((_, i) => String(i)), null, null]);
        assert.equal(await c.exists([...keys, 'compat-nr:none']), keys.length);
        assert.equal(typeof (await c.dbSize()), 'number');
        const info = await c.info('keyspace');
        assert.ok(info instanceof VerbatimString && info.format === 'txt' && /^# Keyspace\r\ndb0:keys=\d+/.test(String(info)), 'INFO keyspace merged from the masters, verbatim');
        const raw = { typeMapping: WIRE_TYPES };
        assert.ok((await c.sendCommand(['CLIENT', 'INFO'], raw)) instanceof VerbatimString);
        const hello = await c.sendCommand(['HELLO'], raw);
        assert.ok(hello instanceof Map && hello.get('proto') === 3 && hello.get('mode') === 'cluster', 'HELLO: a map');
        assert.equal(await c.del([...keys, `${keys[0]}h`]), keys.length + 1);
      } finally {
        c.destroy();
      }
    });

    it('RESP2 and RESP3 clients side by side: each gets its own protocol, pub/sub messages to both', async function () {
      const two = (await connect('standalone', 'proxy', 2)) as Standalone;
      const three = (await connect('standalone', 'proxy', 3)) as Standalone;
      const subs = [two.duplicate(), three.duplicate()];
      try {
        for (const s of subs) {
          s.on('error', () => undefined);
          await s.connect();
        }
        const h = `${env().tag}:side`;
        await two.hSet(h, { a: '1' });
        const [raw2, raw3] = await Promise.all([two.sendCommand(['HGETALL', h]), three.sendCommand(['HGETALL', h], { typeMapping: WIRE_TYPES })]);
        assert.deepEqual(raw2, ['a', '1'], 'RESP2: a flat array');
        assert.ok(raw3 instanceof Map && raw3.get('a') === '1', 'RESP3: a map');
        const got: string[][] = [[], []];
        await subs[0].subscribe(`${env().tag}:news`, (m: string) => got[0].push(m));
        await subs[1].subscribe(`${env().tag}:news`, (m: string) => got[1].push(m));
        await subs[1].sSubscribe(`${env().tag}:snews`, (m: string) => got[1].push(`s:${m}`));
        // a RESP3 subscriber runs other commands on the same connection
        assert.equal(await subs[1].get(`${env().tag}:none`), null);
        await three.publish(`${env().tag}:news`, 'hi');
        await two.sPublish(`${env().tag}:snews`, 'sharded');
        await eventually(() => got[0].length === 1 && got[1].length === 2, 'the messages');
        assert.deepEqual(got, [['hi'], ['hi', 's:sharded']]);
        await two.del(h);
      } finally {
        for (const c of [two, three, ...subs]) c.destroy();
      }
    });

    it('a standalone client runs multi-key commands across slots through the proxy', async function () {
      const c = (await connect('standalone', 'proxy')) as Standalone;
      try {
        const keys = env().tags.map((t) => `${t}:x`);
        assert.equal(await c.mSet(keys.map((key, i) => [key, String(i)] as [string, string])), 'OK');
        assert.deepEqual(await c.mGet([...keys, 'compat-nr:none']), [...keys.map((_, i) => String(i)), null]);
        assert.equal(await c.del(keys), keys.length);
      } finally {
        c.destroy();
      }
    });
  });
});

// Every data type's single-key commands through the proxy give what a standalone Redis gives.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import Redis from 'ioredis';
import { startStandalone } from '../../lib/localcluster/local-cluster';
import { sharedCluster } from '../harness/mocha-hooks';
import { startProxy, type RunningProxy } from '../harness/proxy';

type Cmd = (string | number)[];

// One script per data type; keys carry a type prefix so scripts do not interfere. Keys of one
// multi-key command share a hash tag, as Redis Cluster requires.
const SCRIPTS: Record<string, Cmd[]> = {
  strings: [
    ['SET', 's:a', 'hello'], ['GET', 's:a'], ['APPEND', 's:a', ' world'], ['STRLEN', 's:a'], ['GETRANGE', 's:a', 0, 4],
    ['SETRANGE', 's:a', 6, 'WORLD'], ['GET', 's:a'], ['SET', 's:n', 10], ['INCR', 's:n'], ['INCRBY', 's:n', 5], ['DECR', 's:n'],
    ['DECRBY', 's:n', 3], ['INCRBYFLOAT', 's:n', '1.5'], ['GETSET', 's:n', 'x'], ['GETDEL', 's:n'], ['EXISTS', 's:n'],
    ['SETNX', 's:nx', 1], ['SETNX', 's:nx', 2], ['GET', 's:nx'], ['SET', 's:ex', 'v', 'EX', 100], ['TTL', 's:ex'],
    ['GETEX', 's:ex', 'PERSIST'], ['TTL', 's:ex'], ['MSET', '{s}1', 'a', '{s}2', 'b'], ['MGET', '{s}1', '{s}2', '{s}3'],
    ['MSETNX', '{s}3', 'c', '{s}4', 'd'], ['LCS', '{s}1', '{s}2'], ['SET', 's:big', 'x'.repeat(100_000)], ['STRLEN', 's:big'],
    ['INCR', 's:a'], ['SET', 's:a', 'v', 'NX', 'GET'], ['SET', 's:a', 'w', 'XX', 'GET'],
  ],
  keys: [
    ['SET', 'k:a', 1], ['TYPE', 'k:a'], ['EXPIRE', 'k:a', 100], ['TTL', 'k:a'], ['PERSIST', 'k:a'], ['TTL', 'k:a'],
    ['PEXPIRE', 'k:a', 100000], ['PERSIST', 'k:a'], ['RENAME', '{k}a', '{k}b'], ['SET', '{k}a', 1], ['RENAME', '{k}a', '{k}b'],
    ['GET', '{k}b'], ['RENAMENX', '{k}b', '{k}c'], ['COPY', '{k}c', '{k}d'], ['GET', '{k}d'], ['DEL', '{k}c', '{k}d'],
    ['UNLINK', 'k:a'], ['TOUCH', 'k:a'], ['OBJECT', 'ENCODING', '{k}b'], ['EXISTS', '{k}b', '{k}x'], ['TYPE', 'k:none'],
    ['EXPIRETIME', '{k}b'], ['SORT', 'k:none'], ['RPUSH', 'k:l', 3, 1, 2], ['SORT', 'k:l'], ['SORT_RO', 'k:l', 'DESC'],
  ],
  lists: [
    ['RPUSH', 'l:a', 'a', 'b', 'c'], ['LPUSH', 'l:a', 'z'], ['LRANGE', 'l:a', 0, -1], ['LLEN', 'l:a'], ['LINDEX', 'l:a', 1],
    ['LSET', 'l:a', 0, 'y'], ['LINSERT', 'l:a', 'BEFORE', 'b', 'x'], ['LREM', 'l:a', 1, 'x'], ['LPOS', 'l:a', 'c'],
    ['LTRIM', 'l:a', 0, 2], ['LPOP', 'l:a'], ['RPOP', 'l:a'], ['RPUSHX', 'l:none', 1], ['LPUSHX', 'l:a', 'q'],
    ['RPUSH', '{l}src', 1, 2, 3], ['LMOVE', '{l}src', '{l}dst', 'LEFT', 'RIGHT'], ['RPOPLPUSH', '{l}src', '{l}dst'],
    ['LRANGE', '{l}dst', 0, -1], ['LMPOP', 2, '{l}src', '{l}dst', 'LEFT', 'COUNT', 2], ['LPOP', 'l:a', 5], ['LPOP', 'l:none'],
  ],
  hashes: [
    ['HSET', 'h:a', 'f1', 'v1', 'f2', 'v2', 'n', 1], ['HGET', 'h:a', 'f1'], ['HMGET', 'h:a', 'f1', 'nope'], ['HLEN', 'h:a'],
    ['HEXISTS', 'h:a', 'f2'], ['HINCRBY', 'h:a', 'n', 5], ['HINCRBYFLOAT', 'h:a', 'n', '0.5'], ['HDEL', 'h:a', 'f2'],
    ['HSETNX', 'h:a', 'f1', 'other'], ['HSTRLEN', 'h:a', 'f1'], ['HGETALL', 'h:a'], ['HKEYS', 'h:a'], ['HVALS', 'h:a'],
    ['HSCAN', 'h:a', 0], ['HMSET', 'h:b', 'x', 1], ['HGETALL', 'h:none'],
  ],
  sets: [
    ['SADD', 'set:a', 'a', 'b', 'c'], ['SCARD', 'set:a'], ['SISMEMBER', 'set:a', 'a'], ['SMISMEMBER', 'set:a', 'a', 'z'],
    ['SREM', 'set:a', 'c'], ['SMEMBERS', 'set:a'], ['SSCAN', 'set:a', 0], ['SADD', '{set}1', 1, 2, 3], ['SADD', '{set}2', 2, 3, 4],
    ['SINTER', '{set}1', '{set}2'], ['SUNION', '{set}1', '{set}2'], ['SDIFF', '{set}1', '{set}2'], ['SINTERCARD', 2, '{set}1', '{set}2'],
    ['SINTERSTORE', '{set}3', '{set}1', '{set}2'], ['SMOVE', '{set}1', '{set}2', 1], ['SMEMBERS', '{set}2'], ['SCARD', 'set:none'],
  ],
  zsets: [
    ['ZADD', 'z:a', 1, 'a', 2, 'b', 3, 'c'], ['ZSCORE', 'z:a', 'b'], ['ZINCRBY', 'z:a', 5, 'a'], ['ZRANGE', 'z:a', 0, -1, 'WITHSCORES'],
    ['ZRANK', 'z:a', 'a'], ['ZREVRANK', 'z:a', 'a'], ['ZCARD', 'z:a'], ['ZCOUNT', 'z:a', 0, 3], ['ZRANGEBYSCORE', 'z:a', 2, 10],
    ['ZREVRANGE', 'z:a', 0, 1], ['ZRANGEBYLEX', 'z:lex', '-', '+'], ['ZMSCORE', 'z:a', 'a', 'x'], ['ZREM', 'z:a', 'c'],
    ['ZPOPMIN', 'z:a'], ['ZPOPMAX', 'z:a'], ['ZADD', '{z}1', 1, 'a', 2, 'b'], ['ZADD', '{z}2', 3, 'b', 4, 'c'],
    ['ZUNIONSTORE', '{z}3', 2, '{z}1', '{z}2'], ['ZINTER', 2, '{z}1', '{z}2', 'WITHSCORES'], ['ZDIFF', 2, '{z}1', '{z}2'],
    ['ZRANGESTORE', '{z}4', '{z}3', 0, -1], ['ZMPOP', 1, '{z}4', 'MIN'], ['ZREMRANGEBYRANK', '{z}3', 0, 0], ['ZSCAN', '{z}3', 0],
  ],
  streams: [
    ['XADD', 'x:a', '1-1', 'f', 'v'], ['XADD', 'x:a', '1-2', 'f', 'w'], ['XLEN', 'x:a'], ['XRANGE', 'x:a', '-', '+'],
    ['XREVRANGE', 'x:a', '+', '-', 'COUNT', 1], ['XREAD', 'COUNT', 10, 'STREAMS', 'x:a', '0-0'],
    ['XGROUP', 'CREATE', 'x:a', 'g', '0'], ['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', 1, 'STREAMS', 'x:a', '>'],
    ['XACK', 'x:a', 'g', '1-1'], ['XPENDING', 'x:a', 'g'], ['XCLAIM', 'x:a', 'g', 'c2', 0, '1-1'], ['XDEL', 'x:a', '1-2'],
    ['XTRIM', 'x:a', 'MAXLEN', 0], ['XINFO', 'GROUPS', 'x:a'], ['XSETID', 'x:a', '5-0'], ['XAUTOCLAIM', 'x:a', 'g', 'c', 0, '0-0'],
  ],
  'hyperloglog, geo, bitmaps, scripts': [
    ['PFADD', 'p:a', 'a', 'b', 'c'], ['PFCOUNT', 'p:a'], ['PFADD', '{p}1', 'x'], ['PFADD', '{p}2', 'y'], ['PFMERGE', '{p}3', '{p}1', '{p}2'],
    ['PFCOUNT', '{p}3'], ['GEOADD', 'g:a', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania'],
    ['GEODIST', 'g:a', 'Palermo', 'Catania', 'km'], ['GEOHASH', 'g:a', 'Palermo'], ['GEOSEARCH', 'g:a', 'FROMLONLAT', 15, 37, 'BYRADIUS', 200, 'km', 'ASC'],
    ['SETBIT', 'b:a', 7, 1], ['GETBIT', 'b:a', 7], ['BITCOUNT', 'b:a'], ['BITPOS', 'b:a', 1], ['BITFIELD', 'b:a', 'INCRBY', 'u8', 0, 10],
    ['BITFIELD_RO', 'b:a', 'GET', 'u8', 0], ['BITOP', 'OR', '{b}dest', '{b}1', '{b}2'],
    ['EVAL', "return redis.call('SET', KEYS[1], ARGV[1])", 1, 'e:a', 'v'], ['EVAL', "return redis.call('GET', KEYS[1])", 1, 'e:a'],
    ['EVAL_RO', "return redis.call('GET', KEYS[1])", 1, 'e:a'], ['EVAL', 'return {1,2,{3,"x"}}', 0], ['EVAL', "return redis.error_reply('boom')", 0],
    ['DUMP', 'e:none'],
  ],
};

// Replies whose order is the server's hash order, which differs between processes.
const UNORDERED = new Set(['SMEMBERS', 'SINTER', 'SUNION', 'SDIFF', 'SSCAN', 'HKEYS', 'HVALS', 'HGETALL', 'HSCAN']);

function normalise(name: string, reply: unknown): unknown {
  if (!UNORDERED.has(name.toUpperCase()) || !Array.isArray(reply)) return reply;
  const flat = (v: unknown): unknown[] => (Array.isArray(v) ? v.flatMap(flat) : [v]);
  return flat(reply).map(String).sort();
}

async function run(client: Redis, cmds: Cmd[]): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const [name, ...args] of cmds) {
    try {
      out.push(normalise(String(name), await client.call(String(name), ...args.map(String))));
    } catch (err) {
      out.push({ error: (err as Error).message });
    }
  }
  return out;
}

/** One redis-cli process reading every command from stdin, as a user piping a script would. */
function redisCli(port: number, cmds: Cmd[]): Promise<string> {
  const quote = (a: string | number): string =>
    '"' + [...Buffer.from(String(a))].map((c) => (c === 34 || c === 92 ? `\\${String.fromCharCode(c)}` : c < 32 || c > 126 ? `\\x${c.toString(16).padStart(2, '0')}` : String.fromCharCode(c))).join('') + '"';
  return new Promise((resolve, reject) => {
    const child = execFile('redis-cli', ['-h', '127.0.0.1', '-p', String(port)], { maxBuffer: 1 << 24 }, (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    );
    child.stdin!.end(cmds.map((c) => c.map(quote).join(' ')).join('\n') + '\n');
  });
}

describe('data types through the proxy match a standalone Redis', function () {
  let proxy: RunningProxy;
  let viaProxy: Redis;
  let direct: Redis;
  let standalone: { port: number; stop(): Promise<void> };

  before(async function () {
    const cluster = await sharedCluster();
    proxy = await startProxy(cluster.seeds());
    standalone = await startStandalone();
    viaProxy = new Redis({ port: proxy.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
    direct = new Redis({ port: standalone.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
    await viaProxy.connect();
    await direct.connect();
  });

  after(async function () {
    viaProxy?.disconnect();
    direct?.disconnect();
    await proxy?.stop();
    await standalone?.stop();
  });

  it('redis-cli gives the same output through the proxy as from a standalone Redis', async function () {
    // fresh keys, and no replies in hash order: the output is compared as text
    const cmds = Object.values(SCRIPTS)
      .flat()
      .filter((c) => !UNORDERED.has(String(c[0]).toUpperCase()))
      .map((c) => c.map((a, i) => (i > 0 && typeof a === 'string' && /^[a-z]+:|^\{/.test(a) ? `cli-${a}` : a)));
    const [mine, theirs] = await Promise.all([redisCli(proxy.port, cmds), redisCli(standalone.port, cmds)]);
    const a = mine.split('\n');
    const b = theirs.split('\n');
    assert.ok(b.length > cmds.length, 'redis-cli printed a line per reply at least');
    for (let i = 0; i < Math.max(a.length, b.length); i++) assert.equal(a[i], b[i], `line ${i + 1}`);
  });

  for (const [family, cmds] of Object.entries(SCRIPTS)) {
    it(family, async function () {
      const expected = await run(direct, cmds);
      const actual = await run(viaProxy, cmds);
      for (let i = 0; i < cmds.length; i++) {
        assert.deepEqual(actual[i], expected[i], `${cmds[i].join(' ').slice(0, 80)}: proxy ${JSON.stringify(actual[i])?.slice(0, 200)}`);
      }
    });
  }
});

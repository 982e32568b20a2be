// RESP3 clients through the proxy, compared with a standalone Redis 7.0 given HELLO 3 and the same
// commands: Redis's own RESP3 replies (forwarded from the nodes' RESP3 connections), the merges of
// commands split across slots, and what the proxy answers itself, byte for byte where the content
// is the same. Where it cannot be (INFO, CLIENT LIST, CLUSTER ..., counts over other keys), the
// RESP3 shape is checked instead. RESP2 and RESP3 clients side by side on one proxy.
import assert from 'node:assert/strict';
import { proxyBesideRedis } from '../harness/beside-redis';
import { sharedCluster } from '../harness/mocha-hooks';
import { startProxy } from '../harness/proxy';
import { Resp3Conn } from '../harness/resp3-conn';
import { tagPerMaster } from '../harness/slot-tags';

const RUN = `r3p${process.pid}`;

describe('RESP3 through the proxy, against a standalone Redis 7.0', function () {
  this.timeout(60_000);
  const pair = proxyBesideRedis();
  /** keys of this run, one per master of the cluster (so a command of several is split) */
  let keys: string[];

  before(function () {
    keys = tagPerMaster(pair.proxy, 'k').map((tag) => `${RUN}:${tag}`);
  });

  /** The frames of `commands` pipelined on a fresh RESP3 connection to `port`. */
  async function run(port: number, commands: string[][], resp3 = true): Promise<string[]> {
    const c = resp3 ? await Resp3Conn.resp3(port) : await Resp3Conn.connect(port);
    try {
      return await c.call(...commands);
    } finally {
      c.close();
    }
  }

  async function same(commands: string[][]): Promise<string[]> {
    const [got, want] = await Promise.all([run(pair.proxy.port, commands), run(pair.redis.port, commands)]);
    commands.forEach((c, i) => assert.equal(got[i], want[i], `${c.join(' ')}`));
    return got;
  }

  it("Redis's own RESP3 replies: maps, sets, doubles, nulls, pairs, streams", async function () {
    const [a, b] = keys;
    const got = await same([
      ['HSET', `${a}:h`, 'f1', 'v1', 'f2', 'v2'],
      ['HGETALL', `${a}:h`],
      ['HGETALL', `${a}:none`],
      ['HSET', `${a}:h1`, 'only', 'one'],
      ['HRANDFIELD', `${a}:h1`, '-2', 'WITHVALUES'],
      ['ZADD', `${b}:z`, '1.5', 'm1', '2.25', 'm2', '-3e10', 'm3'],
      ['ZSCORE', `${b}:z`, 'm1'],
      ['ZSCORE', `${b}:z`, 'nope'],
      ['ZRANGE', `${b}:z`, '0', '-1', 'WITHSCORES'],
      ['ZINCRBY', `${b}:z`, '0.5', 'm1'],
      ['ZMSCORE', `${b}:z`, 'm1', 'nope'],
      ['INCRBYFLOAT', `${a}:f`, '2.5'],
      ['SADD', `${a}:s`, 'x'],
      ['SMEMBERS', `${a}:s`],
      ['SMISMEMBER', `${a}:s`, 'x', 'y'],
      ['GET', `${a}:none`],
      ['LPOP', `${a}:none`],
      ['BLPOP', `${a}:none`, '0.01'],
      ['XADD', `${a}:x`, '1-1', 'f', 'v'],
      ['XRANGE', `${a}:x`, '-', '+'],
      ['XREAD', 'STREAMS', `${a}:x`, '0'],
      ['XINFO', 'STREAM', `${a}:x`],
      ['HGET', `${a}:s`, 'f'],
      ['OBJECT', 'ENCODING', `${a}:h`],
      ['LPOS', `${a}:none`, 'x'],
      ['TYPE', `${b}:z`],
      ['EXPIRETIME', `${a}:h`],
    ]);
    assert.equal(got[1], '%2\r\n$2\r\nf1\r\n$2\r\nv1\r\n$2\r\nf2\r\n$2\r\nv2\r\n', 'a map, as Redis sends it');
    assert.equal(got[4], '*2\r\n*2\r\n$4\r\nonly\r\n$3\r\none\r\n*2\r\n$4\r\nonly\r\n$3\r\none\r\n', 'pairs in RESP3, a flat array in RESP2');
    assert.equal(got[6], ',1.5\r\n');
    assert.equal(got[7], '_\r\n');
    assert.equal(got[13], '~1\r\n$1\r\nx\r\n');
  });

  it('split across slots and merged: MGET with nulls, MSET, DEL/EXISTS/TOUCH/UNLINK sums, errors', async function () {
    const k = keys.map((x) => `${x}:m`);
    await same([
      ['MSET', k[0], 'a', k[1], 'b'],
      ['MGET', ...k, `${keys[0]}:none`],
      ['HSET', `${k[2]}h`, 'f', 'v'],
      ['MGET', k[0], `${k[2]}h`, k[1]],
      ['EXISTS', ...k, k[0]],
      ['TOUCH', ...k],
      ['DEL', k[0], `${keys[1]}:none`],
      ['UNLINK', ...k],
      ['MGET', ...k],
      ['MSET', k[0]],
    ]);
  });

  it("what the proxy answers itself: PING, ECHO, names, SELECT, COMMAND INFO, errors", async function () {
    await same([
      ['PING'],
      ['PING', 'hi'],
      ['ECHO', 'x'],
      ['CLIENT', 'GETNAME'],
      ['CLIENT', 'SETNAME', 'me'],
      ['CLIENT', 'GETNAME'],
      ['SELECT', '0'],
      ['SELECT', '1x'],
      ['COMMAND', 'INFO', 'get', 'nosuchcommand', 'sort', 'keys', 'config|get', 'xread'],
      // (not CLIENT: the proxy's has the Redis 7.2 subcommands it answers, SETINFO and NO-TOUCH)
      ['NOSUCHCOMMAND', 'a'],
      ['GET'],
      ['CLIENT', 'ID', 'extra'],
    ]);
  });

  it('MULTI/EXEC: the EXEC array holds RESP3 replies; WATCH and a conflict give a null', async function () {
    const [a, b] = keys;
    await same([['MULTI'], ['HSET', `${a}:t`, 'f', 'v'], ['HGETALL', `${a}:t`], ['ZADD', `${a}:tz`, '1', 'm'], ['ZSCORE', `${a}:tz`, 'm'], ['GET', `${a}:t`], ['EXEC']]);
    for (const port of [pair.proxy.port, pair.redis.port]) {
      const c = await Resp3Conn.resp3(port);
      const other = await Resp3Conn.connect(port);
      try {
        await c.call(['WATCH', `${a}:w`]);
        await other.call(['SET', `${a}:w`, port === pair.redis.port ? 'r' : 'p']);
        assert.deepEqual(await c.call(['MULTI'], ['GET', `${a}:w`], ['EXEC']), ['+OK\r\n', '+QUEUED\r\n', '_\r\n'], `${port}`);
        // a key watched on another master: the proxy answers EXEC's null itself (transaction-watch.ts)
        await c.call(['WATCH', `${a}:w`, `${b}:w`]);
        await other.call(['SET', `${b}:w`, 'touched']);
        assert.deepEqual(await c.call(['MULTI'], ['GET', `${a}:w`], ['EXEC']), ['+OK\r\n', '+QUEUED\r\n', '_\r\n'], `${port}, two nodes`);
      } finally {
        c.close();
        other.close();
      }
    }
  });

  it('the replies the proxy writes itself in RESP3 shapes: INFO, CLIENT, CLUSTER, PROXY, SLOWLOG, PUBSUB', async function () {
    const c = await Resp3Conn.resp3(pair.proxy.port);
    try {
      const [info, clientInfo, clientList, clusterInfo, clusterNodes, slots, shards, myid, topology, proxyClients, slowlog, numsub, channels, dbsize, wait, random] = await c.call(
        ['INFO', 'server', 'keyspace'],
        ['CLIENT', 'INFO'],
        ['CLIENT', 'LIST'],
        ['CLUSTER', 'INFO'],
        ['CLUSTER', 'NODES'],
        ['CLUSTER', 'SLOTS'],
        ['CLUSTER', 'SHARDS'],
        ['CLUSTER', 'MYID'],
        ['PROXY', 'TOPOLOGY'],
        ['PROXY', 'CLIENTS'],
        ['SLOWLOG', 'GET', '1'],
        ['PUBSUB', 'NUMSUB', `${RUN}:nobody`],
        ['PUBSUB', 'CHANNELS', `${RUN}:*`],
        ['DBSIZE'],
        ['WAIT', '0', '0'],
        ['RANDOMKEY'],
      );
      const verbatimText = (f: string): string => {
        const m = /^=(\d+)\r\ntxt:/.exec(f);
        assert.ok(m, `a verbatim string: ${f.slice(0, 40)}`);
        assert.equal(Buffer.byteLength(f, 'latin1'), m[0].length - 4 + Number(m[1]) + 2);
        return f.slice(m[0].length, -2);
      };
      assert.match(verbatimText(info), /# Server\r\nredis_version:7\.0\.\d+/);
      assert.match(verbatimText(info), /# Keyspace\r\n/, 'the masters\u2019 Keyspace, read in RESP3 and merged');
      assert.match(verbatimText(clientInfo), / resp=3 /);
      assert.match(verbatimText(clientList), / resp=3 /);
      assert.match(verbatimText(clusterInfo), /^cluster_state:ok\r\n/);
      assert.match(verbatimText(clusterNodes), / myself,master - 0 0 1 connected 0-16383\n$/);
      assert.match(slots, /^\*1\r\n\*3\r\n:0\r\n:16383\r\n\*4\r\n\$9\r\n127\.0\.0\.1\r\n:\d+\r\n\$40\r\n[0-9a-f]{40}\r\n%0\r\n$/, 'the node metadata is a map, as Redis 7.0 sends it');
      assert.match(shards, /^\*1\r\n%2\r\n\$5\r\nslots\r\n\*2\r\n:0\r\n:16383\r\n\$5\r\nnodes\r\n\*1\r\n%7\r\n\$2\r\nid\r\n/);
      assert.match(myid, /^\$40\r\n[0-9a-f]{40}\r\n$/);
      assert.match(topology, /^%6\r\n\$20\r\nslot_map_age_seconds\r\n:\d+\r\n/);
      assert.ok(topology.includes('$7\r\nmasters\r\n*3\r\n%4\r\n$7\r\naddress\r\n'), topology);
      assert.match(verbatimText(proxyClients), / resp=3 /);
      assert.match(slowlog, /^\*[01]\r\n/);
      assert.equal(numsub, `*2\r\n$${`${RUN}:nobody`.length}\r\n${RUN}:nobody\r\n:0\r\n`);
      assert.equal(channels, '*0\r\n');
      assert.match(dbsize, /^:\d+\r\n$/);
      assert.match(wait, /^:\d+\r\n$/);
      assert.match(random, /^(\$\d+\r\n.*\r\n|_\r\n)$/s);
    } finally {
      c.close();
    }
  });

  it('KEYS and SCAN walk every master over RESP3 connections', async function () {
    const c = await Resp3Conn.resp3(pair.proxy.port);
    try {
      await c.call(...keys.map((k) => ['SET', `${k}:scan`, '1']));
      const [list] = await c.call(['KEYS', `${RUN}:*:scan`]);
      assert.deepEqual(list.split('\r\n').filter((l) => l.endsWith(':scan')).sort(), keys.map((k) => `${k}:scan`).sort());
      const found: string[] = [];
      let cursor = '0';
      do {
        const [reply] = await c.call(['SCAN', cursor, 'MATCH', `${RUN}:*:scan`, 'COUNT', '1000']);
        const m = /^\*2\r\n\$\d+\r\n(\d+)\r\n\*\d+\r\n/.exec(reply);
        assert.ok(m, reply);
        cursor = m[1];
        found.push(...reply.split('\r\n').filter((l) => l.endsWith(':scan')));
      } while (cursor !== '0');
      assert.deepEqual(found.sort(), keys.map((k) => `${k}:scan`).sort());
    } finally {
      c.close();
    }
  });

  it('RESP2 and RESP3 clients side by side; RESP3 connections to the nodes only once a RESP3 client needs them', async function () {
    const fresh = await startProxy((await sharedCluster()).seeds(), { SLOTPROXY_ADMIN_COMMANDS: 'yes' });
    try {
      const resp3Conns = (): number => fresh.proxy.router.allNodes().reduce((n, node) => n + node.multiplexed().filter((c) => c.resp3).length, 0);
      const two = await Resp3Conn.connect(fresh.port);
      const h = `${keys[0]}:side`;
      const z = `${keys[1]}:side`;
      assert.deepEqual(await two.call(['HSET', h, 'a', '1', 'b', '2'], ['HGETALL', h], ['ZADD', z, '2', 'm1']), [':2\r\n', '*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n', ':1\r\n']);
      assert.equal(resp3Conns(), 0, 'no RESP3 connection while only RESP2 clients came');
      const three = await Resp3Conn.resp3(fresh.port);
      const rounds = 50;
      const pipeline = (): string[][] => Array.from({ length: rounds }, (_, i) => (i % 2 ? ['HGETALL', h] : ['ZSCORE', z, 'm1']));
      two.send(...pipeline());
      three.send(...pipeline());
      const [got2, got3] = await Promise.all([two.take(rounds), three.take(rounds)]);
      for (let i = 0; i < rounds; i++) {
        assert.equal(got2[i], i % 2 ? '*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n' : '$1\r\n2\r\n', `RESP2 #${i}`);
        assert.equal(got3[i], i % 2 ? '%2\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n' : ',2\r\n', `RESP3 #${i}`);
      }
      assert.ok(resp3Conns() >= 1 && resp3Conns() <= 2, `RESP3 connections to the two masters asked: ${resp3Conns()}`);
      // HELLO 2 takes a client back: its next replies are RESP2 again
      assert.deepEqual((await three.call(['HELLO', '2'], ['HGETALL', h])).slice(1), ['*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n']);
      assert.deepEqual(await three.call(['HELLO', '3'], ['RESET'], ['HGETALL', h]).then((r) => r.slice(1)), ['+RESET\r\n', '*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n'], 'RESET goes back to RESP2');
      // CONFIG GET (an operator's command, asked of a master): a map, as Redis sends it
      const config = [['CONFIG', 'GET', 'maxmemory-policy'], ['CONFIG', 'GET', 'nosuch*']];
      const [got, want] = await Promise.all([run(fresh.port, config), run(pair.redis.port, config)]);
      assert.deepEqual(got, want);
      assert.equal(got[0], '%1\r\n$16\r\nmaxmemory-policy\r\n$10\r\nnoeviction\r\n');
      two.close();
      three.close();
    } finally {
      await fresh.stop();
    }
  });
});

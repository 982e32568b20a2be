// Whole-cluster commands (SCAN, KEYS, DBSIZE, FLUSHALL, scripts, functions, WAIT, INFO keyspace),
// the one-node cluster view for cluster-aware clients, CLIENT commands and operator commands.
import assert from 'node:assert/strict';
import Redis, { Cluster } from 'ioredis';
import { LocalCluster, startStandalone } from '../../lib/localcluster/local-cluster';
import { slotOf } from '../../lib/protocol/crc16';
import { startProxy, type RunningProxy } from '../harness/proxy';
import { until } from '../harness/wait';

describe('cluster-wide commands', function () {
  this.timeout(120_000);
  let cluster: LocalCluster;
  let proxy: RunningProxy;
  let client: Redis;
  let standalone: { port: number; stop(): Promise<void> };

  before(async function () {
    // its own cluster: these tests flush it
    cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 1 });
    proxy = await startProxy(cluster.seeds(), { SLOTPROXY_ADMIN_COMMANDS: 'yes' });
    client = new Redis({ port: proxy.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    standalone = await startStandalone();
  });

  after(async function () {
    client?.disconnect();
    await proxy?.stop();
    await cluster?.stop();
    await standalone?.stop();
  });

  const keys = Array.from({ length: 10_000 }, (_, i) => `cw:${i}`);

  it('SCAN returns every key exactly once over 10,000 keys in every master', async function () {
    await client.flushall();
    await client.mset(keys.flatMap((k) => [k, 'v']));
    const seen = new Map<string, number>();
    let cursor = '0';
    let calls = 0;
    do {
      const [next, batch] = await client.scan(cursor, 'MATCH', 'cw:*', 'COUNT', 300);
      cursor = next;
      calls++;
      for (const k of batch) seen.set(k, (seen.get(k) ?? 0) + 1);
    } while (cursor !== '0');
    assert.equal(seen.size, keys.length);
    assert.ok([...seen.values()].every((n) => n === 1), 'no key twice');
    assert.ok(calls > 3);
    const owners = new Set(keys.map((k) => proxy.proxy.router.slotMap.owner(slotOf(k))));
    assert.equal(owners.size, 3);
    await assert.rejects(client.scan('not-a-cursor'), /ERR invalid cursor/);
    const [, typed] = (await client.call('SCAN', '0', 'TYPE', 'list', 'COUNT', '100000')) as [string, string[]];
    assert.deepEqual(typed, []);
  });

  it('KEYS, DBSIZE and RANDOMKEY see the whole cluster', async function () {
    assert.equal(await client.dbsize(), keys.length);
    assert.equal((await client.keys('cw:1*')).length, 1111);
    assert.match((await client.randomkey())!, /^cw:\d+$/);
    const info = (await client.info('keyspace')) as string;
    assert.match(info, new RegExp(`db0:keys=${keys.length},expires=0`));
  });

  it('FLUSHDB and FLUSHALL empty every master', async function () {
    assert.equal(await client.flushdb(), 'OK');
    assert.equal(await client.dbsize(), 0);
    assert.equal(await client.randomkey(), null);
    await client.set('cw:x', 1);
    assert.equal(await client.flushall('ASYNC'), 'OK');
    await until(async () => (await client.dbsize()) === 0, 'the async flush finished');
  });

  it('SCRIPT LOAD reaches every master, so EVALSHA works on any key; NOSCRIPT is repaired', async function () {
    const sha = (await client.script('LOAD', 'return {KEYS[1], ARGV[1]}')) as string;
    const direct = new Redis({ port: standalone.port, host: '127.0.0.1' });
    try {
      assert.equal(sha, await direct.script('LOAD', 'return {KEYS[1], ARGV[1]}'));
    } finally {
      direct.disconnect();
    }
    for (const k of ['a', 'b', 'c', 'd', 'e', 'f']) assert.deepEqual(await client.evalsha(sha, 1, k, 'x'), [k, 'x']);
    assert.deepEqual(await client.script('EXISTS', sha, '0000000000000000000000000000000000000000'), [1, 0]);
    // a node that lost the script (flushed behind the proxy's back) gets it again
    const owner = proxy.proxy.router.slotMap.owner(slotOf('a'))!;
    await cluster.cli(Number(owner.split(':')[1]), 'SCRIPT', 'FLUSH');
    assert.deepEqual(await client.script('EXISTS', sha), [0]);
    assert.deepEqual(await client.evalsha(sha, 1, 'a', 'again'), ['a', 'again']);
    assert.equal(await client.script('FLUSH'), 'OK');
    await assert.rejects(client.evalsha(sha, 1, 'b', 'x'), /NOSCRIPT/);
  });

  it('SCRIPT HELP and FUNCTION HELP answer as a standalone server does', async function () {
    const direct = new Redis({ port: standalone.port, host: '127.0.0.1' });
    try {
      for (const cmd of ['SCRIPT', 'FUNCTION']) assert.deepEqual(await client.call(cmd, 'HELP'), await direct.call(cmd, 'HELP'));
    } finally {
      direct.disconnect();
    }
  });

  it('FUNCTION LOAD reaches every master, so FCALL works on any key', async function () {
    const lib = "#!lua name=cwlib\nredis.register_function('cwget', function(keys, args) return redis.call('GET', keys[1]) end)";
    assert.equal(await client.call('FUNCTION', 'LOAD', lib), 'cwlib');
    for (const k of ['a', 'b', 'c', 'd']) {
      await client.set(k, `v-${k}`);
      assert.equal(await client.call('FCALL', 'cwget', 1, k), `v-${k}`);
    }
    assert.equal(((await client.call('FUNCTION', 'LIST')) as unknown[]).length, 1);
    assert.equal(await client.call('FUNCTION', 'DELETE', 'cwlib'), 'OK');
    await assert.rejects(client.call('FCALL', 'cwget', 1, 'a'), /Function not found/);
  });

  it('WAIT counts the replicas that acknowledged this client’s writes', async function () {
    await client.set('cw:w1', 1);
    await client.set('cw:w2', 2);
    assert.equal(await client.wait(1, 5000), 1);
    assert.equal(await client.wait(5, 50), 1, 'one replica per master: five never acknowledge');
    await assert.rejects(client.call('WAIT', 'x', '0'), /value is not an integer/);
  });

  it('cluster-aware clients see a one-node cluster and work through it', async function () {
    const slots = (await client.cluster('SLOTS')) as unknown[][];
    assert.equal(slots.length, 1);
    assert.deepEqual(slots[0].slice(0, 2), [0, 16383]);
    assert.deepEqual((slots[0][2] as unknown[]).slice(0, 2), ['127.0.0.1', proxy.port]);
    const id = await client.cluster('MYID');
    assert.match(String(id), /^[0-9a-f]{40}$/);
    assert.match(String(await client.cluster('NODES')), new RegExp(`^${id} 127.0.0.1:${proxy.port}@0 myself,master - 0 0 1 connected 0-16383\\n$`));
    assert.match(String(await client.cluster('INFO')), /cluster_state:ok/);
    assert.equal(await client.cluster('KEYSLOT', 'foo'), 12182);
    await client.set('foo', 1);
    assert.equal(await client.cluster('COUNTKEYSINSLOT', 12182), 1);
    assert.deepEqual(await client.cluster('GETKEYSINSLOT', 12182, 10), ['foo']);
    await assert.rejects(client.cluster('COUNTKEYSINSLOT', 99999), /Invalid slot/);
    assert.equal(await client.call('READONLY'), 'OK');

    const ioCluster = new Cluster([{ host: '127.0.0.1', port: proxy.port }], { redisOptions: { maxRetriesPerRequest: 0 } });
    try {
      await ioCluster.mset('ic:a', 1, 'ic:b', 2, 'ic:c', 3);
      assert.deepEqual(await ioCluster.mget('ic:a', 'ic:b', 'ic:c'), ['1', '2', '3']);
      const p = ioCluster.pipeline();
      for (let i = 0; i < 200; i++) p.incr(`ic:n${i % 13}`);
      assert.equal((await p.exec())!.filter(([e]) => e).length, 0);
      assert.equal(await ioCluster.get('ic:a'), '1');
      assert.equal(ioCluster.nodes('master').length, 1, 'ioredis sees the proxy as the only master');
    } finally {
      ioCluster.disconnect();
    }
  });

  it('CLIENT LIST / INFO / KILL are about the proxy’s own clients; RESET', async function () {
    const other = new Redis({ port: proxy.port, host: '127.0.0.1', connectionName: 'victim' });
    try {
      await other.ping();
      const list = (await client.client('LIST')) as string;
      assert.match(list, /name=victim/);
      const myId = await client.client('ID');
      assert.match((await client.client('INFO')) as string, new RegExp(`^id=${myId} addr=127\\.0\\.0\\.1:\\d+ `));
      const otherId = await other.client('ID');
      assert.equal(await client.client('KILL', 'ID', String(otherId)), 1);
      await until(() => other.status !== 'ready', 'the killed client is disconnected');
      assert.doesNotMatch((await client.client('LIST')) as string, new RegExp(`id=${otherId} `));
      await client.client('SETNAME', 'before-reset');
      assert.equal(await client.call('RESET'), 'RESET');
      assert.equal(await client.client('GETNAME'), null);
    } finally {
      other.disconnect();
    }
  });

  it('CONFIG GET from a master, CONFIG SET on every node', async function () {
    assert.deepEqual(await client.config('GET', 'maxmemory-policy'), ['maxmemory-policy', 'noeviction']);
    assert.equal(await client.config('SET', 'maxmemory-policy', 'allkeys-lru'), 'OK');
    for (const n of cluster.nodes) assert.match(await cluster.cli(n, 'CONFIG', 'GET', 'maxmemory-policy'), /allkeys-lru/);
    await assert.rejects(client.config('SET', 'no-such-setting', '1'), /failed on 6 of 6 nodes/);
    assert.equal(await client.config('SET', 'maxmemory-policy', 'noeviction'), 'OK');
  });
});

describe('operator commands are off by default', function () {
  it('CONFIG is refused with what to do', async function () {
    const cluster = await (await import('../harness/mocha-hooks')).sharedCluster();
    const proxy = await startProxy(cluster.seeds());
    const client = new Redis({ port: proxy.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    try {
      await assert.rejects(client.config('GET', 'save'), /SLOTPROXY_ADMIN_COMMANDS=yes/);
    } finally {
      client.disconnect();
      await proxy.stop();
    }
  });
});

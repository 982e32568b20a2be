// Issue 23, item 2: cluster clients start against the proxy (redis-py's RedisCluster checks INFO's
// cluster_enabled first), and every place that describes the proxy tells the same story: a
// one-node cluster at the address the client connected to, owning every slot.
import assert from 'node:assert/strict';
import Redis, { Cluster } from 'ioredis';
import { createCluster } from '@redis/client';
import { compatEnv, runPython, type CompatEnv } from '../../harness/compat';
import { keySlot } from '../../../lib/protocol/crc16';
import { command } from '../../../lib/protocol/resp';
import { exchange } from '../../harness/raw-client';

const SLOTS = 16384;

/** An array reply of alternating names and values as a Map. */
function asMap(list: unknown): Map<string, unknown> {
  const m = new Map<string, unknown>();
  const a = list as unknown[];
  for (let i = 0; i + 1 < a.length; i += 2) m.set(String(a[i]), a[i + 1]);
  return m;
}

describe('one server: cluster clients start against the proxy (issue 23, item 2)', function () {
  this.timeout(60_000);
  let env: CompatEnv;
  let client: Redis;

  before(async function () {
    env = await compatEnv('cc');
    client = new Redis({ host: env.viaProxy.host, port: env.viaProxy.port, maxRetriesPerRequest: 0 });
  });

  after(async function () {
    client?.disconnect();
    await env?.proxy.stop();
  });

  it('redis-py RedisCluster(host, port) starts, discovers the proxy as its one primary and routes to it', async function () {
    const r = (await runPython('cluster_start.py', { proxy: env.viaProxy, tag: env.tag })) as Record<string, unknown>;
    assert.deepEqual(r, {
      nodes: [`127.0.0.1:${env.proxy.port}:primary`],
      get: 'yes',
      keyslot: keySlot(Buffer.from(`${env.tag}:started`)),
      cluster_keyslot: keySlot(Buffer.from(`${env.tag}:started`)),
      cluster_enabled: 1,
    });
  });

  it('ioredis Cluster and node-redis createCluster start and find the same single node', async function () {
    const io = new Cluster([{ host: env.viaProxy.host, port: env.viaProxy.port }]);
    const nr = createCluster({ rootNodes: [{ socket: { host: env.viaProxy.host, port: env.viaProxy.port } }] });
    try {
      await io.set(`${env.tag}:io`, '1');
      await nr.connect();
      await nr.set(`${env.tag}:nr`, '1');
      const address = `127.0.0.1:${env.proxy.port}`;
      assert.deepEqual(io.nodes('all').map((n) => `${n.options.host}:${n.options.port}`), [address]);
      assert.deepEqual(nr.masters.map((m) => m.address), [address]);
      assert.equal(nr.replicas.length, 0);
    } finally {
      io.disconnect();
      nr.destroy();
    }
  });

  it('CLUSTER MYID, SLOTS, SHARDS, NODES, INFO and MYSHARDID describe the same one-node cluster', async function () {
    const port = env.proxy.port;
    const id = String(await client.cluster('MYID'));
    assert.match(id, /^[0-9a-f]{40}$/);
    assert.deepEqual(await client.cluster('SLOTS'), [[0, SLOTS - 1, ['127.0.0.1', port, id, []]]]);
    const [shard] = (await client.cluster('SHARDS')) as unknown[][];
    const s = asMap(shard);
    assert.deepEqual(s.get('slots'), [0, SLOTS - 1]);
    const nodes = s.get('nodes') as unknown[][];
    assert.equal(nodes.length, 1);
    const node = asMap(nodes[0]);
    assert.equal(node.get('id'), id);
    assert.equal(node.get('port'), port);
    assert.equal(node.get('endpoint'), '127.0.0.1');
    assert.equal(node.get('role'), 'master');
    assert.equal(node.get('health'), 'online');
    const lines = String(await client.cluster('NODES')).trim().split('\n');
    assert.equal(lines.length, 1);
    const f = lines[0].split(' ');
    assert.equal(f[0], id);
    assert.match(f[1], new RegExp(`^127\\.0\\.0\\.1:${port}@\\d+$`));
    assert.equal(f[2], 'myself,master');
    assert.equal(f[7], 'connected');
    assert.equal(f[8], `0-${SLOTS - 1}`);
    const info = new Map(String(await client.cluster('INFO')).trim().split('\r\n').map((l) => l.split(':') as [string, string]));
    assert.equal(info.get('cluster_state'), 'ok');
    assert.equal(info.get('cluster_slots_assigned'), String(SLOTS));
    assert.equal(info.get('cluster_slots_ok'), String(SLOTS));
    assert.equal(info.get('cluster_slots_fail'), '0');
    assert.equal(info.get('cluster_known_nodes'), '1');
    assert.equal(info.get('cluster_size'), '1');
    const shardId = String(await client.call('CLUSTER', 'MYSHARDID'));
    assert.match(shardId, /^[0-9a-f]{40}$/);
    assert.equal(await client.call('CLUSTER', 'MYSHARDID'), shardId);
  });

  it('INFO and HELLO say cluster too; a standalone client sees no other change', async function () {
    const info = String(await client.info('server', 'cluster'));
    assert.match(info, /\r\nredis_mode:cluster\r\n/);
    assert.match(info, /\r\ncluster_enabled:1\r\n/);
    const hello = asMap(await client.call('HELLO', '2'));
    assert.equal(hello.get('mode'), 'cluster');
    assert.equal(hello.get('role'), 'master');
    // what a plain client does keeps working: keys of any slot, SELECT 0, multi-key commands
    assert.equal(await client.select(0), 'OK');
    const keys = env.tags.map((t) => `${t}:plain`);
    assert.equal(await client.mset(...keys.flatMap((k) => [k, 'v'])), 'OK');
    assert.deepEqual(await client.mget(...keys), keys.map(() => 'v'));
    assert.equal(await client.del(...keys), keys.length);
  });

  it('COMMAND describes what the proxy answers: its own commands and subcommands included', async function () {
    const count = Number(await client.command('COUNT'));
    const all = (await client.call('COMMAND')) as unknown[][];
    assert.equal(all.length, count);
    assert.ok(all.some((e) => e[0] === 'proxy'));
    // LIST names subcommands too ("cluster|slots"), as Redis 7.0 does
    const list = ((await client.command('LIST')) as string[]).sort();
    assert.equal(list.filter((n) => !n.includes('|')).length, count);
    assert.ok(list.includes('proxy') && list.includes('proxy|topology') && list.includes('cluster|myshardid') && list.includes('get'));
    assert.deepEqual(await client.call('COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'proxy|t*'), ['proxy|topology']);
    const [proxyInfo] = (await client.command('INFO', 'proxy')) as unknown[][];
    assert.equal(proxyInfo[0], 'proxy');
    const [clusterInfo] = (await client.command('INFO', 'cluster')) as unknown[][];
    const subs = (clusterInfo[9] as unknown[][]).map((e) => e[0]);
    assert.ok(subs.includes('cluster|myshardid') && subs.includes('cluster|slots'), subs.join(' '));
  });

  it('COMMAND answers for the cluster’s own commands are the cluster’s, byte for byte', async function () {
    const master = env.masters[0];
    // entries without subcommands (a container lists them in its server's hash order)
    for (const args of [['COMMAND', 'INFO', 'get', 'SET', 'xreadgroup', 'config|get', 'nosuch', 'eval', 'georadius'], ['COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', 'hyperloglog'], ['COMMAND', 'LIST', 'FILTERBY', 'nope', 'x'], ['COMMAND', 'COUNT', 'x']]) {
      const [mine, theirs] = await Promise.all([exchange(env.proxy.port, command(args)), exchange(master.port, command(args))]);
      const sorted = (b: Buffer): string => b.toString('latin1').split('\r\n').sort().join('\n');
      // LIST is in the server's hash order: compared line by line, sorted
      assert.equal(args[1] === 'LIST' ? sorted(mine.data) : mine.data.toString('latin1'), args[1] === 'LIST' ? sorted(theirs.data) : theirs.data.toString('latin1'), args.join(' '));
    }
    const direct = new Redis({ host: master.host, port: master.port, maxRetriesPerRequest: 0 });
    try {
      const bySub = (a: unknown, b: unknown): number => String((a as unknown[])[0]).localeCompare(String((b as unknown[])[0]));
      const byName = (entries: unknown[][]): Map<string, unknown[]> => new Map(entries.map((e) => [String(e[0]), [...e.slice(0, 9), [...(e[9] as unknown[])].sort(bySub)]]));
      const mine = byName((await client.call('COMMAND')) as unknown[][]);
      const theirs = byName((await direct.call('COMMAND')) as unknown[][]);
      for (const [name, entry] of theirs) {
        const own = mine.get(name);
        assert.ok(own, name);
        if (name === 'client' || name === 'cluster') {
          // and the subcommands the proxy adds (Redis 7.2's CLIENT SETINFO, CLUSTER MYSHARDID)
          assert.deepEqual(own.slice(0, 9), entry.slice(0, 9), name);
          const extra = (own[9] as unknown[][]).filter((sub) => !(entry[9] as unknown[][]).some((e) => e[0] === sub[0]));
          assert.deepEqual((own[9] as unknown[]).filter((sub) => !extra.includes(sub as unknown[])), entry[9], name);
        } else assert.deepEqual(own, entry, name);
      }
    } finally {
      direct.disconnect();
    }
  });
});

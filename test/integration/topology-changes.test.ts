// The cluster changes under load: a slot with keys moves between masters (as redis-cli --cluster
// reshard does it), and a master fails over to its replica. Clients must see no error and lose
// no acknowledged write.
import assert from 'node:assert/strict';
import Redis from 'ioredis';
import { LocalCluster } from '../../lib/localcluster/local-cluster';
import { slotOf } from '../../lib/protocol/crc16';
import { runLoad, type LoadResult } from '../harness/load';
import { startProxy, type RunningProxy } from '../harness/proxy';
import { sleep, until } from '../harness/wait';

async function checkNothingLost(port: number, result: LoadResult): Promise<void> {
  const client = new Redis({ port, host: '127.0.0.1' });
  try {
    assert.deepEqual(result.errors.slice(0, 5), [], `${result.errors.length} errors reached clients`);
    assert.deepEqual(result.wrongReads.slice(0, 5), []);
    for (const [key, values] of result.pushed) {
      const stored = await client.lrange(key, 0, -1);
      assert.deepEqual([...stored].sort(), [...values].sort(), `every acknowledged RPUSH to ${key} is there`);
      // each worker's pushes keep their order
      for (let w = 0; w < 3; w++) {
        const mine = (v: string): boolean => v.startsWith(`w${w}-`);
        assert.deepEqual(stored.filter(mine), values.filter(mine));
      }
    }
    for (const [key, n] of result.incrs) assert.equal(Number(await client.get(key)), n, `every acknowledged INCR of ${key} counted`);
  } finally {
    client.disconnect();
  }
}

describe('topology changes under load', function () {
  this.timeout(180_000);

  describe('resharding: a slot with keys moves to another master', function () {
    let cluster: LocalCluster;
    let proxy: RunningProxy;

    before(async function () {
      cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 0 });
      // A long periodic refresh: the proxy has to follow ASK and MOVED by itself.
      proxy = await startProxy(cluster.seeds(), { SLOTPROXY_REFRESH_MS: '600000' });
    });

    after(async function () {
      await proxy?.stop();
      await cluster?.stop();
    });

    it('no error reaches the client and no write is lost', async function () {
      const tag = '{mig}';
      const slot = slotOf(tag);
      const nodes = await cluster.clusterNodes();
      const source = nodes.find((n) => n.role === 'master' && n.slots.some(([a, b]) => a <= slot && slot <= b))!;
      const target = nodes.find((n) => n.role === 'master' && n.id !== source.id)!;
      const seed = new Redis({ port: proxy.port, host: '127.0.0.1' });
      const fill = seed.pipeline();
      for (let i = 0; i < 300; i++) fill.set(`${tag}:k${i}`, `v${i}`);
      await fill.exec();
      seed.disconnect();

      const load = runLoad(proxy.port, [`${tag}:a`, `${tag}:b`, '{other}:c', 'plain-key']);
      // Multi-key reads of the moving slot meet TRYAGAIN while its keys are split between nodes.
      const reader = new Redis({ port: proxy.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
      const mgetErrors: string[] = [];
      let mgets = 0;
      let reading = true;
      const mgetLoop = (async () => {
        for (let i = 0; reading; i = (i + 7) % 299) {
          try {
            const got = await reader.mget(`${tag}:k${i}`, `${tag}:k${i + 1}`);
            if (got[0] !== `v${i}` || got[1] !== `v${i + 1}`) mgetErrors.push(`MGET k${i} k${i + 1} gave ${JSON.stringify(got)}`);
            mgets++;
          } catch (err) {
            mgetErrors.push((err as Error).message);
          }
        }
      })();
      await sleep(300);
      await cluster.cli(target.port, 'CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', source.id);
      await cluster.cli(source.port, 'CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', target.id);
      for (;;) {
        const keys = (await cluster.cli(source.port, 'CLUSTER', 'GETKEYSINSLOT', String(slot), '25')).split('\n').filter(Boolean);
        if (keys.length === 0) break;
        await cluster.cli(source.port, 'MIGRATE', target.host, String(target.port), '', '0', '5000', 'KEYS', ...keys);
        await sleep(20); // let the load interleave with the migration
      }
      for (const n of [target, source, ...nodes.filter((x) => x.role === 'master' && x.id !== source.id && x.id !== target.id)]) {
        await cluster.cli(n.port, 'CLUSTER', 'SETSLOT', String(slot), 'NODE', target.id);
      }
      await sleep(500);
      reading = false;
      await mgetLoop;
      reader.disconnect();
      assert.deepEqual(mgetErrors.slice(0, 5), [], `${mgetErrors.length} of ${mgets} MGETs failed`);
      const result = await load.stop();
      assert.ok(result.batches > 20, `the load ran (${result.batches} batches)`);
      const stats = proxy.proxy.router.stats;
      assert.ok(stats.moved + stats.ask > 0, 'the proxy followed redirects');
      await checkNothingLost(proxy.port, result);
      const check = new Redis({ port: proxy.port, host: '127.0.0.1' });
      try {
        for (let i = 0; i < 300; i += 37) assert.equal(await check.get(`${tag}:k${i}`), `v${i}`);
      } finally {
        check.disconnect();
      }
    });
  });

  describe('failover: CLUSTER FAILOVER on a replica', function () {
    let cluster: LocalCluster;
    let proxy: RunningProxy;

    before(async function () {
      cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 1 });
      proxy = await startProxy(cluster.seeds(), { SLOTPROXY_REFRESH_MS: '600000' });
    });

    after(async function () {
      await proxy?.stop();
      await cluster?.stop();
    });

    it('no error reaches the client and no write is lost', async function () {
      const keys = ['fo:a', 'fo:b', 'fo:c', 'fo:d', 'fo:e', 'fo:f'];
      const nodes = await cluster.clusterNodes();
      const slot = slotOf('fo:a');
      const master = nodes.find((n) => n.role === 'master' && n.slots.some(([a, b]) => a <= slot && slot <= b))!;
      const replica = nodes.find((n) => n.role === 'replica' && n.masterId === master.id)!;
      const load = runLoad(proxy.port, keys);
      await sleep(300);
      await cluster.cli(replica.port, 'CLUSTER', 'FAILOVER');
      await until(async () => (await cluster.clusterNodes()).some((n) => n.id === replica.id && n.role === 'master'), 'the replica is master');
      await cluster.waitForStable();
      await sleep(1000);
      const result = await load.stop();
      assert.ok(result.batches > 20, `the load ran (${result.batches} batches)`);
      await checkNothingLost(proxy.port, result);
      assert.equal(proxy.proxy.router.slotMap.owner(slot), `${replica.host}:${replica.port}`);
      assert.ok(proxy.proxy.router.stats.moved > 0, 'the proxy learnt the new master from MOVED, not from a periodic refresh');
    });
  });
});

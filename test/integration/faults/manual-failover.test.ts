// Fault: CLUSTER FAILOVER (coordinated) and CLUSTER FAILOVER TAKEOVER (the replica takes over
// without the master's agreement) under load: no error reaches a client, replies stay in order.
// A coordinated failover loses nothing; a takeover may lose the old master's last writes
// (Redis replicates asynchronously), which is counted and printed, not asserted.
import assert from 'node:assert/strict';
import { LocalCluster } from '../../../lib/localcluster/local-cluster';
import { slotOf } from '../../../lib/protocol/crc16';
import { addr, masterOf, nodeCall, slotsOf } from '../../harness/fault-cluster';
import { checkWrites, FaultLoad, keysAcrossSlots } from '../../harness/fault-load';
import { compareToBaseline, snapshot, type ResourceSnapshot } from '../../harness/fault-resources';
import { startProxy, type RunningProxy } from '../../harness/proxy';
import { sleep, until } from '../../harness/wait';

describe('fault: manual failover under load', function () {
  this.timeout(240_000);
  let cluster: LocalCluster;
  let proxy: RunningProxy;
  let base: ResourceSnapshot;

  before(async function () {
    cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 2000 });
    proxy = await startProxy(cluster.seeds(), { SLOTPROXY_REFRESH_MS: '600000' });
    const warm = new FaultLoad({ port: proxy.port, keys: keysAcrossSlots('warm', 16) }).start();
    await sleep(1000);
    await warm.stop();
    base = await snapshot();
  });

  after(async function () {
    await proxy?.stop();
    await cluster?.stop();
  });

  async function failoverUnderLoad(prefix: string, option: string[]): Promise<{ load: FaultLoad; shard: Set<number>; tookMs: number }> {
    const keys = keysAcrossSlots(prefix, 16);
    const master = await masterOf(cluster, 0);
    const replica = (await cluster.clusterNodes()).find((n) => n.role === 'replica' && n.masterId === master.id && !n.failed)!;
    const shard = new Set(slotsOf(master));
    const load = new FaultLoad({ port: proxy.port, keys, workers: 4 }).start('before');
    await sleep(1000);
    const at = load.mark('failover');
    await nodeCall(replica, 'CLUSTER', 'FAILOVER', ...option);
    await until(async () => (await cluster.clusterNodes()).some((n) => n.id === replica.id && n.role === 'master'), 'the replica is master', 30_000);
    const tookMs = Math.round(performance.now() - at);
    await cluster.waitForStable();
    load.mark('after');
    await sleep(1500);
    await load.stop();
    assert.equal(proxy.proxy.router.slotMap.owner(0), addr(replica), 'the proxy routes slot 0 to the new master');
    return { load, shard, tookMs };
  }

  function assertClean(load: FaultLoad): void {
    assert.deepEqual(load.violations.slice(0, 5), [], `${load.violations.length} violations of one-reply-in-order`);
    const errors = load.errors();
    assert.deepEqual(errors.slice(0, 3).map((r) => `${r.op} ${r.base}: ${r.error}`), [], `${errors.length} errors reached clients`);
    assert.ok(load.okCount > 1000, `the load ran (${load.okCount} ok)`);
  }

  it('CLUSTER FAILOVER: no error reaches a client, no acknowledged write is lost', async function () {
    const moved = proxy.proxy.router.stats.moved;
    const { load, tookMs } = await failoverUnderLoad('fo', []);
    load.print('CLUSTER FAILOVER');
    console.log(`        failover took ${tookMs} ms; MOVED followed: ${proxy.proxy.router.stats.moved - moved}`);
    assertClean(load);
    const writes = await checkWrites(proxy.port, load);
    assert.deepEqual(writes.violations.slice(0, 5), []);
    load.release();
  });

  it('CLUSTER FAILOVER TAKEOVER: no error reaches a client', async function () {
    const { load, shard, tookMs } = await failoverUnderLoad('to', ['TAKEOVER']);
    load.print('CLUSTER FAILOVER TAKEOVER');
    assertClean(load);
    // The old master may have acknowledged writes after the replica took over; those are gone.
    const writes = await checkWrites(proxy.port, load, (b) => shard.has(slotOf(b)));
    console.log(`        takeover took ${tookMs} ms; ${writes.lostAllowed} acknowledged RPUSHes lost on the taken-over shard`);
    assert.deepEqual(writes.violations.slice(0, 5), []);
    load.release();
    const res = await compareToBaseline(base);
    console.log(`        resources after both failovers: ${res.line}`);
    assert.deepEqual(res.problems, []);
  });
});

// Faults of replicas that take reads (SLOTPROXY_READ_FROM=replica), under a load that reads its
// own writes back: a replica killed, a replica paused (SIGSTOP: silent and behind), a replica
// that answers but falls behind (its link to the master down), and a coordinated failover. None
// costs a client an error or a stale read, and a replica takes reads again once it is healthy.
// Counts and correctness only: nothing here is timed.
import assert from 'node:assert/strict';
import { LocalCluster, type ClusterNodeInfo } from '../../../lib/localcluster/local-cluster';
import { slotOf } from '../../../lib/protocol/crc16';
import { RawConn } from '../../harness/fault-conn';
import { addr, nodeCall, ownsSlot } from '../../harness/fault-cluster';
import { keysAcrossSlots } from '../../harness/fault-load';
import { OwnWritesLoad, type OwnWritesResult } from '../../harness/own-writes-load';
import { startProxy, type RunningProxy } from '../../harness/proxy';
import { replicasTakingReads } from '../../harness/replica-reads';
import { sleep, until } from '../../harness/wait';

describe('fault: replicas that take reads', function () {
  this.timeout(300_000);
  let cluster: LocalCluster;
  let proxy: RunningProxy;

  before(async function () {
    cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 2000 });
    proxy = await startProxy(cluster.seeds(), { SLOTPROXY_READ_FROM: 'replica', SLOTPROXY_REFRESH_MS: '500', SLOTPROXY_REPLICA_MAX_LAG_MS: '500' });
    await replicasTakingReads(proxy);
  });

  after(async function () {
    await proxy?.stop();
    await cluster?.stop();
  });

  /** A replica of the cluster, as CLUSTER NODES names it. */
  async function aReplica(): Promise<ClusterNodeInfo> {
    const r = (await cluster.clusterNodes()).find((n) => n.role === 'replica' && !n.failed);
    assert.ok(r, 'a healthy replica');
    return r;
  }

  function state(address: string): { usable: boolean; reads: number; reason: string } | undefined {
    return proxy.proxy.router.replicaStates().find((s) => s.address === address);
  }

  /** Until the proxy sends `address` reads again (in its slot map, polled, caught up, serving). */
  async function servesReadsAgain(address: string): Promise<void> {
    await until(() => state(address)?.usable === true, `${address} takes reads again`, 60_000);
    const before = state(address)!.reads;
    await until(() => (state(address)?.reads ?? 0) > before, `${address} serves reads again`, 30_000);
  }

  function assertClean(result: OwnWritesResult, what: string): void {
    console.log(`        ${what}: ${result.batches} batches, ${result.reads} reads checked; reads placed ${JSON.stringify(proxy.proxy.router.readStats)}`);
    assert.deepEqual(result.errors.slice(0, 5), [], `${result.errors.length} errors reached clients`);
    assert.deepEqual(result.stale.slice(0, 5), [], `${result.stale.length} stale reads of ${result.reads}`);
    assert.ok(result.batches > 10, `the load ran (${result.batches} batches)`);
  }

  it('a replica killed, then restarted: no client error, no stale read; it serves reads again', async function () {
    const replica = await aReplica();
    const node = cluster.node(replica.port)!;
    const load = new OwnWritesLoad({ port: proxy.port, prefix: 'kill-' }).start();
    await until(() => (state(addr(replica))?.reads ?? 0) > 0, 'the replica serves reads under the load');
    const retried = proxy.proxy.router.readStats.retried;
    cluster.kill(node);
    await until(() => state(addr(replica))?.usable !== true, 'the proxy stops sending it reads');
    await sleep(2000);
    await cluster.restart(node);
    await servesReadsAgain(addr(replica));
    const result = await load.stop();
    console.log(`        reads a lost replica failed that the master answered: ${proxy.proxy.router.readStats.retried - retried}`);
    assertClean(result, 'replica killed');
  });

  it('a replica paused (SIGSTOP), silent and behind: no client error, no stale read; it serves reads again', async function () {
    const replica = await aReplica();
    const node = cluster.node(replica.port)!;
    const load = new OwnWritesLoad({ port: proxy.port, prefix: 'pause-' }).start();
    await until(() => (state(addr(replica))?.reads ?? 0) > 0, 'the replica serves reads under the load');
    const master = (await cluster.clusterNodes()).find((n) => n.id === replica.masterId)!;
    const keys = keysAcrossSlots('paused-', 256).filter((k) => ownsSlot(master, slotOf(k)));
    const reader = await RawConn.connect(proxy.port);
    const retried = proxy.proxy.router.readStats.retried;
    await until(() => state(addr(replica))?.usable === true, 'the replica takes reads');
    cluster.kill(node, 'SIGSTOP');
    try {
      // sent before the proxy can know: they wait on the paused replica until it is found silent,
      // then its master answers them
      const got = await reader.send(keys.map((k) => ['GET', k]));
      reader.destroy();
      assert.deepEqual(got.filter((o) => !o.ok).map((o) => o.error), [], 'reads sent to the paused replica got no error');
      assert.ok(proxy.proxy.router.readStats.retried > retried, 'reads the paused replica held were answered by its master');
      await until(() => state(addr(replica))?.usable === false, 'the proxy stops sending it reads');
      console.log(`        paused replica: ${state(addr(replica))?.reason}`);
      await sleep(1500);
    } finally {
      cluster.kill(node, 'SIGCONT');
    }
    await servesReadsAgain(addr(replica));
    assertClean(await load.stop(), 'replica paused');
  });

  it('a replica that answers but falls behind (link to its master down) gets no reads until it catches up', async function () {
    const replica = await aReplica();
    const load = new OwnWritesLoad({ port: proxy.port, prefix: 'lag-' }).start();
    await until(() => (state(addr(replica))?.reads ?? 0) > 0, 'the replica serves reads under the load');
    // a wrong masterauth keeps the replica from syncing again once its link is cut
    await nodeCall(replica, 'CONFIG', 'SET', 'masterauth', 'not-the-password');
    try {
      await nodeCall(replica, 'CLIENT', 'KILL', 'TYPE', 'master');
      await until(() => state(addr(replica))?.usable === false, 'the proxy stops sending it reads');
      const reason = state(addr(replica))!.reason;
      console.log(`        lagging replica: ${reason}`);
      assert.match(reason, /ms behind|behind every offset/);
      const reads = state(addr(replica))!.reads;
      await sleep(1000);
      assert.equal(state(addr(replica))!.reads, reads, 'no reads while it lags');
    } finally {
      await nodeCall(replica, 'CONFIG', 'SET', 'masterauth', '');
    }
    await servesReadsAgain(addr(replica));
    assertClean(await load.stop(), 'replica behind');
  });

  it('a failover (CLUSTER FAILOVER) during the load: no client error, no stale read', async function () {
    await cluster.waitForStable();
    const replica = await aReplica();
    // (no transactions: one the failover interrupts gets an error, as the node it was queued on
    // is demoted or dropped under it, whatever the reads do)
    const load = new OwnWritesLoad({ port: proxy.port, prefix: 'failover-', transactions: false }).start();
    await until(() => (state(addr(replica))?.reads ?? 0) > 0, 'the replica serves reads under the load');
    await nodeCall(replica, 'CLUSTER', 'FAILOVER');
    await until(async () => (await cluster.clusterNodes()).some((n) => n.id === replica.id && n.role === 'master'), 'the replica is master', 30_000);
    await cluster.waitForStable();
    await until(() => proxy.proxy.router.slotMap.masters.includes(addr(replica)), 'the proxy routes to the new master');
    // the old master, now its replica, takes reads once it is in the map and caught up, and
    // serves some of the load's (the replicas still take reads)
    await replicasTakingReads(proxy);
    const oldMaster = (await cluster.clusterNodes()).find((n) => n.id === replica.masterId)!;
    await servesReadsAgain(addr(oldMaster));
    assertClean(await load.stop(), 'failover');
  });
});

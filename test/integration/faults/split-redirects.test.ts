// Fault: a split MGET/MSET sends several sub-commands (one per slot) to one node, and their slots
// part ways: one moved (MOVED) or is being migrated (ASK) while the others stayed, or the node is
// lost with them queued and its slots get new owners. Each sub-command must follow its own slot:
// the others are answered where they went, queued ones go straight to their slot's new owner.
import assert from 'node:assert/strict';
import { ConnState } from '../../../lib/backend/backend-connection';
import type { ClusterNodeInfo } from '../../../lib/localcluster/local-cluster';
import { LocalCluster } from '../../../lib/localcluster/local-cluster';
import { slotOf } from '../../../lib/protocol/crc16';
import { addr, keysForSlots, migrateSlots, nodeCall, slotsOf } from '../../harness/fault-cluster';
import { RawConn } from '../../harness/fault-conn';
import { startProxy, type RunningProxy } from '../../harness/proxy';
import { until } from '../../harness/wait';

describe('fault: split commands whose slots on one node part ways', function () {
  this.timeout(120_000);
  let cluster: LocalCluster;
  let proxy: RunningProxy;
  let masters: ClusterNodeInfo[];

  beforeEach(async function () {
    // A node timeout longer than the test: a killed master is never failed over under it.
    cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 0, nodeTimeoutMs: 60_000 });
    // Only redirects and the test's refreshes tell the proxy about moves.
    proxy = await startProxy(cluster.seeds(), { SLOTPROXY_REFRESH_MS: '600000' });
    masters = (await cluster.clusterNodes()).filter((n) => n.role === 'master');
  });

  afterEach(async function () {
    await proxy?.stop();
    await cluster?.stop();
  });

  /** Keys for `perNode` slots of each master (first master first), one per slot. */
  function keysByMaster(prefix: string, perNode: number): string[][] {
    return masters.map((m, i) => [...keysForSlots(`${prefix}${i}:`, slotsOf(m).slice(100, 100 + perNode), slotOf).values()]);
  }

  it('MOVED or ASK for one sub-command: it alone is redirected, the others are answered where they went', async function () {
    const [onA, onB, onC] = keysByMaster('grp', 4);
    const [a, b, c] = masters;
    const all = [...onA, ...onB, ...onC];
    const conn = await RawConn.connect(proxy.port);
    try {
      const set = await conn.send([['MSET', ...all.flatMap((k) => [k, `v:${k}`])]]);
      assert.deepEqual(set.map((r) => r.value), ['OK']);
      // Two of A's four slots move to B and C: the proxy does not know and sends all four to A.
      await migrateSlots(masters, [slotOf(onA[1])], a, b);
      await migrateSlots(masters, [slotOf(onA[3])], a, c);
      // One more of A's slots is half-way to B: its key already moved (ASK), the other slot's did not.
      const asked = slotOf(onA[2]);
      await nodeCall(b, 'CLUSTER', 'SETSLOT', String(asked), 'IMPORTING', a.id);
      await nodeCall(a, 'CLUSTER', 'SETSLOT', String(asked), 'MIGRATING', b.id);
      await nodeCall(a, 'MIGRATE', b.host, String(b.port), '', '0', '10000', 'KEYS', onA[2]);
      const before = { ...proxy.proxy.router.stats };

      const replies = await conn.send([
        ['MGET', ...all],
        ['MSET', ...all.flatMap((k) => [k, `w:${k}`])],
        ['MGET', ...all.slice().reverse()],
        ['EXISTS', ...all, 'grp:none'],
      ]);
      assert.deepEqual(replies.map((r) => r.error ?? null), [null, null, null, null]);
      assert.deepEqual(replies[0].value, all.map((k) => `v:${k}`));
      assert.equal(replies[1].value, 'OK');
      assert.deepEqual(replies[2].value, all.slice().reverse().map((k) => `w:${k}`));
      assert.equal(replies[3].value, all.length);
      const stats = proxy.proxy.router.stats;
      assert.ok(stats.moved > before.moved, 'sub-commands followed MOVED');
      assert.ok(stats.ask > before.ask, 'a sub-command followed ASK');
    } finally {
      conn.destroy();
    }
  });

  it('queued for a lost node when the topology changes: its sub-commands go to their new owners directly', async function () {
    const [onA, onB] = keysByMaster('grq', 2);
    const [a, b, c] = masters;
    const conn = await RawConn.connect(proxy.port);
    try {
      // every node's connection is up
      assert.deepEqual((await conn.send([['MSET', ...[...onA, ...onB].flatMap((k) => [k, 'v'])]]))[0].value, 'OK');
      const node = proxy.proxy.router.node(addr(a));
      cluster.kill(cluster.node(a.port)!, 'SIGKILL');
      await until(() => node.multiplexed().every((x) => x.state !== ConnState.Ready), 'the proxy lost its connection to the killed master', 10_000);

      // Both of A's slots are on A in the proxy's map: the MGET's sub-commands for them wait for A.
      const pending = conn.send([['MGET', onA[0], onB[0], onA[1]]]);
      await until(() => node.multiplexed().some((x) => x.queued > 0), 'the sub-commands for A are queued', 10_000);
      // A's two slots get new owners, one each (their keys died with A).
      await nodeCall(b, 'CLUSTER', 'SETSLOT', String(slotOf(onA[0])), 'NODE', b.id);
      await nodeCall(b, 'CLUSTER', 'BUMPEPOCH');
      await nodeCall(c, 'CLUSTER', 'SETSLOT', String(slotOf(onA[0])), 'NODE', b.id);
      await nodeCall(c, 'CLUSTER', 'SETSLOT', String(slotOf(onA[1])), 'NODE', c.id);
      await nodeCall(c, 'CLUSTER', 'BUMPEPOCH');
      await nodeCall(b, 'CLUSTER', 'SETSLOT', String(slotOf(onA[1])), 'NODE', c.id);
      const before = { ...proxy.proxy.router.stats };
      await until(async () => {
        await proxy.proxy.refresher.refresh('test');
        const map = proxy.proxy.router.slotMap;
        return map.owner(slotOf(onA[0])) === addr(b) && map.owner(slotOf(onA[1])) === addr(c);
      }, 'the proxy learnt the new owners', 10_000);

      const [reply] = await pending;
      assert.equal(reply.error, undefined);
      assert.deepEqual(reply.value, [null, 'v', null]);
      const stats = proxy.proxy.router.stats;
      assert.ok(stats.reroutes > before.reroutes, 'the queued sub-commands were routed again');
      // each routed to its slot's owner, not both to one of them (which would say MOVED for the other)
      assert.equal(stats.moved, before.moved, 'no sub-command needed a MOVED');
    } finally {
      conn.destroy();
    }
  });
});

// Reads from replicas on the shared 3-master/3-replica cluster (SLOTPROXY_READ_FROM, READONLY):
// who serves the GETs, counted by the nodes themselves (INFO commandstats); read-your-writes under
// every policy, with writes heavy enough to keep the replicas a little behind; a client's
// READONLY / READWRITE / RESET; what INFO says. Faults (a replica killed, paused, a failover) are
// in faults/replica-reads.test.ts, on a cluster of their own.
import assert from 'node:assert/strict';
import { encode, encodeInline, RawConn } from '../harness/fault-conn';
import { keysAcrossSlots } from '../harness/fault-load';
import { sharedCluster } from '../harness/mocha-hooks';
import { OwnWritesLoad } from '../harness/own-writes-load';
import { startProxy, type RunningProxy } from '../harness/proxy';
import { getCalls, HeavyWrites, nodesByRole, replicasTakingReads } from '../harness/replica-reads';
import { sleep, until } from '../harness/wait';

const POLICIES = ['master', 'prefer-master', 'replica', 'prefer-replica', 'any'];

describe('reads from replicas (SLOTPROXY_READ_FROM)', function () {
  this.timeout(180_000);
  let seeds: string;
  const proxies: RunningProxy[] = [];

  before(async function () {
    seeds = (await sharedCluster()).seeds();
  });

  afterEach(async function () {
    await Promise.all(proxies.splice(0).map((p) => p.stop()));
  });

  async function proxyWith(readFrom: string): Promise<RunningProxy> {
    const p = await startProxy(seeds, { SLOTPROXY_READ_FROM: readFrom, SLOTPROXY_REFRESH_MS: '200' });
    proxies.push(p);
    return p;
  }

  /**
   * `n` GETs of keys in every slot range, pipelined 100 at a time, from a client that writes
   * nothing. A client that switches to replica reads must first wait for a poll round: the proxy
   * cannot know what it wrote before (`settled` waits for that).
   */
  async function reads(port: number, n: number, before: string[][] = [], settled: () => Promise<void> = async () => {}, inline = false): Promise<void> {
    const conn = await RawConn.connect(port);
    try {
      if (before.length) await conn.send(before);
      await settled();
      const keys = keysAcrossSlots('seed-replicas', 16);
      const frame = inline ? encodeInline : encode;
      for (let done = 0; done < n; done += 100) {
        const got = await conn.sendFrames(Array.from({ length: 100 }, (_, i) => frame(['GET', keys[i % keys.length]])));
        assert.deepEqual(got.filter((o) => !o.ok).map((o) => o.error), []);
      }
    } finally {
      conn.destroy();
    }
  }

  it('replica: most GETs are served by the replicas, as their own commandstats count them', async function () {
    const p = await proxyWith('replica');
    await replicasTakingReads(p);
    const { masters, replicas } = nodesByRole(p);
    const [m0, r0] = [await getCalls(masters), await getCalls(replicas)];
    await reads(p.port, 2000);
    const [m1, r1] = [await getCalls(masters), await getCalls(replicas)];
    console.log(`        2000 GETs: replicas ran ${r1 - r0}, masters ${m1 - m0}; the proxy counted ${JSON.stringify(p.proxy.router.readStats)}`);
    assert.ok(r1 - r0 > 1000, `most of the 2000 GETs ran on replicas (${r1 - r0} did)`);
    assert.equal(p.proxy.router.readStats.replica, r1 - r0, 'the proxy counts the reads the replicas ran');
    // inline GETs too: the proxy knows them for reads once it has re-scanned them
    await reads(p.port, 1000, [], async () => {}, true);
    const r2 = await getCalls(replicas);
    assert.ok(r2 - r1 > 500, `most of the 1000 inline GETs ran on replicas (${r2 - r1} did)`);
  });

  it('master (the default): no GET reaches a replica', async function () {
    const p = await proxyWith('master');
    const probe = await proxyWith('replica');
    await replicasTakingReads(probe);
    const { replicas } = nodesByRole(probe);
    const r0 = await getCalls(replicas);
    await reads(p.port, 500);
    assert.equal(await getCalls(replicas), r0);
  });

  for (const policy of POLICIES) {
    it(`${policy}: a load that reads its own writes back sees no stale value, with heavy writes beside it`, async function () {
      const p = await proxyWith(policy);
      // (a proxy set to master polls no replica)
      if (policy !== 'master') await replicasTakingReads(p);
      // 256 KiB values from other clients keep the replicas behind; the load writes plain, inline
      // and split/scripted/transactional (two workers each), pipelined
      const heavy = new HeavyWrites(p.port, `heavy-${policy}-`, 3, 256 * 1024);
      const load = new OwnWritesLoad({ port: p.port, prefix: `own-${policy}-`, workers: 6 }).start();
      await sleep(3000);
      const result = await load.stop();
      await heavy.stop();
      const stats = p.proxy.router.readStats;
      console.log(`        ${policy}: ${result.batches} batches, ${result.reads} reads checked; reads placed ${JSON.stringify(stats)}`);
      assert.deepEqual(result.errors.slice(0, 5), [], `${result.errors.length} errors`);
      assert.deepEqual(result.stale.slice(0, 5), [], `${result.stale.length} stale reads of ${result.reads}`);
      assert.ok(result.reads > 500, `the load ran (${result.reads} reads)`);
      // the replicas did serve some of them: read-your-writes did not just send everything to masters
      if (policy !== 'master' && policy !== 'prefer-master') assert.ok(stats.replica > 0, 'some reads were served by replicas');
    });
  }

  it('READONLY / READWRITE / RESET switch one client, as in Redis Cluster, whatever the setting', async function () {
    const p = await proxyWith('master');
    const probe = await proxyWith('replica');
    await replicasTakingReads(probe);
    const { replicas } = nodesByRole(probe);
    // until every replica reached the round a client switching now waits for
    const router = p.proxy.router;
    const roundPassed = async (): Promise<void> => {
      const round = router.nextReadRound;
      await until(() => {
        const states = router.replicaStates().filter((s) => replicas.includes(s.address));
        return states.length === replicas.length && states.every((s) => s.usable && s.safeRound >= round);
      }, 'the replicas reached the next round');
    };
    const served = async (before: string[][]): Promise<number> => {
      const r0 = await getCalls(replicas);
      await reads(p.port, 300, before, roundPassed);
      return (await getCalls(replicas)) - r0;
    };
    // the first READONLY starts the replica poller of a proxy set to master
    const conn = await RawConn.connect(p.port);
    assert.deepEqual((await conn.call('READONLY')).value, 'OK');
    conn.destroy();
    await roundPassed();
    assert.equal(await served([]), 0, 'a client that sent nothing reads from masters');
    assert.ok((await served([['READONLY']])) > 150, 'READONLY: the replicas serve most of its reads');
    assert.equal(await served([['READONLY'], ['READWRITE']]), 0, 'READWRITE: masters again');
    assert.equal(await served([['READONLY'], ['RESET']]), 0, 'RESET: the setting again (master)');
    // a client of a proxy set to replica goes to masters with READWRITE
    const r0 = await getCalls(replicas);
    await reads(probe.port, 300, [['READWRITE']]);
    assert.equal(await getCalls(replicas), r0);
  });

  it('READONLY after writes in the same pipeline still reads them', async function () {
    const p = await proxyWith('master');
    const conn = await RawConn.connect(p.port);
    try {
      const keys = keysAcrossSlots('readonly-own', 16);
      for (let round = 0; round < 20; round++) {
        const got = await conn.send([...keys.map((k) => ['SET', k, String(round)]), ['READONLY'], ...keys.map((k) => ['GET', k]), ['READWRITE']]);
        const values = got.slice(keys.length + 1, 2 * keys.length + 1).map((o) => o.value);
        assert.deepEqual(values, keys.map(() => String(round)));
      }
    } finally {
      conn.destroy();
    }
  });

  it('INFO shows the policy, the reads per node role and each replica with its lag', async function () {
    const p = await proxyWith('replica');
    await replicasTakingReads(p);
    await reads(p.port, 200);
    const conn = await RawConn.connect(p.port);
    try {
      const cluster = String((await conn.call('INFO', 'cluster')).value);
      assert.match(cluster, /\r\nread_from:replica\r\n/);
      assert.match(cluster, /\r\nreads_replicas:[1-9]\d*\r\n/);
      assert.match(cluster, /\r\nreplicas_usable:3\r\n/);
      const lines = String((await conn.call('INFO', 'replicas')).value).split('\r\n').filter((l) => l.startsWith('replica'));
      const { replicas } = nodesByRole(p);
      assert.equal(lines.length, replicas.length);
      for (const r of replicas) assert.ok(lines.some((l) => l.includes(`addr=${r},`) && /usable=1,lag_ms=\d+,offset=\d+,reads=\d+,reason=$/.test(l)), `a line for ${r}: ${lines.join(' | ')}`);
      // only when named: INFO, INFO all and INFO everything are Redis's (as `all` leaves modules' sections out)
      for (const args of [[], ['all'], ['everything']]) assert.doesNotMatch(String((await conn.call('INFO', ...args)).value), /# Replicas/);
    } finally {
      conn.destroy();
    }
  });
});

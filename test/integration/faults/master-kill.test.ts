// Fault: a master is killed with SIGKILL under load. Requests in flight to it get an error
// within the request timeout, the proxy learns of the loss from the lost connection (the
// periodic refresh is off and nothing sends MOVED for the dead node's slots) and routes to the
// promoted replica; service is back soon after the cluster promoted it.
import assert from 'node:assert/strict';
import { LocalCluster } from '../../../lib/localcluster/local-cluster';
import { slotOf } from '../../../lib/protocol/crc16';
import { addr, masterOf, slotsOf } from '../../harness/fault-cluster';
import { checkWrites, FaultLoad, keysAcrossSlots } from '../../harness/fault-load';
import { compareToBaseline, snapshot } from '../../harness/fault-resources';
import { startProxy, type RunningProxy } from '../../harness/proxy';
import { sleep, until } from '../../harness/wait';

const NODE_TIMEOUT_MS = 2000;
const REQUEST_TIMEOUT_MS = 3000;

describe('fault: a master killed with SIGKILL under load', function () {
  this.timeout(240_000);
  let cluster: LocalCluster;
  let proxy: RunningProxy;

  before(async function () {
    cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: NODE_TIMEOUT_MS });
    proxy = await startProxy(cluster.seeds(), {
      // only the lost connection can tell the proxy about the failover
      SLOTPROXY_REFRESH_MS: '600000',
      SLOTPROXY_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    });
  });

  after(async function () {
    await proxy?.stop();
    await cluster?.stop();
  });

  it('errors within the timeout, then routes to the promoted replica', async function () {
    const keys = keysAcrossSlots('kill', 16);
    const warm = new FaultLoad({ port: proxy.port, keys: keysAcrossSlots('warm', 16), workers: 4 }).start();
    await sleep(1000);
    await warm.stop();
    const base = await snapshot();

    const victim = await masterOf(cluster, 0);
    const replica = (await cluster.clusterNodes()).find((n) => n.role === 'replica' && n.masterId === victim.id)!;
    const victimSlots = new Set(slotsOf(victim));
    const onVictim = (r: { slot: number }): boolean => victimSlots.has(r.slot);
    assert.ok(keys.some((k) => victimSlots.has(slotOf(k))), 'some keys live on the victim');

    const load = new FaultLoad({ port: proxy.port, keys, workers: 4, firstWorker: 10 }).start('before');
    await sleep(1500);
    const killAt = load.mark('killed');
    cluster.kill(cluster.node(victim.port)!, 'SIGKILL');
    await until(async () => (await cluster.clusterNodes()).some((n) => n.id === replica.id && n.role === 'master'), 'the replica is promoted', 30_000);
    const promotedAt = load.mark('promoted');
    await until(() => load.succeededSince(onVictim, promotedAt), 'a request to the dead master\'s slots succeeds again', 20_000);
    await sleep(1500);
    load.mark('recovered');
    await sleep(1500);
    await load.stop();

    const recoveredAt = load.recoveredAt(onVictim, killAt)!;
    const stats = proxy.proxy.router.stats;
    const refresher = proxy.proxy.refresher.stats;
    load.print('master SIGKILL');
    console.log(
      `        kill -> replica promoted: ${Math.round(promotedAt - killAt)} ms; kill -> proxy serves the slots again: ${Math.round(recoveredAt - killAt)} ms ` +
        `(promotion -> proxy: ${Math.round(recoveredAt - promotedAt)} ms); refreshes ${refresher.refreshes} (last reason: ${refresher.lastReason}), ` +
        `redirects ${JSON.stringify(stats)}`,
    );

    assert.deepEqual(load.violations.slice(0, 5), [], `${load.violations.length} violations of one-reply-in-order`);
    const late = load.records.filter((r) => r.doneAt - r.sentAt > REQUEST_TIMEOUT_MS + 3000);
    assert.equal(late.length, 0, `${late.length} requests answered later than the request timeout + 3 s (max ${Math.round(load.maxLatency())} ms)`);
    const elsewhere = load.errors((r) => !onVictim(r));
    assert.deepEqual(elsewhere.slice(0, 3).map((r) => r.error), [], `${elsewhere.length} errors on slots of masters that stayed up`);
    assert.ok(load.errors(onVictim).length > 0 || recoveredAt - killAt < REQUEST_TIMEOUT_MS, 'requests to the dead master got errors');
    assert.equal(proxy.proxy.router.slotMap.owner(0), addr(replica), 'the promoted replica serves the slots in the proxy\'s map');
    assert.equal(stats.moved, 0, 'nothing sent MOVED: the proxy learnt the failover from the lost connection');
    assert.ok(recoveredAt - promotedAt <= 2000, `the proxy served the promoted replica within 2 s of the promotion (took ${Math.round(recoveredAt - promotedAt)} ms)`);
    assert.ok(
      recoveredAt - killAt <= NODE_TIMEOUT_MS + 2000 + Math.max(0, promotedAt - killAt - NODE_TIMEOUT_MS),
      'service back within cluster-node-timeout + 2 s of what the cluster itself needed',
    );

    const writes = await checkWrites(proxy.port, load, (base) => victimSlots.has(slotOf(base)));
    console.log(`        writes: ${writes.checkedKeys} keys checked, ${writes.lostAllowed} acknowledged RPUSHes lost on the killed master's keys (asynchronous replication)`);
    assert.deepEqual(writes.violations.slice(0, 5), []);

    load.release();
    const res = await compareToBaseline(base);
    console.log(`        resources: ${res.line}`);
    assert.deepEqual(res.problems, []);
  });
});

// Fault: two of three masters (no replicas) are killed with SIGKILL. The cluster cannot fail
// over: the dead masters' slots are unreachable and the survivor, in the minority, answers
// CLUSTERDOWN. Every request still gets an answer within the request timeout (+ margin), and when
// the two masters come back the proxy serves again by itself, without a restart.
import assert from 'node:assert/strict';
import { LocalCluster } from '../../../lib/localcluster/local-cluster';
import { slotOf } from '../../../lib/protocol/crc16';
import { slotsOf } from '../../harness/fault-cluster';
import { checkWrites, FaultLoad, keysAcrossSlots } from '../../harness/fault-load';
import { compareToBaseline, snapshot } from '../../harness/fault-resources';
import { startProxy, type RunningProxy } from '../../harness/proxy';
import { sleep, until } from '../../harness/wait';

const NODE_TIMEOUT_MS = 2000;
const REQUEST_TIMEOUT_MS = 2000;

describe('fault: a majority of masters lost', function () {
  this.timeout(240_000);
  let cluster: LocalCluster;
  let proxy: RunningProxy;

  before(async function () {
    cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 0, nodeTimeoutMs: NODE_TIMEOUT_MS });
    proxy = await startProxy(cluster.seeds(), { SLOTPROXY_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) });
  });

  after(async function () {
    await proxy?.stop();
    await cluster?.stop();
  });

  it('bounded errors while down, automatic recovery when the masters return', async function () {
    const warm = new FaultLoad({ port: proxy.port, keys: keysAcrossSlots('warm', 16) }).start();
    await sleep(1000);
    await warm.stop();
    const base = await snapshot();

    const masters = (await cluster.clusterNodes()).filter((n) => n.role === 'master');
    const [survivor, ...victims] = masters;
    const deadSlots = new Set(victims.flatMap((v) => slotsOf(v)));
    const onDead = (r: { slot: number }): boolean => deadSlots.has(r.slot);
    const keys = keysAcrossSlots('maj', 16);
    const load = new FaultLoad({ port: proxy.port, keys, workers: 4 }).start('before');
    await sleep(1000);

    const killAt = load.mark('killed');
    for (const v of victims) cluster.kill(cluster.node(v.port)!, 'SIGKILL');
    // long enough for the survivor to see it is in the minority and refuse with CLUSTERDOWN
    await until(async () => /cluster_state:fail/.test(await cluster.cli(survivor.port, 'CLUSTER', 'INFO')), 'the survivor reports cluster_state:fail', 20_000);
    const failAt = load.mark('cluster-fail');
    await sleep(REQUEST_TIMEOUT_MS * 2);

    const restartAt = load.mark('restarting');
    for (const v of victims) await cluster.restart(cluster.node(v.port)!);
    await cluster.waitForStable();
    const stableAt = load.mark('stable');
    await until(() => load.succeededSince(onDead, stableAt) && load.succeededSince((r) => !onDead(r), stableAt), 'every slot range is served again', 20_000);
    await sleep(1000);
    const cleanFrom = load.mark('recovered');
    await sleep(1500);
    await load.stop();

    const recoveredAt = Math.max(load.recoveredAt(onDead, killAt) ?? Infinity, load.recoveredAt((r) => !onDead(r), killAt) ?? Infinity);
    load.print('majority of masters lost');
    const kinds = new Map<string, number>();
    for (const r of load.errors()) {
      const kind = /^(\S+)/.exec(r.error!)![1] + (/could not send/.test(r.error!) ? ' could-not-send' : /no reply/.test(r.error!) ? ' no-reply' : '');
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    console.log(
      `        kill -> survivor reports fail: ${Math.round(failAt - killAt)} ms; restart -> cluster stable: ${Math.round(stableAt - restartAt)} ms; ` +
        `cluster stable -> proxy serves every slot: ${Math.round(recoveredAt - stableAt)} ms; errors by kind: ${JSON.stringify(Object.fromEntries(kinds))}; ` +
        `redirects ${JSON.stringify(proxy.proxy.router.stats)}`,
    );

    assert.deepEqual(load.violations.slice(0, 5), [], `${load.violations.length} violations of one-reply-in-order`);
    const late = load.records.filter((r) => r.doneAt - r.sentAt > REQUEST_TIMEOUT_MS + 3000);
    assert.equal(late.length, 0, `${late.length} requests answered later than the request timeout + 3 s (max ${Math.round(load.maxLatency())} ms)`);
    assert.ok(load.errors(onDead).length > 0, 'requests to the dead masters got errors');
    assert.ok(load.errors((r) => !onDead(r) && r.sentAt >= failAt).length > 0, 'the survivor passed CLUSTERDOWN on once the retry budget was spent');
    const afterRecovery = load.errors((r) => r.sentAt >= cleanFrom);
    assert.deepEqual(afterRecovery.slice(0, 3).map((r) => r.error), [], `${afterRecovery.length} errors after the recovery`);
    assert.ok(recoveredAt - stableAt < 5000, `the proxy served every slot within 5 s of the cluster being stable again (${Math.round(recoveredAt - stableAt)} ms)`);

    // the killed masters came back empty (no persistence); the survivor lost nothing
    const writes = await checkWrites(proxy.port, load, (b) => deadSlots.has(slotOf(b)));
    assert.deepEqual(writes.violations.slice(0, 5), []);
    load.release();
    const res = await compareToBaseline(base);
    console.log(`        resources: ${res.line}`);
    assert.deepEqual(res.problems, []);
  });
});

// Fault: a master stalls (SIGSTOP) for longer than SLOTPROXY_REQUEST_TIMEOUT_MS. Clients of its
// slots get timeout errors, in order, within the timeout (+ margin); a client on other masters'
// slots sees no error and keeps making progress during the stall; after SIGCONT the stalled
// master's slots are served again. The cluster-node-timeout is set above the stall, so the
// cluster itself does not fail the node (which would turn the other masters to CLUSTERDOWN).
import assert from 'node:assert/strict';
import { LocalCluster } from '../../../lib/localcluster/local-cluster';
import { slotOf } from '../../../lib/protocol/crc16';
import { masterOf, slotsOf } from '../../harness/fault-cluster';
import { checkWrites, FaultLoad, keysAcrossSlots } from '../../harness/fault-load';
import { compareToBaseline, snapshot } from '../../harness/fault-resources';
import { startProxy, type RunningProxy } from '../../harness/proxy';
import { sleep, until } from '../../harness/wait';

const REQUEST_TIMEOUT_MS = 1000;
const STALL_MS = 4000;
const NODE_TIMEOUT_MS = 15_000;

describe('fault: a backend stalls (SIGSTOP) longer than the request timeout', function () {
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

  it('timeouts for its clients, in order; other traffic flows; recovery after SIGCONT', async function () {
    const warm = new FaultLoad({ port: proxy.port, keys: keysAcrossSlots('warm', 16) }).start();
    await sleep(1000);
    await warm.stop();
    const base = await snapshot();

    const victim = await masterOf(cluster, 0);
    const stalled = new Set(slotsOf(victim));
    const all = keysAcrossSlots('stall', 48);
    const victimKeys = all.filter((k) => stalled.has(slotOf(k))).slice(0, 8);
    const otherKeys = all.filter((k) => !stalled.has(slotOf(k))).slice(0, 8);
    assert.ok(victimKeys.length >= 4 && otherKeys.length >= 4);
    // the stalled node's clients, and a second group of clients on the other masters only
    const onVictim = new FaultLoad({ port: proxy.port, keys: victimKeys, workers: 3 }).start('before');
    const elsewhere = new FaultLoad({ port: proxy.port, keys: otherKeys, workers: 2, firstWorker: 10 }).start('before');
    await sleep(1000);

    const node = cluster.node(victim.port)!;
    const stopAt = onVictim.mark('stalled');
    elsewhere.mark('stalled');
    cluster.kill(node, 'SIGSTOP');
    await sleep(STALL_MS);
    const contAt = onVictim.mark('resumed');
    elsewhere.mark('resumed');
    cluster.kill(node, 'SIGCONT');
    await until(() => onVictim.succeededSince(() => true, contAt + 1), 'the stalled master serves again', 20_000);
    await sleep(1000);
    const cleanFrom = onVictim.mark('recovered');
    elsewhere.mark('recovered');
    await sleep(1500);
    await Promise.all([onVictim.stop(), elsewhere.stop()]);

    onVictim.print('clients of the stalled master');
    elsewhere.print('clients of the other masters');
    const recovered = onVictim.recoveredAt(() => true, contAt)!;
    // progress of the other clients during the stall: successes and the longest gap between them
    const during = elsewhere.records.filter((r) => r.ok && r.doneAt >= stopAt && r.doneAt <= contAt).map((r) => r.doneAt);
    let gap = 0;
    for (let i = 1, prev = stopAt; i <= during.length; i++) {
      const t = i < during.length ? during[i] : contAt;
      gap = Math.max(gap, t - prev);
      prev = t;
    }
    const victimErrors = onVictim.errors((r) => r.sentAt >= stopAt && r.sentAt < contAt);
    console.log(
      `        stall ${STALL_MS} ms: ${victimErrors.length} timeout errors for the stalled master's clients; other clients: ${during.length} ok during the stall, ` +
        `longest gap ${Math.round(gap)} ms; SIGCONT -> served again: ${Math.round(recovered - contAt)} ms`,
    );

    for (const load of [onVictim, elsewhere]) assert.deepEqual(load.violations.slice(0, 5), [], `${load.violations.length} violations of one-reply-in-order`);
    const late = onVictim.records.filter((r) => r.doneAt - r.sentAt > REQUEST_TIMEOUT_MS + 3000);
    assert.equal(late.length, 0, `${late.length} requests answered later than the request timeout + 3 s (max ${Math.round(onVictim.maxLatency())} ms)`);
    assert.ok(victimErrors.length > 0, "the stalled master's clients got errors");
    const otherErrors = elsewhere.errors();
    assert.deepEqual(otherErrors.slice(0, 3).map((r) => r.error), [], `${otherErrors.length} errors for clients of the other masters`);
    assert.ok(during.length > 100, `the other clients made progress during the stall (${during.length} ok)`);
    assert.ok(gap < 1000, `the other clients never waited 1 s during the stall (longest gap ${Math.round(gap)} ms)`);
    const afterRecovery = onVictim.errors((r) => r.sentAt >= cleanFrom);
    assert.deepEqual(afterRecovery.slice(0, 3).map((r) => r.error), [], `${afterRecovery.length} errors after recovery`);
    assert.ok(recovered - contAt < 5000, 'served again within 5 s of SIGCONT');

    // timed-out writes may have run when the node woke up; acknowledged ones are all there
    await sleep(500);
    for (const load of [onVictim, elsewhere]) {
      const writes = await checkWrites(proxy.port, load);
      assert.deepEqual(writes.violations.slice(0, 5), []);
      load.release();
    }
    const res = await compareToBaseline(base);
    console.log(`        resources: ${res.line}`);
    assert.deepEqual(res.problems, []);
  });
});

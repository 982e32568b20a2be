// Fault: seed nodes down at start-up (a dead address, and one that accepts connections but never
// answers, listed before the live ones): the proxy starts. Then every node of the cluster dies
// and comes back: requests get bounded errors meanwhile and the proxy serves again by itself.
import assert from 'node:assert/strict';
import net from 'node:net';
import { LocalCluster } from '../../../lib/localcluster/local-cluster';
import { deadPort } from '../../harness/fault-cluster';
import { RawConn } from '../../harness/fault-conn';
import { checkWrites, FaultLoad, keysAcrossSlots } from '../../harness/fault-load';
import { compareToBaseline, snapshot } from '../../harness/fault-resources';
import { startProxy, type RunningProxy } from '../../harness/proxy';
import { sleep, until } from '../../harness/wait';

const REQUEST_TIMEOUT_MS = 2000;

describe('fault: seeds down at start-up, every node down then back', function () {
  this.timeout(240_000);
  let cluster: LocalCluster;
  let proxy: RunningProxy | undefined;
  let silent: net.Server | undefined;
  const silentSockets = new Set<net.Socket>();

  before(async function () {
    cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 0, nodeTimeoutMs: 2000 });
  });

  after(async function () {
    await proxy?.stop();
    for (const s of silentSockets) s.destroy();
    if (silent) await new Promise<void>((resolve) => silent!.close(() => resolve()));
    await cluster?.stop();
  });

  it('starts while the first seeds are down or silent', async function () {
    const dead = await deadPort();
    silent = net.createServer((s) => {
      silentSockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => silentSockets.delete(s));
    });
    await new Promise<void>((resolve) => silent!.listen(0, '127.0.0.1', resolve));
    const silentPort = (silent.address() as net.AddressInfo).port;
    const t0 = performance.now();
    proxy = await startProxy(`127.0.0.1:${dead},127.0.0.1:${silentPort},${cluster.seeds()}`, {
      SLOTPROXY_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      SLOTPROXY_CONNECT_TIMEOUT_MS: '1000',
    });
    const startMs = Math.round(performance.now() - t0);
    console.log(`      start-up with a dead and a silent seed first: ${startMs} ms; found ${proxy.proxy.router.slotMap.coveredSlots()} slots`);
    assert.equal(proxy.proxy.router.slotMap.coveredSlots(), 16384);
    const conn = await RawConn.connect(proxy.port);
    const [set, get] = await conn.send([['SET', 'seeds:k', 'v'], ['GET', 'seeds:k']]);
    conn.destroy();
    assert.deepEqual([set.value, get.value], ['OK', 'v']);
  });

  it('serves again after every node was killed and restarted, without a restart of its own', async function () {
    assert.ok(proxy, 'the proxy of the previous test started');
    const warm = new FaultLoad({ port: proxy.port, keys: keysAcrossSlots('warm', 16) }).start();
    await sleep(1000);
    await warm.stop();
    const base = await snapshot();

    const keys = keysAcrossSlots('all', 16);
    const load = new FaultLoad({ port: proxy.port, keys, workers: 4 }).start('before');
    await sleep(1000);
    const killAt = load.mark('all-killed');
    for (const n of cluster.nodes) cluster.kill(n, 'SIGKILL');
    await sleep(REQUEST_TIMEOUT_MS * 2 + 500);
    const restartAt = load.mark('restarting');
    for (const n of cluster.nodes) await cluster.restart(n);
    await cluster.waitForStable();
    const stableAt = load.mark('stable');
    await until(() => load.succeededSince(() => true, stableAt) && keys.every((k) => load.succeededSince((r) => r.base === k, stableAt)), 'every key is served again', 20_000);
    const servedAt = performance.now();
    await sleep(1000);
    const cleanFrom = load.mark('recovered');
    await sleep(1500);
    await load.stop();

    load.print('every node killed and restarted');
    console.log(
      `        restart -> cluster stable: ${Math.round(stableAt - restartAt)} ms; cluster stable -> proxy serves every key: ${Math.round(servedAt - stableAt)} ms; ` +
        `refreshes ${proxy.proxy.refresher.stats.refreshes}, failed ${proxy.proxy.refresher.stats.failures}`,
    );
    assert.deepEqual(load.violations.slice(0, 5), [], `${load.violations.length} violations of one-reply-in-order`);
    const late = load.records.filter((r) => r.doneAt - r.sentAt > REQUEST_TIMEOUT_MS + 3000);
    assert.equal(late.length, 0, `${late.length} requests answered later than the request timeout + 3 s (max ${Math.round(load.maxLatency())} ms)`);
    assert.ok(load.errors((r) => r.sentAt >= killAt && r.sentAt < restartAt).length > 0, 'requests got errors while every node was down');
    const afterRecovery = load.errors((r) => r.sentAt >= cleanFrom);
    assert.deepEqual(afterRecovery.slice(0, 3).map((r) => r.error), [], `${afterRecovery.length} errors after the recovery`);
    assert.ok(servedAt - stableAt < 5000, 'served within 5 s of the cluster being stable again');

    // every node restarted empty: nothing to compare but duplicates and order
    const writes = await checkWrites(proxy.port, load, () => true);
    assert.deepEqual(writes.violations.slice(0, 5), []);
    load.release();
    const res = await compareToBaseline(base);
    console.log(`        resources: ${res.line}`);
    assert.deepEqual(res.problems, []);
  });
});

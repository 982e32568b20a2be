// Fault: live resharding of 128 slots with keys (SETSLOT IMPORTING/MIGRATING, MIGRATE in batches,
// SETSLOT NODE on every master) while RPUSH/INCR/SET/GET load runs on keys of the moving slots
// and of every other slot range: no error reaches a client, every acknowledged RPUSH is there at
// the end, INCR counts are exact, keys moved with the slots are still readable.
import assert from 'node:assert/strict';
import { LocalCluster } from '../../../lib/localcluster/local-cluster';
import { slotOf } from '../../../lib/protocol/crc16';
import { addr, keysForSlots, masterOf, migrateSlots, slotsOf } from '../../harness/fault-cluster';
import { RawConn } from '../../harness/fault-conn';
import { checkWrites, FaultLoad, keysAcrossSlots } from '../../harness/fault-load';
import { compareToBaseline, snapshot } from '../../harness/fault-resources';
import { startProxy, type RunningProxy } from '../../harness/proxy';
import { sleep } from '../../harness/wait';

const MOVING = 128;
const FILL_PER_SLOT = 12;

describe('fault: live resharding of 128 slots under load', function () {
  this.timeout(300_000);
  let cluster: LocalCluster;
  let proxy: RunningProxy;

  before(async function () {
    cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 0, nodeTimeoutMs: 2000 });
    // no periodic refresh: the proxy must follow ASK and MOVED by itself
    proxy = await startProxy(cluster.seeds(), { SLOTPROXY_REFRESH_MS: '600000' });
  });

  after(async function () {
    await proxy?.stop();
    await cluster?.stop();
  });

  it('no error reaches a client and no acknowledged write is lost', async function () {
    const warm = new FaultLoad({ port: proxy.port, keys: keysAcrossSlots('warm', 16) }).start();
    await sleep(1000);
    await warm.stop();
    const base = await snapshot();

    const source = await masterOf(cluster, 0);
    const masters = (await cluster.clusterNodes()).filter((n) => n.role === 'master');
    const target = masters.find((m) => m.id !== source.id)!;
    const moving = slotsOf(source).slice(0, MOVING);
    assert.equal(moving.length, MOVING);
    const tags = keysForSlots('rs-', moving, slotOf);

    // keys in every moving slot, so each MIGRATE has something to move
    const fill = await RawConn.connect(proxy.port);
    const fillCmds: string[][] = [];
    for (const [, tag] of tags) for (let i = 0; i < FILL_PER_SLOT; i++) fillCmds.push(['SET', `{${tag}}:fill${i}`, `${tag}-v${i}`]);
    const filled = await fill.send(fillCmds);
    assert.ok(filled.every((o) => o.ok), 'the keys to move were written');

    // load on a quarter of the moving slots plus every slot range
    const movingBases = [...tags.values()].filter((_, i) => i % 4 === 0).map((t) => `{${t}}`);
    const keys = [...movingBases, ...keysAcrossSlots('rs-other', 8)];
    const load = new FaultLoad({ port: proxy.port, keys, workers: 4 }).start('before');
    await sleep(800);
    const began = load.mark('migrating');
    const movedKeys = await migrateSlots(masters, moving, source, target, { batch: 5, pauseMs: 2 });
    const tookMs = Math.round(performance.now() - began);
    load.mark('after');
    await sleep(1000);
    await load.stop();

    const stats = proxy.proxy.router.stats;
    load.print('resharding');
    console.log(`        moved ${MOVING} slots with ${movedKeys} keys in ${tookMs} ms; proxy followed ${stats.ask} ASK, ${stats.moved} MOVED, ${stats.tryagain} TRYAGAIN`);

    assert.deepEqual(load.violations.slice(0, 5), [], `${load.violations.length} violations of one-reply-in-order`);
    const errors = load.errors();
    assert.deepEqual(errors.slice(0, 3).map((r) => `${r.op} ${r.base}: ${r.error}`), [], `${errors.length} errors reached clients`);
    assert.ok(movedKeys >= MOVING * FILL_PER_SLOT, `the keys moved (${movedKeys})`);
    assert.ok(stats.ask + stats.moved > 0, 'the proxy followed redirects');
    const migratingOk = load.records.filter((r) => r.ok && movingBases.includes(r.base) && r.sentAt >= began && r.sentAt <= began + tookMs).length;
    assert.ok(migratingOk > 100, `the load ran on the moving slots during the migration (${migratingOk} ok)`);

    const writes = await checkWrites(proxy.port, load);
    assert.deepEqual(writes.violations.slice(0, 5), []);

    // every key that moved can be read through the proxy, which now routes the slots to the target
    const reads = await fill.send(fillCmds.map(([, k]) => ['GET', k]));
    const wrong = reads.map((o, i) => (o.ok && o.value === fillCmds[i][2] ? null : `${fillCmds[i][1]}: ${JSON.stringify(o.value ?? o.error)}`)).filter(Boolean);
    assert.deepEqual(wrong.slice(0, 5), [], `${wrong.length} moved keys read wrong`);
    fill.destroy();
    for (const s of [moving[0], moving[MOVING - 1]]) assert.equal((await masterOf(cluster, s)).id, target.id);
    const owners = new Set(movingBases.map((b) => proxy.proxy.router.slotMap.owner(slotOf(b))));
    assert.deepEqual([...owners], [addr(target)], 'the proxy routes the loaded moving slots to the target');

    load.release();
    const res = await compareToBaseline(base);
    console.log(`        resources: ${res.line}`);
    assert.deepEqual(res.problems, []);
  });
});

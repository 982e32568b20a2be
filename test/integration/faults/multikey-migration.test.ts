// Fault: multi-key commands while their slot migrates. MGET/MSET whose keys share the hash tag of
// the migrating slot meet TRYAGAIN while the keys are split between the two nodes (and ASK once
// they all moved); MGET/MSET split across slots meet them on one part. The proxy retries within
// its budget: no error reaches the client and every reply is right.
import assert from 'node:assert/strict';
import { LocalCluster } from '../../../lib/localcluster/local-cluster';
import { slotOf } from '../../../lib/protocol/crc16';
import { masterOf, migrateSlots, ownsSlot } from '../../harness/fault-cluster';
import { RawConn, type Reply } from '../../harness/fault-conn';
import { compareToBaseline, snapshot } from '../../harness/fault-resources';
import { startProxy, type RunningProxy } from '../../harness/proxy';
import { sleep } from '../../harness/wait';

const TAG = '{mkmig}';
const FILL = 40;
const WORKERS = 4;

interface Check {
  args: string[];
  expect: Reply;
}

describe('fault: multi-key commands during a slot migration', function () {
  this.timeout(240_000);
  let cluster: LocalCluster;
  let proxy: RunningProxy;

  before(async function () {
    cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 0, nodeTimeoutMs: 2000 });
    proxy = await startProxy(cluster.seeds(), { SLOTPROXY_REFRESH_MS: '600000' });
  });

  after(async function () {
    await proxy?.stop();
    await cluster?.stop();
  });

  it('TRYAGAIN is retried within the budget; no error reaches the client', async function () {
    const slot = slotOf(TAG);
    const fixed = (i: number): string => `${TAG}:k${i}`;
    const other = (i: number): string => `{mkother${i % 5}}:k${i}`;
    const setup = await RawConn.connect(proxy.port);
    const init: string[][] = [];
    for (let i = 0; i < FILL; i++) init.push(['SET', fixed(i), `v${i}`], ['SET', other(i), `o${i}`]);
    // every key the workers write exists before the migration (MSET of keys that exist nowhere
    // yet gets TRYAGAIN on the importing node until the migration ends)
    for (let w = 0; w < WORKERS; w++) for (const s of ['a', 'b', 'c']) init.push(['SET', `${TAG}:w${w}${s}`, 'init'], ['SET', `{mkw${w}}:${s}`, 'init']);
    assert.ok((await setup.send(init)).every((o) => o.ok));
    setup.destroy();
    const base = await snapshot();

    let stopping = false;
    const problems: string[] = [];
    const counts = { ok: 0, errors: 0, commands: 0, maxLatencyMs: 0 };
    const worker = async (w: number): Promise<void> => {
      const conn = await RawConn.connect(proxy.port);
      for (let n = 0; !stopping; n++) {
        const i = (n * 7 + w) % (FILL - 6);
        const v = `w${w}-n${n}`;
        const checks: Check[] = [
          // one slot: the migrating one
          { args: ['MGET', fixed(i), fixed(i + 3), fixed(i + 6)], expect: [`v${i}`, `v${i + 3}`, `v${i + 6}`] },
          { args: ['MSET', `${TAG}:w${w}a`, v, `${TAG}:w${w}b`, v], expect: 'OK' },
          { args: ['MGET', `${TAG}:w${w}a`, `${TAG}:w${w}b`], expect: [v, v] },
          // split across slots, one part in the migrating slot
          { args: ['MGET', other(i), fixed(i + 1), other(i + 2), fixed(i + 5)], expect: [`o${i}`, `v${i + 1}`, `o${i + 2}`, `v${i + 5}`] },
          { args: ['MSET', `${TAG}:w${w}c`, v, `{mkw${w}}:c`, v], expect: 'OK' },
          { args: ['MGET', `{mkw${w}}:c`, `${TAG}:w${w}c`], expect: [v, v] },
          { args: ['EXISTS', fixed(i), other(i), fixed(i + 2)], expect: 3 },
          { args: ['ECHO', v], expect: v },
        ];
        const sent = performance.now();
        const got = await conn.send(checks.map((c) => c.args));
        got.forEach((o, k) => {
          counts.commands++;
          counts.maxLatencyMs = Math.max(counts.maxLatencyMs, Math.round(o.at - sent));
          if (o.ok && JSON.stringify(o.value) === JSON.stringify(checks[k].expect)) {
            counts.ok++;
            return;
          }
          counts.errors += o.ok ? 0 : 1;
          if (problems.length < 20) problems.push(`${checks[k].args.join(' ')} -> ${o.ok ? JSON.stringify(o.value) : o.error}`);
        });
        await sleep(1);
      }
      conn.destroy();
    };
    const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));

    // move the slot three times around the masters, slowly enough for the keys to be split
    const migrations: string[] = [];
    const before = { ...proxy.proxy.router.stats };
    await sleep(500);
    for (let round = 0; round < 3; round++) {
      const masters = (await cluster.clusterNodes()).filter((n) => n.role === 'master');
      const source = await masterOf(cluster, slot);
      const target = masters.find((m) => m.id !== source.id && !ownsSlot(m, slot))!;
      const t0 = performance.now();
      const keys = await migrateSlots(masters, [slot], source, target, { batch: 4, pauseMs: 60 });
      migrations.push(`${source.port}->${target.port}: ${keys} keys in ${Math.round(performance.now() - t0)} ms`);
      await sleep(300);
    }
    stopping = true;
    await Promise.all(workers);
    const s = proxy.proxy.router.stats;
    const delta = { ask: s.ask - before.ask, moved: s.moved - before.moved, tryagain: s.tryagain - before.tryagain };
    console.log(`      [multi-key during migration] ${counts.commands} commands, ${counts.ok} right, ${counts.errors} errors, max latency ${counts.maxLatencyMs} ms`);
    console.log(`        migrations: ${migrations.join('; ')}; proxy followed ${JSON.stringify(delta)}`);

    assert.deepEqual(problems, [], `${problems.length} wrong replies or errors`);
    assert.ok(delta.tryagain > 0, 'the load met TRYAGAIN (the keys were split between nodes)');
    assert.ok(counts.ok > 500, `the load ran (${counts.ok} right replies)`);
    const res = await compareToBaseline(base);
    console.log(`        resources: ${res.line}`);
    assert.deepEqual(res.problems, []);
  });
});

// Multi-key commands over keys in every master's slots: split by slot, merged in key order, and
// answered as a standalone Redis answers them.
import assert from 'node:assert/strict';
import Redis from 'ioredis';
import { startStandalone } from '../../lib/localcluster/local-cluster';
import { slotOf } from '../../lib/protocol/crc16';
import { sharedCluster } from '../harness/mocha-hooks';
import { startProxy, type RunningProxy } from '../harness/proxy';

describe('multi-key commands across slots', function () {
  let proxy: RunningProxy;
  let viaProxy: Redis;
  let direct: Redis;
  let standalone: { port: number; stop(): Promise<void> };
  const keys = Array.from({ length: 300 }, (_, i) => `mk:${i}`);

  before(async function () {
    proxy = await startProxy((await sharedCluster()).seeds());
    standalone = await startStandalone();
    viaProxy = new Redis({ port: proxy.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    direct = new Redis({ port: standalone.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
  });

  after(async function () {
    viaProxy?.disconnect();
    direct?.disconnect();
    await proxy?.stop();
    await standalone?.stop();
  });

  const both = async (fn: (c: Redis) => Promise<unknown>): Promise<unknown> => {
    const settle = (p: Promise<unknown>) => p.then((v) => ({ v }), (e: Error) => ({ e: e.message }));
    const [mine, theirs] = await Promise.all([settle(fn(viaProxy)), settle(fn(direct))]);
    assert.deepEqual(mine, theirs);
    return mine;
  };

  it('the keys cover every master', function () {
    const owners = new Set(keys.map((k) => proxy.proxy.router.slotMap.owner(slotOf(k))));
    assert.equal(owners.size, 3);
  });

  it('MSET then MGET in key order, with missing keys and repeats', async function () {
    await both((c) => c.mset(keys.flatMap((k, i) => [k, `v${i}`])));
    const got = (await both((c) => c.mget([...keys, 'mk:missing', keys[5], keys[0]]))) as { v: (string | null)[] };
    assert.equal(got.v.length, keys.length + 3);
    assert.equal(got.v[keys.length], null);
    assert.equal(got.v[keys.length + 1], 'v5');
  });

  it('EXISTS, TOUCH, DEL and UNLINK sum over slots', async function () {
    assert.deepEqual(await both((c) => c.exists([...keys.slice(0, 50), 'mk:none', keys[0]])), { v: 51 });
    await both((c) => c.touch(keys.slice(0, 40)));
    assert.deepEqual(await both((c) => c.del(keys.slice(0, 100))), { v: 100 });
    assert.deepEqual(await both((c) => c.unlink([...keys.slice(90, 200), 'mk:none'])), { v: 100 });
    await both((c) => c.mget(keys));
  });

  it('errors: odd MSET, MSETNX across slots, a wrong type among the keys', async function () {
    await both((c) => c.call('MSET', 'mk:a', '1', 'mk:b'));
    await assert.rejects(viaProxy.msetnx('mk:a', '1', 'mk:b', '2'), /CROSSSLOT/);
    await both((c) => c.rpush('mk:list', 'x'));
    // MGET returns nil for a key of another type; nothing to split wrongly
    await both((c) => c.mget('mk:list', keys[250], 'mk:z'));
  });

  it('a pipeline of split commands keeps its order', async function () {
    const run = async (c: Redis) => {
      const p = c.pipeline();
      for (let i = 0; i < 50; i++) {
        p.mset(`mk:p${i}`, `a${i}`, `mk:q${i}`, `b${i}`);
        p.mget(`mk:p${i}`, `mk:q${i}`, `mk:p${i - 1}`);
        p.del(`mk:q${i}`, `mk:zz${i}`);
      }
      return (await p.exec())!.map(([e, v]) => (e ? e.message : v));
    };
    await both(run);
  });

  it('a pipeline of large MGETs: values of every size, nils, one reply write of thousands of ranges', async function () {
    // 40 keys of sizes from 0 B to 6 KiB, some missing; 150 MGETs of 30 of them in one pipeline:
    // the replies' values are gathered from many node reads into the client's writes
    const sizes = [0, 1, 5, 47, 48, 49, 100, 1000, 4096, 6000];
    const big = Array.from({ length: 40 }, (_, i) => `mk:big:${i}`);
    await both((c) => c.mset(big.flatMap((k, i) => (i % 7 === 3 ? [] : [k, `${i}:`.padEnd(sizes[i % sizes.length] + 3, String.fromCharCode(97 + (i % 26)))]))));
    const run = async (c: Redis) => {
      const p = c.pipeline();
      for (let i = 0; i < 150; i++) p.mget(Array.from({ length: 30 }, (_, j) => big[(i * 7 + j * 3) % big.length]));
      return (await p.exec())!.map(([e, v]) => (e ? e.message : v));
    };
    const got = (await both(run)) as { v: (string | null)[][] };
    assert.equal(got.v.length, 150);
    assert.ok(got.v.every((r) => r.length === 30));
  });
});


// Replies come back in the order the commands were sent, whichever master answers first.
import assert from 'node:assert/strict';
import Redis from 'ioredis';
import { slotOf } from '../../lib/protocol/crc16';
import { sharedCluster } from '../harness/mocha-hooks';
import { startProxy, type RunningProxy } from '../harness/proxy';

describe('pipelined commands over every master', function () {
  let proxy: RunningProxy;
  let client: Redis;

  before(async function () {
    const cluster = await sharedCluster();
    proxy = await startProxy(cluster.seeds());
    client = new Redis({ port: proxy.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
  });

  after(async function () {
    client?.disconnect();
    await proxy?.stop();
  });

  it('10,000 mixed commands come back in order with the right values', async function () {
    const masters = proxy.proxy.router.slotMap.masters.length;
    assert.equal(masters, 3);
    const pipeline = client.pipeline();
    const expect: unknown[] = [];
    const owners = new Set<string | null>();
    for (let i = 0; i < 10_000; i++) {
      const key = `pipe:${i % 500}`;
      owners.add(proxy.proxy.router.slotMap.owner(slotOf(key)));
      switch (i % 5) {
        case 0:
          pipeline.set(key, `v${i}`);
          expect.push('OK');
          break;
        case 1:
          pipeline.get(`pipe:${(i - 1) % 500}`);
          expect.push(`v${i - 1}`);
          break;
        case 2:
          pipeline.rpush(`pipe:list:${i % 7}`, String(i));
          expect.push(null); // a growing length, checked below
          break;
        case 3:
          pipeline.echo(`e${i}`);
          expect.push(`e${i}`);
          break;
        case 4:
          pipeline.strlen(`pipe:${(i - 4) % 500}`);
          expect.push(`v${i - 4}`.length);
          break;
      }
    }
    assert.equal(owners.size, 3, 'the keys cover all three masters');
    const results = (await pipeline.exec())!;
    assert.equal(results.length, 10_000);
    const listLengths = new Map<number, number>();
    results.forEach(([err, value], i) => {
      assert.equal(err, null, `command ${i} failed: ${err?.message}`);
      if (i % 5 === 2) {
        const n = (listLengths.get(i % 7) ?? 0) + 1;
        listLengths.set(i % 7, n);
        assert.equal(value, n, `RPUSH #${i}`);
      } else {
        assert.equal(value, expect[i], `command ${i}`);
      }
    });
  });

  it('one raw write of many commands gets one in-order stream of replies', async function () {
    const n = 2000;
    const parts: string[] = [];
    for (let i = 0; i < n; i++) parts.push(`*2\r\n$4\r\nECHO\r\n$${String(i).length}\r\n${i}\r\n`, `*3\r\n$3\r\nSET\r\n$7\r\nraw:${String(i % 100).padStart(3, '0')}\r\n$1\r\nx\r\n`);
    const { sendAndRead } = await import('../harness/raw-client');
    const expected = Array.from({ length: n }, (_, i) => `$${String(i).length}\r\n${i}\r\n+OK\r\n`).join('');
    const got = await sendAndRead(proxy.port, parts.join(''), Buffer.byteLength(expected));
    assert.equal(got.toString(), expected);
  });
});

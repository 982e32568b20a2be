// Proxies embedded in one process: each owns its scanners (command table, limits, record arrays)
// and its gather, so one does not change another, at start or while both serve clients.
import assert from 'node:assert/strict';
import Redis from 'ioredis';
import { sharedCluster } from '../harness/mocha-hooks';
import { startProxy, type RunningProxy } from '../harness/proxy';
import { exchange } from '../harness/raw-client';

/** Pipelines of SETs, a split MGET and GETs, checked reply by reply. */
async function work(client: Redis, tag: string, rounds: number): Promise<void> {
  const keys = Array.from({ length: 40 }, (_, i) => `embedded:${tag}:${i}`);
  for (let r = 0; r < rounds; r++) {
    const values = keys.map((_, i) => `${tag}-${r}-${i}-${'v'.repeat(i * 7)}`);
    const p = client.pipeline();
    keys.forEach((k, i) => p.set(k, values[i]));
    p.mget(...keys);
    keys.forEach((k) => p.get(k));
    const replies = (await p.exec())!;
    for (const [err] of replies) assert.equal(err, null);
    assert.deepEqual(
      replies.map(([, v]) => v),
      [...keys.map(() => 'OK'), values, ...values],
      `${tag}, round ${r}`,
    );
  }
}

describe('two proxies in one process', function () {
  const proxies: RunningProxy[] = [];
  const clients: Redis[] = [];
  after(async function () {
    for (const c of clients) c.disconnect();
    await Promise.all(proxies.map((p) => p.stop()));
  });

  it('native and JS side by side, with their own limits: both answer at once, and closing one leaves the others working', async function () {
    const seeds = (await sharedCluster()).seeds();
    // started in this order, a process-wide scanner set would leave the first with the last's
    // limits and command table, and a process-wide gather with the JS one's kind
    const small = await startProxy(seeds, { SLOTPROXY_PARSER: 'native', SLOTPROXY_MAX_BULK_LENGTH: '1mb' });
    const big = await startProxy(seeds, { SLOTPROXY_PARSER: 'native' });
    const js = await startProxy(seeds, { SLOTPROXY_PARSER: 'js' });
    proxies.push(small, big, js);
    assert.deepEqual(
      proxies.map((p) => p.proxy.scanners.kind),
      ['native', 'native', 'js'],
    );
    assert.equal(new Set(proxies.map((p) => p.proxy.scanners)).size, 3, 'a scanner set each');
    assert.equal(new Set(proxies.map((p) => p.proxy.scanners.gather)).size, 3, 'a gather each');
    const [a, b, c] = proxies.map((p) => {
      const client = new Redis({ port: p.port, host: p.host, maxRetriesPerRequest: 0 });
      clients.push(client);
      return client;
    });
    await Promise.all([work(a, 'small', 20), work(b, 'big', 20), work(c, 'js', 20)]);

    // each proxy's own SLOTPROXY_MAX_BULK_LENGTH: 2 MB is too long for `small` only
    const header = '*3\r\n$3\r\nSET\r\n$15\r\nembedded:bulk:k\r\n$2097152\r\n';
    const refused = await exchange(small.port, header, { sentinel: false });
    assert.equal(refused.data.toString(), '-ERR Protocol error: invalid bulk length\r\n');
    assert.ok(refused.closed);
    const value = 'b'.repeat(2 * 1024 * 1024);
    assert.equal(await b.set('embedded:bulk:k', value), 'OK');
    assert.equal(await c.strlen('embedded:bulk:k'), value.length);

    // closing one, while the others are busy
    a.disconnect();
    const busy = Promise.all([work(b, 'big-2', 20), work(c, 'js-2', 20)]);
    await small.stop();
    await busy;
    await Promise.all([work(b, 'big-3', 5), work(c, 'js-3', 5)]);
    assert.equal(await b.get('embedded:js-3:39'), `js-3-4-39-${'v'.repeat(39 * 7)}`);
  });
});

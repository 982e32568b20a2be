// node-redis v5 with `RESP: 3` and its client-side cache (BasicClientSideCache, which turns on
// CLIENT TRACKING and drops a cached key on each `invalidate` push) through the proxy: a value is
// served from the cache until another client writes the key, on each master, and then read again.
import assert from 'node:assert/strict';
import { BasicClientSideCache, createClient } from '@redis/client';
import { sharedCluster } from '../../harness/mocha-hooks';
import { startProxy, type RunningProxy } from '../../harness/proxy';
import { tagPerMaster } from '../../harness/slot-tags';
import { until } from '../../harness/wait';

const RUN = `trkn${process.pid}`;

describe('node-redis clientSideCache through the proxy', function () {
  this.timeout(60_000);
  let proxy: RunningProxy;
  let tags: string[];

  before(async function () {
    proxy = await startProxy((await sharedCluster()).seeds());
    tags = tagPerMaster(proxy, RUN);
  });

  after(async function () {
    await proxy?.stop();
  });

  it('a cached value is invalidated when another client writes it, on each master; RESP2 writers alongside', async function () {
    const cache = new BasicClientSideCache({ ttl: 0, maxEntries: 0 });
    const invalidated: string[] = [];
    cache.on('invalidate', (key: Buffer | string | null) => invalidated.push(key === null ? '<all>' : key.toString()));
    const cached = createClient({ url: `redis://127.0.0.1:${proxy.port}`, RESP: 3, clientSideCache: cache });
    const writer = createClient({ url: `redis://127.0.0.1:${proxy.port}` });
    await Promise.all([cached.connect(), writer.connect()]);
    try {
      for (const t of tags) {
        const key = `${t}cached`;
        await writer.set(key, 'one');
        assert.equal(await cached.get(key), 'one');
        const hits = cache.stats().hitCount;
        assert.equal(await cached.get(key), 'one');
        assert.equal(cache.stats().hitCount, hits + 1, `${key}: the second GET is served from the cache`);
        await writer.set(key, 'two');
        await until(() => invalidated.includes(key), `${key} invalidated`, 10_000);
        assert.equal(await cached.get(key), 'two', `${key}: read again after the invalidation`);
      }
      // a key the cached client never read is not announced to it
      await writer.set(`${tags[0]}unread`, 'x');
      await writer.set(`${tags[0]}cached`, 'three');
      await until(() => invalidated.filter((k) => k === `${tags[0]}cached`).length === 2, 'the second invalidation', 10_000);
      assert.ok(!invalidated.includes(`${tags[0]}unread`), 'only keys it read');
      const info = String(await writer.sendCommand(['INFO', 'stats']));
      assert.match(info, /tracking_total_keys:\d+/);
      assert.match(info, /tracking_table_max_keys:1000000/);
    } finally {
      await Promise.allSettled([cached.quit(), writer.quit()]);
    }
  });
});

// Issue 25 item 8 (not done yet: these tests fail until it is). A total memory limit for all
// clients' partly received requests, like Redis 7's maxmemory-clients: past it the clients using
// the most are closed first, and INFO counts them. The setting's name is this test's guess
// (SLOTPROXY_MAXMEMORY_CLIENTS): whoever adds it may rename it here.
import assert from 'node:assert/strict';
import net from 'node:net';
import { sharedCluster } from '../harness/mocha-hooks';
import { startProxy, type RunningProxy } from '../harness/proxy';
import { until } from '../harness/wait';

describe('total client memory limit (issue 25 item 8)', function () {
  this.timeout(120_000);
  let proxy: RunningProxy;
  const sockets: net.Socket[] = [];

  before(async function () {
    proxy = await startProxy((await sharedCluster()).seeds(), { SLOTPROXY_MAXMEMORY_CLIENTS: '16mb' });
  });

  after(async function () {
    for (const s of sockets) s.destroy();
    await proxy?.stop();
  });

  it('clients dripping large bulks are closed, the biggest first, once all together pass the limit', async function () {
    const closed: number[] = [];
    // 10 clients, client i sends (i + 1) MiB of a declared 512 MB bulk and stalls: 55 MiB in all
    for (let i = 0; i < 10; i++) {
      const s = net.connect({ port: proxy.port, host: '127.0.0.1' });
      s.on('error', () => {});
      s.on('close', () => closed.push(i));
      s.write(`*3\r\n$3\r\nSET\r\n$6\r\nmem:${i}k\r\n$${512 * 1024 * 1024}\r\n`);
      s.write(Buffer.alloc((i + 1) * 1024 * 1024, 'x'));
      sockets.push(s);
    }
    await until(() => closed.length >= 5, `clients closed over the limit (${closed.length})`, 20_000);
    assert.ok(closed.slice(0, 3).every((i) => i >= 7), `the biggest went first: ${closed}`);
    const small = sockets[0];
    assert.equal(small.destroyed, false, 'the smallest client stays');
    const info = await new Promise<string>((resolve) => {
      const c = net.connect({ port: proxy.port, host: '127.0.0.1' }, () => c.write('INFO stats\r\n'));
      let got = '';
      c.on('data', (d) => {
        got += d;
        if (got.includes('\r\n\r\n') || got.length > 2000) {
          c.destroy();
          resolve(got);
        }
      });
    });
    assert.match(info, /evicted_clients:[1-9]/);
  });
});

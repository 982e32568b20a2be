// Issue 25 item 9 (not done yet: these tests fail until it is). Where Redis closes a connection
// (a protocol error, an endless inline line, QUIT) it closes the socket for good: a client that
// keeps writing gets an error soon. The proxy must do the same, not half-close and keep reading.
import assert from 'node:assert/strict';
import net from 'node:net';
import { startStandalone, type StandaloneRedis } from '../../lib/localcluster/local-cluster';
import { sharedCluster } from '../harness/mocha-hooks';
import { startProxy, type RunningProxy } from '../harness/proxy';

/** Sends `first`, then keeps writing up to `limit` bytes; resolves how much was written before a write failed (or all). */
function writeAfter(port: number, first: string, limit: number): Promise<{ written: number; failed: boolean; reply: string }> {
  return new Promise((resolve) => {
    // half-open allowed: our side keeps writing after the server's FIN, as a careless client does
    const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    let reply = '';
    let written = 0;
    let failed = false;
    let settled = false;
    const done = (): void => {
      if (settled) return;
      settled = true;
      s.destroy();
      resolve({ written, failed, reply });
    };
    s.on('data', (d) => (reply += d.toString('latin1')));
    s.on('error', () => {
      failed = true;
      done();
    });
    s.on('close', done);
    const chunk = Buffer.alloc(16 * 1024, 'x');
    const pump = (): void => {
      while (written < limit) {
        written += chunk.length;
        if (!s.write(chunk)) {
          s.once('drain', pump);
          return;
        }
      }
      // every byte handed to the kernel: give a late reset the time to show
      setTimeout(done, 1000);
    };
    s.on('connect', () => {
      s.write(first);
      // once the reply came, the server has closed (or half-closed) its side
      s.once('data', () => setTimeout(pump, 100));
    });
  });
}

describe('a connection the proxy closes is closed for good (issue 25 item 9)', function () {
  this.timeout(120_000);
  let proxy: RunningProxy;
  let redis: StandaloneRedis;

  before(async function () {
    [proxy, redis] = await Promise.all([startProxy((await sharedCluster()).seeds()), startStandalone()]);
  });

  after(async function () {
    await proxy?.stop();
    await redis?.stop();
  });

  for (const [what, first] of [
    ['a protocol error', '*1\r\n$abc\r\n'],
    ['QUIT', 'QUIT\r\n'],
    ['a line without a newline past 64 KiB', 'x'.repeat(70 * 1024)],
  ] as const) {
    it(`after ${what}, the client's next writes fail, as with Redis`, async function () {
      const theirs = await writeAfter(redis.port, first, 4 * 1024 * 1024);
      assert.equal(theirs.failed, true, 'Redis: the writes fail (the test itself is sound)');
      const mine = await writeAfter(proxy.port, first, 4 * 1024 * 1024);
      assert.equal(mine.reply, theirs.reply);
      assert.equal(mine.failed, true, `the proxy let the client write ${mine.written} bytes after closing`);
    });
  }
});

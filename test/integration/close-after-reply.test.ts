// A reply that closes the connection after it (a protocol error) is the last thing the client
// gets, even while pub/sub messages keep arriving for it: a message enqueued after the collected
// error once made the proxy follow a broken reply list and throw (TypeError, process down).
import assert from 'node:assert/strict';
import net from 'node:net';
import Redis from 'ioredis';
import { sharedCluster } from '../harness/mocha-hooks';
import { startProxy, type RunningProxy } from '../harness/proxy';

const SUBSCRIBE = '*2\r\n$9\r\nSUBSCRIBE\r\n$8\r\ncar:chan\r\n';
const BAD_BULK_LENGTH = '*1\r\n$x\r\n';

/** Subscribes, sends a protocol error at the first message, and returns all it got until closed. */
function subscribeThenBreak(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let sent = false;
    s.on('error', () => {});
    s.on('data', (c: Buffer) => {
      chunks.push(c);
      if (!sent && Buffer.concat(chunks).includes('message\r\n$8\r\ncar:chan')) {
        sent = true;
        s.write(BAD_BULK_LENGTH);
      }
    });
    s.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    s.write(SUBSCRIBE);
  });
}

describe('close after reply', function () {
  this.timeout(120_000);
  let p: RunningProxy;
  before(async function () {
    p = await startProxy((await sharedCluster()).seeds());
  });
  after(async function () {
    await p.stop();
  });

  it('a subscribed client that sends a protocol error during a flood of messages gets the error last', async function () {
    const publisher = new Redis({ port: p.port, host: '127.0.0.1' });
    let flooding = true;
    const flood = (async () => {
      while (flooding) {
        const pipeline = publisher.pipeline();
        for (let i = 0; i < 200; i++) pipeline.publish('car:chan', 'm');
        await pipeline.exec();
      }
    })();
    try {
      const endings: string[] = [];
      for (let round = 0; round < 200; round++) {
        const got = await subscribeThenBreak(p.port);
        if (!/-ERR Protocol error: invalid bulk length\r\n$/.test(got)) endings.push(JSON.stringify(got.slice(-60)));
      }
      assert.deepEqual(endings, [], 'every connection ends with the error reply');
      assert.equal(await publisher.ping(), 'PONG', 'the proxy is still up');
    } finally {
      flooding = false;
      await flood;
      publisher.disconnect();
    }
  });
});

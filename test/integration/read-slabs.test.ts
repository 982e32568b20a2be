// Reads are copied into slabs that are reused once nothing points into them
// (lib/io/socket-reads.ts). Many clients pipelining large values at once cycle through slabs
// within one event-loop turn; every value must still reach the cluster as sent, whether its
// command took the fast path (a held slab), was split over slots (a pinned slab), was written
// as a view (values over 16 KiB), or belonged to a client that left before its replies came;
// and every reply must reach its client as the node sent it, also when the client reads so
// slowly that its replies wait in the proxy.
import assert from 'node:assert/strict';
import net from 'node:net';
import { clientSlabs, nodeSlabs } from '../../lib/io/slabs';
import { command } from '../../lib/protocol/resp';
import { sharedCluster } from '../harness/mocha-hooks';
import { startProxy, type RunningProxy } from '../harness/proxy';
import { sendAndRead } from '../harness/raw-client';
import { until } from '../harness/wait';

/** A value of `size` bytes that says which key it belongs to at every offset. */
function valueFor(key: string, size: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) b[i] = 97 + ((key.length * 7 + i + key.charCodeAt(key.length - 1) * 13) % 26);
  b.write(key.slice(0, Math.min(key.length, size)), 0, 'latin1');
  return b;
}

/** Sends `frames` in one write and resolves with the bytes received once `expected` many came. */
const roundTrip = (port: number, frames: Buffer[], expected: number): Promise<Buffer> => sendAndRead(port, Buffer.concat(frames), expected);

describe('client read slabs under many large pipelines', function () {
  let proxy: RunningProxy;

  before(async function () {
    const cluster = await sharedCluster();
    proxy = await startProxy(cluster.seeds());
  });

  after(async function () {
    await proxy?.stop();
  });

  it('deliver every value intact while slabs are reused', async function () {
    const clients = 12;
    const perClient = 60;
    const reusedBefore = clientSlabs.reused;
    const written = new Map<string, Buffer>();
    const jobs: Promise<Buffer>[] = [];
    for (let c = 0; c < clients; c++) {
      const frames: Buffer[] = [];
      let replies = 0;
      for (let i = 0; i < perClient; i++) {
        // sizes from 300 B to 24 KiB: some frames are copied into the node's write, some sent as views
        const size = 300 + ((c * 7919 + i * 104729) % 24000);
        if (c % 3 === 2) {
          // MSET over two slots: split, its parts are ranges of the client's bytes
          const a = `slab:m:${c}:${i}:a`;
          const b = `slab:m:${c}:${i}:b`;
          written.set(a, valueFor(a, size));
          written.set(b, valueFor(b, size >> 1));
          frames.push(command(['MSET', a, written.get(a)!, b, written.get(b)!]));
        } else {
          const k = `slab:s:${c}:${i}`;
          written.set(k, valueFor(k, size));
          frames.push(command(['SET', k, written.get(k)!]));
        }
        replies++;
      }
      jobs.push(roundTrip(proxy.port, frames, replies * 5));
    }
    // a client that leaves with its commands in flight: what it held must not be reused early
    const leaving = net.connect({ host: '127.0.0.1', port: proxy.port });
    const leavingFrames: Buffer[] = [];
    for (let i = 0; i < 40; i++) leavingFrames.push(command(['SET', `slab:gone:${i}`, valueFor(`slab:gone:${i}`, 20000)]));
    leaving.on('connect', () => leaving.end(Buffer.concat(leavingFrames)));
    leaving.on('error', () => undefined);

    const replies = await Promise.all(jobs);
    for (const r of replies) assert.equal(r.toString('latin1'), '+OK\r\n'.repeat(r.length / 5), 'every SET and MSET answered OK');
    assert.ok(clientSlabs.reused > reusedBefore, 'the test read enough to reuse slabs');

    // Read everything back, in pipelines of GETs from several clients at once, while a client
    // that does not read has single replies waiting in the proxy (written as views of a slab).
    const keys = [...written.keys()];
    const bulk = (k: string): Buffer => Buffer.concat([Buffer.from(`$${written.get(k)!.length}\r\n`), written.get(k)!, Buffer.from('\r\n')]);
    const nodeReusedBefore = nodeSlabs.reused;
    const slow = net.connect({ host: '127.0.0.1', port: proxy.port });
    slow.pause();
    const some = keys.filter((k) => written.get(k)!.length > 10000 && written.get(k)!.length < 16000).slice(0, 8);
    // ~20 MB of replies: more than the kernel buffers between the proxy and a client that does not read
    const slowKeys = Array.from({ length: 1500 }, (_, i) => some[i % some.length]);
    await new Promise((r) => slow.once('connect', r));
    for (const k of slowKeys) {
      // one GET per write: each reply is a batch of its own
      slow.write(command(['GET', k]));
      await new Promise((r) => setImmediate(r));
    }
    const queued = (): number => Math.max(...[...proxy.proxy.sessions].map((c) => (c as unknown as { socket: net.Socket }).socket.writableLength));
    await until(() => queued() > 0, 'replies wait in the proxy for the slow client');
    const reads: Promise<void>[] = [];
    for (let from = 0; from < keys.length; from += 100) {
      const batch = keys.slice(from, from + 100);
      const expected = Buffer.concat(batch.map(bulk));
      reads.push(
        roundTrip(proxy.port, batch.map((k) => command(['GET', k])), expected.length).then((got) => {
          assert.ok(got.equals(expected), `values ${from}..${from + batch.length} came back as written`);
        }),
      );
    }
    await Promise.all(reads);
    assert.ok(nodeSlabs.reused > nodeReusedBefore, 'the test read enough replies to reuse slabs');
    const slowExpected = Buffer.concat(slowKeys.map(bulk));
    const slowGot: Buffer[] = [];
    let n = 0;
    slow.on('data', (c: Buffer) => {
      slowGot.push(c);
      n += c.length;
    });
    slow.resume();
    await until(() => n >= slowExpected.length, 'the slow client got all its replies');
    slow.destroy();
    assert.ok(Buffer.concat(slowGot).equals(slowExpected), 'the replies that waited for the slow client are intact');
    await until(() => proxy.proxy.sessions.size === 0, 'the clients are gone');
  });
});

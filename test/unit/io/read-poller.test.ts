// Reads by the addon's poller (lib/io/read-poller.ts, native/socket_poll.cc) on real loopback
// sockets: what a peer sends arrives whole and in order, also across many slabs and sockets at
// once; end of stream, a reset, pause/resume and a destroy behave as through Node's own reads;
// the descriptors it duplicates are closed with their sockets; a connecting socket is taken over
// once connected. (The whole proxy suite runs on the poller too: it is the default.)
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { once } from 'node:events';
import { loadNative } from '../../../lib/protocol/native';
import { readPoller, type ReadControl, type ReadPoller } from '../../../lib/io/read-poller';
import { pollSocket } from '../../../lib/io/socket-reads';
import { close, pair, pattern, turn, type Pair } from './socket-pairs';

const openFds = (): number => fs.readdirSync('/proc/self/fd').length;

for (const batched of [false, true]) describe(`socket reads by the native poller${batched ? ', batched in one io_uring submit per turn' : ''}`, function () {
  let poller: ReadPoller;

  before(function () {
    const addon = loadNative().addon;
    // The addon is built by the test command's setup; without it this whole file is not run,
    // and the suite says so (pending), not passed.
    if (!addon?.ReadPoller) this.skip();
    poller = readPoller(addon.ReadPoller)!;
    // (without io_uring the batched sockets are read one by one: nothing more to test here)
    if (batched && addon.sendBatchState?.() !== 0) this.skip();
  });

  /** A pair whose accepted socket is polled, its chunks copied into `got`. */
  async function polledPair(got: Buffer[]): Promise<Pair & { reads: ReadControl }> {
    let reads: ReadControl | null = null;
    const p = await pair((s) => (reads = pollSocket(s, (b, from, to) => got.push(Buffer.from(b.subarray(from, to))), true, poller, batched)));
    assert.notEqual(reads, p.accepted, 'the accepted socket was left to Node');
    return { ...p, reads: reads! };
  }

  it('delivers every byte in order, across many slabs and sockets interleaved', async () => {
    const got: Buffer[][] = [[], [], []];
    const pairs: Pair[] = [];
    for (let k = 0; k < 3; k++) {
      let reads: ReadControl | null = null;
      const p = await pair((s) => (reads = pollSocket(s, (b, from, to) => got[k].push(Buffer.from(b.subarray(from, to))), k !== 1, poller, batched)));
      assert.notEqual(reads, p.accepted);
      pairs.push(p);
    }
    try {
      const sent: Buffer[][] = [[], [], []];
      // 3 x 150 writes of up to 20 KiB: many 128 KiB slabs of both kinds, interleaved
      for (let i = 0; i < 150; i++) {
        for (let k = 0; k < 3; k++) {
          const b = pattern(1 + ((i * 977 + k * 131) % 20000), i + k);
          sent[k].push(b);
          pairs[k].client.write(b);
        }
        if (i % 10 === 0) await turn();
      }
      for (let k = 0; k < 3; k++) {
        const want = Buffer.concat(sent[k]);
        while (Buffer.concat(got[k]).length < want.length) await turn();
        assert.ok(Buffer.concat(got[k]).equals(want), `socket ${k}: bytes lost, reordered or overwritten`);
      }
    } finally {
      for (const p of pairs) close(p);
    }
  });

  it('many sockets readable in one turn, short and long writes: every byte in order', async function () {
    this.timeout(60_000);
    const n = 60;
    const got: Buffer[][] = Array.from({ length: n }, () => []);
    const pairs: Pair[] = [];
    for (let k = 0; k < n; k++) {
      pairs.push(await pair((s) => pollSocket(s, (b, from, to) => got[k].push(Buffer.from(b.subarray(from, to))), k % 7 !== 3, poller, batched)));
    }
    try {
      const before = poller.batchedReads;
      const sent: Buffer[][] = Array.from({ length: n }, () => []);
      for (let round = 0; round < 40; round++) {
        // all write in one turn: mostly commands' worth, some more than a region (which then
        // fills it and is read on), one now and then more than a read
        for (let k = 0; k < n; k++) {
          const size = (round + k) % 13 === 0 ? 3000 + ((k * 977 + round * 131) % 70000) : 20 + ((k + round) % 90);
          const b = pattern(size, round * n + k);
          sent[k].push(b);
          pairs[k].client.write(b);
        }
        await turn();
      }
      for (let k = 0; k < n; k++) {
        const want = Buffer.concat(sent[k]);
        while (Buffer.concat(got[k]).length < want.length) await turn();
        assert.ok(Buffer.concat(got[k]).equals(want), `socket ${k}: bytes lost, reordered or overwritten`);
      }
      if (batched) assert.ok(poller.batchedReads > before, 'no read was batched');
      else assert.equal(poller.batchedReads, before, 'a socket not asked to be batched was');
    } finally {
      for (const p of pairs) close(p);
    }
  });

  it('in a turn, sockets that send little are read before those that send much', async function () {
    // (a few clients writing 8 MiB pipelines took every slab of each turn, turn after turn, and
    // the others' commands waited for them to pause)
    const order: string[] = [];
    let heavyGot = 0;
    let smallGot = 0;
    const heavy = await pair((s) =>
      pollSocket(s, (_b, from, to) => {
        heavyGot += to - from;
        order.push('heavy');
      }, true, poller, batched),
    );
    const small = await pair((s) =>
      pollSocket(s, (_b, from, to) => {
        smallGot += to - from;
        order.push('small');
      }, true, poller, batched),
    );
    try {
      // the heavy socket shows it sends much at a time
      heavy.client.write(pattern(256 * 1024, 1));
      while (heavyGot < 256 * 1024) await turn();
      order.length = 0;
      heavy.client.write(pattern(256 * 1024, 2));
      small.client.write('PING');
      while (smallGot < 4 || heavyGot < 512 * 1024) await turn();
      if (batched) assert.equal(order[0], 'small', `read in the order ${order.join(', ')}`);
      else assert.ok(order.includes('small'));
    } finally {
      close(heavy);
      close(small);
    }
  });

  it("emits 'end' and 'close' when the peer ends, after its last bytes", async () => {
    const got: Buffer[] = [];
    const p = await polledPair(got);
    try {
      const ended = once(p.accepted, 'end');
      const closed = once(p.accepted, 'close');
      p.client.write('first ');
      while (got.length === 0) await turn();
      p.client.end('last words');
      await ended;
      await closed;
      assert.equal(Buffer.concat(got).toString(), 'first last words');
    } finally {
      close(p);
    }
  });

  it('reads nothing while paused and goes on after resume', async () => {
    const got: Buffer[] = [];
    const p = await polledPair(got);
    try {
      p.client.write('one');
      while (got.length === 0) await turn();
      p.reads.pause();
      assert.equal(p.reads.isPaused(), true);
      // Node's own resume must not start its handle behind the poller's back
      p.accepted.resume();
      p.client.write('two');
      for (let i = 0; i < 50; i++) await turn();
      assert.equal(Buffer.concat(got).toString(), 'one', 'a paused socket delivered data');
      p.reads.resume();
      while (Buffer.concat(got).length < 6) await turn();
      assert.equal(Buffer.concat(got).toString(), 'onetwo');
    } finally {
      close(p);
    }
  });

  it('a connection reset by the peer closes the socket with an error, after the bytes before it', async () => {
    const got: Buffer[] = [];
    const p = await polledPair(got);
    try {
      const closed = new Promise((resolve) => p.accepted.on('close', resolve));
      let failure: NodeJS.ErrnoException | null = null;
      p.accepted.on('error', (err) => (failure = err));
      p.client.write('before');
      while (got.length === 0) await turn();
      p.client.resetAndDestroy();
      await closed;
      assert.equal(failure?.['code'], 'ECONNRESET');
      assert.equal(Buffer.concat(got).toString(), 'before');
    } finally {
      close(p);
    }
  });

  it('destroying the socket closes the connection for the peer (the duplicate descriptor too)', async () => {
    const before = openFds();
    for (let i = 0; i < 20; i++) {
      const p = await polledPair([]);
      const peerEnded = once(p.client, 'close');
      p.accepted.destroy();
      await peerEnded;
      p.server.close();
    }
    for (let i = 0; i < 10; i++) await turn();
    assert.equal(openFds(), before, 'descriptors left open');
  });

  it('takes over a connecting socket once it is connected', async () => {
    const server = net.createServer((s) => s.end('hello from the server'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const got: Buffer[] = [];
    const client = net.connect({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port });
    const before = poller.polled;
    let polledOnConnect = -1;
    pollSocket(client, (b, from, to) => got.push(Buffer.from(b.subarray(from, to))), false, poller, batched);
    // (after the poller's own 'connect' listener)
    client.once('connect', () => (polledOnConnect = poller.polled));
    try {
      await once(client, 'end');
      assert.equal(polledOnConnect, before + 1, 'the connected socket was left to Node');
      assert.equal(Buffer.concat(got).toString(), 'hello from the server');
    } finally {
      client.destroy();
      server.close();
    }
  });

  it('a reader that throws loses no other socket its reads', async () => {
    const got: Buffer[] = [];
    const good = await polledPair(got);
    let bad: Pair | null = null;
    const errors: unknown[] = [];
    const onUncaught = (err: unknown): void => void errors.push(err);
    // mocha's own handler would fail the test: this one takes the thrown error instead
    const mochaHandlers = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    process.on('uncaughtException', onUncaught);
    try {
      bad = await pair((s) =>
        pollSocket(
          s,
          () => {
            throw new Error('reader failed');
          },
          true,
          poller,
          batched,
        ),
      );
      for (let i = 0; i < 20; i++) {
        bad.client.write('x');
        good.client.write(`${i},`);
        await turn();
      }
      while (Buffer.concat(got).toString().split(',').length < 21) await turn();
      assert.equal(Buffer.concat(got).toString(), Array.from({ length: 20 }, (_, i) => `${i},`).join(''));
      assert.ok(errors.length > 0 && errors.every((e) => (e as Error).message === 'reader failed'));
    } finally {
      process.removeListener('uncaughtException', onUncaught);
      for (const h of mochaHandlers) process.on('uncaughtException', h);
      close(good);
      if (bad) close(bad);
    }
  });
});

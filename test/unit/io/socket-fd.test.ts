// Writes straight to a socket's descriptor (Gather.sendTo with SocketFd): the peer must get
// exactly the bytes of every write, in order, whether the kernel takes a write whole, in part
// (the rest then goes through the stream, and the writes after it follow it there), or not at
// all; the stream path (no addon, TLS, disabled) must give the same bytes.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type net from 'node:net';
import { SocketFd } from '../../../lib/io/socket-fd';
import { createGather, type Gather } from '../../../lib/protocol/gather';
import { loadNative } from '../../../lib/protocol/native';
import { patterned, rng, socketPair as pair } from './helpers';

/**
 * Sends `count` ranges of `pool` as one write; returns their bytes. `ids`: the addon's id of each
 * source of the pool, or -1 (as slabs and other buffers mix in a client's replies).
 */
function sendRandom(g: Gather, client: net.Socket, fd: SocketFd, pool: Buffer[], count: number, next: () => number, ids: number[] = []): Buffer {
  const parts: Buffer[] = [];
  const ranges: [Buffer, number, number, number][] = [];
  for (let r = 0; r < count; r++) {
    const i = Math.floor(next() * pool.length);
    const src = pool[i];
    const start = Math.floor(next() * src.length);
    const end = start + Math.floor(next() * (src.length - start + 1));
    ranges.push([src, start, end, ids[i] ?? -1]);
    parts.push(src.subarray(start, end));
  }
  const bytes = parts.reduce((n, p) => n + p.length, 0);
  g.beginSend(bytes);
  for (const [src, start, end, id] of ranges) g.add(src, start, end, id);
  g.sendTo(client, fd.now());
  return Buffer.concat(parts);
}

describe('SocketFd and Gather.sendTo: writes that skip the stream', () => {
  const { addon } = loadNative();

  it('the native addon has sendv(), sender() and registerBuffer()', () => {
    assert.equal(typeof addon?.sendv, 'function', 'the addon was built before sendv() was added: rebuild it');
    assert.equal(typeof addon?.sender, 'function', 'the addon was built before sender() was added: rebuild it');
    assert.equal(typeof addon?.registerBuffer, 'function', 'the addon was built before registerBuffer() was added: rebuild it');
  });

  for (const mode of ['descriptor', 'descriptor (sources by id)', 'stream (JS gather)', 'stream (disabled)'] as const) {
    it(`${mode}: every write arrives whole and in order, through full socket buffers too`, async function () {
      this.timeout(60_000);
      const { server, client, peer } = await pair();
      try {
        const g = createGather(mode === 'stream (JS gather)' ? 'js' : 'auto');
        const direct = mode.startsWith('descriptor');
        const fd = new SocketFd(client, direct && g.sends);
        if (direct) assert.notEqual(fd.now(), -1, 'a plain TCP socket is written to its descriptor');
        else assert.equal(fd.now(), -1);
        const next = rng(mode.length);
        const pool: Buffer[] = [patterned(256 * 1024, 1), Buffer.from('+OK\r\n'), patterned(3000, 2).subarray(100)];
        for (let i = 0; i < 80; i++) pool.push(patterned(1 + Math.floor(next() * 200), i + 3));
        // two of every three sources known by id, the others given: sends of 0, 1, 2 and more loose ones
        const ids = mode === 'descriptor (sources by id)' ? pool.map((b, i) => (i % 3 === 2 ? -1 : addon!.registerBuffer!(b))) : [];
        const received: Buffer[] = [];
        let got = 0;
        peer.on('data', (c: Buffer) => {
          received.push(c);
          got += c.length;
        });
        // the peer stops reading for a while: the kernel takes part of a write, then none
        peer.pause();
        const expected: Buffer[] = [];
        let queued = false;
        for (let round = 0; round < 120; round++) {
          // up to 2,000 ranges (more than one sendv takes) of up to 83 sources (more than one call takes)
          const count = round % 10 === 0 ? 2000 : 1 + Math.floor(next() * 40);
          expected.push(sendRandom(g, client, fd, pool, count, next, ids));
          if (client.writableLength > 0) queued = true;
          if (round === 60) peer.resume();
          if (round % 20 === 19) await new Promise((r) => setImmediate(r));
        }
        assert.ok(queued, 'the socket buffers never filled: the partial write was not tried');
        const want = Buffer.concat(expected);
        while (got < want.length) await once(peer, 'data');
        assert.equal(got, want.length);
        assert.ok(Buffer.concat(received).equals(want), 'the bytes differ');
      } finally {
        client.destroy();
        peer.destroy();
        server.close();
      }
    });
  }

  it('a destroyed socket is never written to its descriptor (which another socket may get)', async () => {
    const { server, client, peer } = await pair();
    try {
      const fd = new SocketFd(client, true);
      assert.notEqual(fd.now(), -1);
      client.destroy();
      assert.equal(fd.now(), -1);
    } finally {
      peer.destroy();
      server.close();
    }
  });

  it('a socket that was ended is written through its stream (which refuses the write)', async () => {
    const { server, client, peer } = await pair();
    try {
      const fd = new SocketFd(client, true);
      client.end();
      assert.equal(fd.now(), -1);
    } finally {
      client.destroy();
      peer.destroy();
      server.close();
    }
  });

  it('a write to a peer that is gone reaches the stream, which reports the error', async function () {
    this.timeout(20_000);
    const { server, client, peer } = await pair();
    try {
      const g = createGather('auto');
      const fd = new SocketFd(client, g.sends);
      const failed = new Promise<void>((resolve) => {
        client.on('error', () => resolve());
        client.on('close', () => resolve());
      });
      peer.resetAndDestroy();
      const big = patterned(64 * 1024, 9);
      // the first writes after the reset may still be taken: write until the error shows
      for (let i = 0; i < 200 && !client.destroyed; i++) {
        g.beginSend(big.length);
        g.add(big, 0, big.length);
        g.sendTo(client, fd.now());
        await new Promise((r) => setTimeout(r, 5));
      }
      await failed;
      assert.equal(fd.now(), -1);
    } finally {
      client.destroy();
      server.close();
    }
  });

  it('sendv checks its arguments before it sends anything', () => {
    const sendv = addon!.sendv!;
    const src = Buffer.from('hello');
    assert.throws(() => sendv(-1, new Int32Array([0, 0, 5]), 1, src), /fd must be a file descriptor/);
    assert.throws(() => sendv(0, new Int32Array([0, 0, 6]), 1, src), /outside its source/);
    assert.throws(() => sendv(0, new Int32Array([1, 0, 1]), 1, src), /outside its source/);
    assert.throws(() => sendv(0, new Int32Array([0, 0, 1]), 2, src), /beyond the ranges array/);
    assert.throws(() => sendv(0, new Uint32Array(3) as unknown as Int32Array, 1, src), /sendv\(fd, ranges, count, \.\.\.sources\)/);
  });

  it("a sender checks its arguments, ids, loose sources and ranges before it sends anything", () => {
    const ranges = new Int32Array(6);
    const ids = new Int32Array(2);
    const args = new Int32Array(3);
    const send = addon!.sender!(ranges, ids, args);
    const call = (fd: number, count: number, nsrc: number, ...loose: Buffer[]): number => {
      args.set([fd, count, nsrc]);
      // (args of 3: the answer is returned)
      return send(...loose)!;
    };
    const slab = Buffer.from('hello');
    ids[0] = addon!.registerBuffer!(slab);
    ranges.set([0, 0, 5]);
    assert.throws(() => call(-1, 1, 1), /fd must be a file descriptor/);
    assert.throws(() => call(0, 3, 1), /beyond the sender's arrays/);
    assert.throws(() => call(0, 1, 3), /beyond the sender's arrays/);
    assert.throws(() => call(0, -1, 1), /beyond the sender's arrays/);
    ranges.set([0, 0, 6]);
    assert.throws(() => call(0, 1, 1), /outside its source/);
    ids[1] = -1;
    ranges.set([1, 0, 1]);
    assert.throws(() => call(0, 1, 2), /fewer loose sources/);
    assert.throws(() => call(0, 1, 2, 'x' as unknown as Buffer), /loose source is not a Buffer/);
    // (it reads at most 4: a fifth would be dropped unseen)
    assert.throws(() => call(0, 1, 2, slab, slab, slab, slab, slab), /more loose sources than kMaxLoose/);
    // four are read (the check after them, of the descriptor, is reached)
    assert.throws(() => call(-1, 1, 2, slab, slab, slab, slab), /fd must be a file descriptor/);
    ids[0] = 1 << 30;
    assert.throws(() => call(0, 1, 1), /names no buffer/);
    assert.throws(() => addon!.sender!(ranges, new Uint32Array(2) as unknown as Int32Array, args), /three Int32Arrays/);
    assert.throws(() => addon!.sender!(ranges, ids, new Int32Array(2)), /args needs 3 elements/);
  });
});

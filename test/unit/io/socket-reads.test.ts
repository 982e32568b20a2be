// Reads through Node's `onread` hook (lib/io/socket-reads.ts) on real loopback sockets: the hook
// is found on this Node, every chunk handed out keeps its bytes after later reads (they share one
// read buffer), and end, close and pause/resume behave as with 'data' events. Client slabs are
// reused, but never while a holder or a pin says a range of them is still in use. Reads of data
// skip Node's own read callback (the handle's onread is shortened); every test of chunks, end,
// errors and pause runs both ways.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { clientSlabs, nodeSlabs, releaseSlab, type Slab } from '../../../lib/io/slabs';
import { readSocket } from '../../../lib/io/socket-reads';
import { close, pair, pattern, turn, type Pair } from './socket-pairs';


describe('socket reads through the shared buffer', () => {
  it('is used for accepted and for connected plain TCP sockets on this Node', async () => {
    let acceptedFast = false;
    let clientFast = false;
    const p = await pair(
      (s) => (acceptedFast = readSocket(s, () => {}, false)),
      (c) => (clientFast = readSocket(c, () => {}, false)),
    );
    try {
      assert.equal(acceptedFast, true, 'accepted socket: Node no longer has the onread hook this module sets');
      assert.equal(clientFast, true, 'connected socket: Node no longer has the onread hook this module sets');
      const handle = (p.accepted as unknown as { _handle: { onread: { name: string } } })._handle;
      assert.notEqual(handle.onread.name, 'onStreamRead', "reads still go through Node's read callback: process.binding('stream_wrap') changed");
    } finally {
      close(p);
    }
  });

  for (const viaNode of [false, true]) {
    const how = viaNode ? "through Node's read callback" : 'straight to the hook';
    it(`${how}: keeps every chunk intact across later reads of several sockets and slab changes`, async () => {
      const got: Buffer[][] = [[], [], []];
      const pairs: Pair[] = [];
      // the chunks are kept, so their slabs are held (never released here)
      const keep = (k: number) => (b: Buffer, from: number, to: number, slab: Slab | null) => {
        got[k].push(b.subarray(from, to));
        if (slab) slab.refs++;
      };
      for (let k = 0; k < 3; k++) pairs.push(await pair((s) => readSocket(s, keep(k), false, false, viaNode), () => {}));
      try {
        const sent: Buffer[][] = [[], [], []];
        // 3 x 120 writes of up to 9 KiB: far more than one slab, interleaved between the sockets
        for (let i = 0; i < 120; i++) {
          for (let k = 0; k < 3; k++) {
            const b = pattern(1 + ((i * 977 + k * 131) % 9000), i * 3 + k);
            sent[k].push(b);
            pairs[k].client.write(b);
          }
          await turn();
        }
        for (let k = 0; k < 3; k++) {
          const want = Buffer.concat(sent[k]);
          while (got[k].reduce((n, c) => n + c.length, 0) < want.length) await turn();
          assert.ok(got[k].length > 1, 'the bytes came in more than one read');
          assert.ok(Buffer.concat(got[k]).equals(want), `socket ${k}: a chunk was overwritten by a later read`);
        }
      } finally {
        for (const p of pairs) close(p);
      }
    });

    it(`${how}: emits 'end' and 'close' when the peer ends, after its last bytes`, async () => {
      const got: Buffer[] = [];
      const p = await pair((s) => readSocket(s, (b, from, to) => got.push(b.subarray(from, to)), false, false, viaNode), () => {});
      try {
        const ended = once(p.accepted, 'end');
        const closed = once(p.accepted, 'close');
        p.client.end('last words');
        await ended;
        await closed;
        assert.equal(Buffer.concat(got).toString(), 'last words');
      } finally {
        close(p);
      }
    });

    it(`${how}: reads nothing while paused and goes on after resume`, async () => {
      const got: Buffer[] = [];
      const p = await pair((s) => readSocket(s, (b, from, to) => got.push(b.subarray(from, to)), false, false, viaNode), () => {});
      try {
        p.client.write('one');
        while (got.length === 0) await turn();
        p.accepted.pause();
        assert.equal(p.accepted.isPaused(), true);
        p.client.write('two');
        for (let i = 0; i < 50; i++) await turn();
        assert.equal(Buffer.concat(got).toString(), 'one', 'a paused socket delivered data');
        p.accepted.resume();
        while (Buffer.concat(got).length < 6) await turn();
        assert.equal(Buffer.concat(got).toString(), 'onetwo');
      } finally {
        close(p);
      }
    });

    it(`${how}: a connection reset by the peer closes the socket, after the bytes before it`, async () => {
      const got: Buffer[] = [];
      const p = await pair((s) => readSocket(s, (b, from, to) => got.push(b.subarray(from, to)), false, false, viaNode), () => {});
      try {
        // (events.once would reject on the 'error' that comes first)
        const closed = new Promise((resolve) => p.accepted.on('close', resolve));
        let failed = false;
        p.accepted.on('error', () => (failed = true));
        p.client.write('before');
        while (got.length === 0) await turn();
        p.client.resetAndDestroy();
        await closed;
        assert.equal(failed, true, "no 'error' for the reset");
        assert.equal(Buffer.concat(got).toString(), 'before');
      } finally {
        close(p);
      }
    });
  }

  it("falls back to 'data' events when asked to, with the same chunks", async () => {
    const got: Buffer[] = [];
    let fast = true;
    const p = await pair((s) => (fast = readSocket(s, (b, from, to) => got.push(b.subarray(from, to)), false, true)), () => {});
    try {
      assert.equal(fast, false);
      p.client.write('abc');
      while (got.length === 0) await turn();
      assert.equal(Buffer.concat(got).toString(), 'abc');
    } finally {
      close(p);
    }
  });

  /** Sends `writes` patterned writes of `size` bytes, a turn apart; resolves with what was sent. */
  async function stream(p: Pair, got: Buffer[], writes: number, size: number, seed: number): Promise<Buffer> {
    const sent: Buffer[] = [];
    for (let i = 0; i < writes; i++) {
      const b = pattern(size, seed + i);
      sent.push(b);
      p.client.write(b);
      await turn();
    }
    const want = Buffer.concat(sent);
    while (got.reduce((n, c) => n + c.length, 0) < want.length) await turn();
    return want;
  }

  for (const kind of ['client', 'node'] as const) {
    it(`reuses ${kind} slabs nobody holds`, async () => {
      const stats = kind === 'client' ? clientSlabs : nodeSlabs;
      const got: Buffer[] = [];
      const p = await pair((s) => readSocket(s, (b, from, to) => got.push(b.subarray(from, to)), kind === 'client'), () => {});
      try {
        const before = { ...stats };
        // 640 KiB: five slabs' worth
        await stream(p, got, 80, 8192, 1);
        assert.ok(stats.reused - before.reused >= 3, `slabs reused: ${stats.reused - before.reused}`);
        assert.ok(stats.allocated - before.allocated <= 1, `slabs allocated: ${stats.allocated - before.allocated}`);
      } finally {
        close(p);
      }
    });
  }

  for (const how of ['held', 'pinned'] as const) {
    it(`keeps the bytes of ${how} client slabs until they are released`, async () => {
      const got: Buffer[] = [];
      const slabs: Slab[] = [];
      const p = await pair(
        (s) =>
          readSocket(
            s,
            (b, from, to, slab) => {
              got.push(b.subarray(from, to));
              if (how === 'held') slab!.refs++;
              else slab!.pinned = true;
              slabs.push(slab!);
            },
            true,
          ),
        () => {},
      );
      const other: Buffer[] = [];
      const q = await pair((s) => readSocket(s, (b, from, to) => other.push(b.subarray(from, to)), true), () => {});
      try {
        const want = await stream(p, got, 40, 8192, 7);
        // another client's reads, nobody holding them: they would take any free slab
        await stream(q, other, 80, 8192, 90);
        assert.ok(Buffer.concat(got).equals(want), `a ${how} slab was read into again`);
        if (how === 'held') {
          for (const slab of slabs) releaseSlab(slab);
          const before = clientSlabs.reused;
          await stream(q, other, 40, 8192, 200);
          assert.ok(clientSlabs.reused > before, 'released slabs are reused');
        }
      } finally {
        close(p);
        close(q);
      }
    });
  }
});

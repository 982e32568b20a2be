// Client sends queued in the addon's batch and made in one io_uring submit (lib/io/send-batch.ts,
// native/send_batch.cc), on real loopback sockets: every byte arrives once and in order, whether
// the kernel takes a send whole, in part or not at all (the rest then goes through the stream),
// with two writes to one socket in one flush, and across sockets; a send to a peer that is gone
// reports its error; a socket destroyed between its queued send and the submit does not lend its
// descriptor number to another socket's bytes. Without io_uring (an old kernel, a seccomp
// profile, the io_uring_disabled sysctl) the batched cases are pending, not passed, and sends go
// out at once (the proxy suite runs with whatever this machine has; SLOTPROXY_IO_URING=off is
// compared in test/integration).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import fs from 'node:fs';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { readPoller, PolledSocket, type ReadPoller } from '../../../lib/io/read-poller';
import { sendBatch, submitSends, type SendBatch } from '../../../lib/io/send-batch';
import { SocketFd } from '../../../lib/io/socket-fd';
import { pollSocket } from '../../../lib/io/socket-reads';
import { createGather } from '../../../lib/protocol/gather';
import { loadNative, type NativeAddon } from '../../../lib/protocol/native';
import { patterned, rng } from './helpers';
import { close, pair, type Pair } from './socket-pairs';

/** A pair whose accepted socket (the proxy's side) is polled: what sends to it may be queued. */
async function polledPair(poller: ReadPoller): Promise<Pair & { polled: PolledSocket }> {
  let polled: unknown = null;
  const p = await pair((s) => (polled = pollSocket(s, () => {}, true, poller)));
  assert.ok(polled instanceof PolledSocket, 'the accepted socket was left to Node');
  return { ...p, polled };
}

/** Collects what `s` receives. */
function collect(s: net.Socket): { bytes: () => Buffer; until: (n: number) => Promise<void> } {
  const got: Buffer[] = [];
  let n = 0;
  s.on('data', (c: Buffer) => {
    got.push(c);
    n += c.length;
  });
  return {
    bytes: () => Buffer.concat(got),
    /** waits for `want` bytes in all (a few seconds at most: then the caller's check fails) */
    async until(want: number) {
      const deadline = Date.now() + 5000;
      while (n < want && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    },
  };
}

describe('client sends batched into one io_uring submit', function () {
  let addon: NativeAddon;
  let poller: ReadPoller;
  let batch: SendBatch | null;

  before(function () {
    const loaded = loadNative().addon;
    if (!loaded?.ReadPoller || !loaded.submitSends) this.skip();
    addon = loaded!;
    poller = readPoller(addon.ReadPoller)!;
    batch = sendBatch(addon);
  });

  it('the batch is there exactly when io_uring could be set up', () => {
    const state = addon.sendBatchState!();
    assert.ok(state <= 0);
    assert.equal(batch !== null, state === 0, `sendBatchState() is ${state}`);
  });

  describe('with io_uring', function () {
    before(function () {
      if (batch === null) this.skip();
    });

    /** The addon's sender with queueing asked for: send(fd, bytes) -> [result, entry]. */
    function sender(): (fd: number, bytes: Buffer) => [number, number] {
      const ranges = new Int32Array(3);
      const ids = new Int32Array(1).fill(-1);
      // (six arguments, as the gather has them: the answer comes back in the sixth)
      const args = new Int32Array(6);
      const send = addon.sender!(ranges, ids, args);
      return (fd, bytes) => {
        ranges.set([0, 0, bytes.length]);
        args.set([fd, 1, 1, 1, 99, -99]);
        assert.equal(send(bytes), undefined);
        return [args[5], args[4]];
      };
    }

    /**
     * `n` polled pairs written through one gather with the batch: write(k, ...parts) is one
     * write of the parts to pair k's accepted socket, as a client's replies are written.
     */
    async function writers(n: number) {
      const pairs: (Pair & { polled: PolledSocket })[] = [];
      for (let i = 0; i < n; i++) pairs.push(await polledPair(poller));
      const g = createGather('auto', batch);
      const fds = pairs.map((p) => new SocketFd(p.accepted, g.sends, p.polled));
      const got = pairs.map((p) => collect(p.client));
      const write = (k: number, ...parts: Buffer[]): void => {
        g.beginSend(parts.reduce((sum, b) => sum + b.length, 0));
        for (const b of parts) g.add(b, 0, b.length);
        g.sendTo(pairs[k].accepted, fds[k].now(), fds[k]);
      };
      return { pairs, got, write, close: () => pairs.forEach(close) };
    }

    it('queues sends in order, makes them in one submit, and sends a large one at once', async () => {
      const pairs = [await polledPair(poller), await polledPair(poller)];
      try {
        const got = pairs.map((p) => collect(p.client));
        const send = sender();
        const a = patterned(100, 1);
        const b = patterned(3000, 2);
        assert.deepEqual(send(pairs[0].polled.fd, a), [100, 0]);
        assert.deepEqual(send(pairs[1].polled.fd, b), [3000, 1]);
        const results = new Int32Array(30);
        // nothing is sent before the submit
        await new Promise((r) => setTimeout(r, 20));
        assert.equal(got[0].bytes().length + got[1].bytes().length, 0, 'a queued send went out before the submit');
        assert.equal(addon.submitSends!(results), 0, 'every send was taken whole');
        // over 4 KiB: sent at once, not queued
        const big = patterned(100 * 1024, 3);
        assert.deepEqual(send(pairs[0].polled.fd, big), [big.length, -1]);
        await got[0].until(100 + big.length);
        await got[1].until(3000);
        assert.ok(got[0].bytes().equals(Buffer.concat([a, big])));
        assert.ok(got[1].bytes().equals(b));
        assert.equal(addon.submitSends!(results), 0, 'an empty batch submits nothing');
      } finally {
        pairs.forEach(close);
      }
    });

    it('reports what a full socket buffer did not take; queuedBytes() gives the rest', async () => {
      const p = await polledPair(poller);
      try {
        p.client.pause();
        const send = sender();
        const results = new Int32Array(30);
        const chunk = patterned(4096, 4);
        let partial: { entry: number; taken: number; total: number } | null = null;
        // fill the socket buffers until a submit says a send was not taken whole
        for (let i = 0; i < 20000 && partial === null; i++) {
          const [, entry] = send(p.polled.fd, chunk);
          assert.equal(entry, 0);
          if (addon.submitSends!(results) === 1) partial = { entry: results[0], taken: results[1], total: results[2] };
        }
        assert.ok(partial, 'the socket buffers never filled');
        assert.equal(partial.entry, 0);
        assert.equal(partial.total, chunk.length);
        assert.ok(partial.taken >= 0 && partial.taken < chunk.length);
        assert.ok(addon.queuedBytes!(0, partial.taken).equals(chunk.subarray(partial.taken)));
        assert.throws(() => addon.queuedBytes!(1, 0), /no such entry/);
        assert.throws(() => addon.queuedBytes!(0, chunk.length + 1), /no such entry/);
      } finally {
        close(p);
      }
    });

    it('a send to a peer that reset reports the error', async function () {
      this.timeout(20_000);
      const p = await polledPair(poller);
      try {
        p.accepted.on('error', () => {});
        p.client.resetAndDestroy();
        await once(p.client, 'close');
        const send = sender();
        const results = new Int32Array(30);
        let error = 0;
        // the first sends after the reset may still be taken
        for (let i = 0; i < 50 && error === 0; i++) {
          send(p.polled.fd, patterned(1000, 5));
          if (addon.submitSends!(results) === 1) error = results[1];
          await new Promise((r) => setTimeout(r, 5));
        }
        assert.ok(error < 0, `no error reported (${error})`);
      } finally {
        close(p);
      }
    });

    it('through SocketFd and Gather: every write arrives whole and in order, several per flush, full buffers too', async function () {
      this.timeout(60_000);
      const pairs = [await polledPair(poller), await polledPair(poller), await polledPair(poller)];
      try {
        const g = createGather('auto', batch);
        const fds = pairs.map((p) => new SocketFd(p.accepted, g.sends, p.polled));
        const got = pairs.map((p) => collect(p.client));
        const next = rng(7);
        const pool = [patterned(40 * 1024, 1), Buffer.from('+OK\r\n'), patterned(3000, 2)];
        const expected: Buffer[][] = [[], [], []];
        let queued = 0;
        pairs[1].client.pause();
        for (let round = 0; round < 300; round++) {
          // a "flush": writes to the sockets, the second socket sometimes twice
          for (const k of [0, 1, 2, 1]) {
            if (k === 1 && round % 3 !== 0 && expected[1].length > 0 && next() < 0.5) continue;
            const src = pool[Math.floor(next() * pool.length)];
            const start = Math.floor(next() * src.length);
            const end = start + Math.floor(next() * (src.length - start + 1));
            if (end === start) continue;
            g.beginSend(end - start);
            g.add(src, start, end);
            g.sendTo(pairs[k].accepted, fds[k].now(), fds[k]);
            queued += batch!.queued > 0 ? 1 : 0;
            expected[k].push(src.subarray(start, end));
          }
          submitSends();
          if (round === 150) pairs[1].client.resume();
          if (round % 25 === 24) await new Promise((r) => setImmediate(r));
        }
        assert.ok(queued > 0, 'no send was queued');
        assert.ok(pairs[1].accepted.writableLength > 0 || got[1].bytes().length > 0);
        for (let k = 0; k < 3; k++) {
          const want = Buffer.concat(expected[k]);
          await got[k].until(want.length);
          assert.ok(got[k].bytes().equals(want), `socket ${k}: bytes lost, doubled or reordered`);
        }
      } finally {
        pairs.forEach(close);
      }
    });

    it('a second write to a socket in one flush submits the first before it', async () => {
      const { got, write, close: closeAll } = await writers(2);
      try {
        write(0, Buffer.from('first'));
        write(1, Buffer.from('other'));
        assert.equal(batch!.queued, 2);
        // (were both in one submit, a first send the kernel took in part could be overtaken)
        write(0, Buffer.from('second'));
        assert.equal(batch!.queued, 1, 'the batch was not submitted before the second write');
        submitSends();
        await got[0].until(11);
        await got[1].until(5);
        assert.equal(got[0].bytes().toString(), 'firstsecond');
        assert.equal(got[1].bytes().toString(), 'other');
      } finally {
        closeAll();
      }
    });

    it('a write the sender does not queue (more loose sources than it takes) goes at once, uncounted', async () => {
      const { got, write, close: closeAll } = await writers(2);
      try {
        write(0, Buffer.from('one'));
        assert.equal(batch!.queued, 1);
        // three Buffers no id names: sendv, which never queues
        write(1, Buffer.from('a'), Buffer.from('b'), Buffer.from('c'));
        assert.equal(batch!.queued, 1, 'a send made at once was counted as queued');
        await got[1].until(3);
        assert.equal(got[1].bytes().toString(), 'abc');
        submitSends();
        await got[0].until(3);
        assert.equal(got[0].bytes().toString(), 'one');
      } finally {
        closeAll();
      }
    });

    it("a socket destroyed before the submit: its bytes go to its own peer, not to the descriptor number's next owner", async () => {
      const p = await polledPair(poller);
      const file = path.join(os.tmpdir(), `slotproxy-send-batch-${process.pid}`);
      let f = -1;
      try {
        const got = collect(p.client);
        const g = createGather('auto', batch);
        const fd = new SocketFd(p.accepted, g.sends, p.polled);
        const reply = patterned(2000, 6);
        g.beginSend(reply.length);
        g.add(reply, 0, reply.length);
        g.sendTo(p.accepted, fd.now(), fd);
        assert.equal(batch!.queued, 1);
        const number = (p.accepted as unknown as { _handle: { fd: number } })._handle.fd;
        p.accepted.destroy();
        // Node closed the descriptor at once: the next one opened gets its number
        f = fs.openSync(file, 'w');
        assert.equal(f, number, "the destroyed socket's descriptor number was not reused");
        submitSends();
        await got.until(reply.length);
        assert.ok(got.bytes().equals(reply));
        assert.equal(fs.fstatSync(f).size, 0);
      } finally {
        if (f >= 0) fs.closeSync(f);
        fs.rmSync(file, { force: true });
        close(p);
      }
    });
  });
});

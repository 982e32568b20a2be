// The shared output arena: reused after writes the kernel took at once, never while a socket
// still holds a write it could not take.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { outputBuffer, send } from '../../../lib/io/write-buffer';
import { socketPair as pair } from './helpers';

function fill(out: Buffer, seed: number): void {
  for (let i = 0; i < out.length; i++) out[i] = (seed + i * 7) & 0xff;
}

describe('write buffers', function () {
  it('a write the kernel took whole leaves its bytes to the next write', async function () {
    const { server, client, peer } = await pair();
    try {
      const received: Buffer[] = [];
      peer.on('data', (c) => received.push(c));
      const a = outputBuffer(1000);
      fill(a, 1);
      send(client, a);
      assert.equal(client.writableLength, 0);
      const b = outputBuffer(1000);
      assert.equal(b.buffer, a.buffer);
      assert.equal(b.byteOffset, a.byteOffset, 'the same bytes again');
      fill(b, 2);
      send(client, b);
      const expected = Buffer.alloc(2000);
      fill(expected.subarray(0, 1000), 1);
      fill(expected.subarray(1000), 2);
      while (Buffer.concat(received).length < 2000) await once(peer, 'data');
      assert.deepEqual(Buffer.concat(received), expected);
    } finally {
      client.destroy();
      peer.destroy();
      server.close();
    }
  });

  it('bytes a socket still holds are not handed out again', async function () {
    const { server, client, peer } = await pair();
    try {
      peer.pause();
      // fill the socket buffers until a write is left queued in the process
      const writes: Buffer[] = [];
      let seed = 0;
      for (let guard = 0; client.writableLength === 0; guard++) {
        assert.ok(guard < 1000, 'the socket never queued a write');
        const out = outputBuffer(200_000);
        fill(out, ++seed);
        writes.push(Buffer.from(out));
        send(client, out);
      }
      // later writes (the socket keeps them too) and the next arena
      for (let i = 0; i < 20; i++) {
        const out = outputBuffer(100_000);
        fill(out, ++seed);
        writes.push(Buffer.from(out));
        send(client, out);
      }
      const expected = Buffer.concat(writes);
      const received: Buffer[] = [];
      let got = 0;
      peer.on('data', (c) => {
        received.push(c);
        got += c.length;
      });
      peer.resume();
      while (got < expected.length) await once(peer, 'data');
      assert.ok(Buffer.concat(received).equals(expected), 'every byte as it was written');
    } finally {
      client.destroy();
      peer.destroy();
      server.close();
    }
  });

  it('writes over 256 KiB get a buffer of their own', function () {
    const small = outputBuffer(10);
    const big = outputBuffer(300_000);
    assert.notEqual(big.buffer, small.buffer);
    assert.equal(big.length, 300_000);
  });
});

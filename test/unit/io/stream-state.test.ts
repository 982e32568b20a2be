// lib/io/stream-state.ts reads a socket's write state past Node's getters: it must say what the
// getters say in every state a client socket goes through (idle, holding bytes, ended,
// destroyed), on the Node that runs the tests with the flag bits themselves (not the fallback).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { destroyed, readsFlagBits, writeClosed, writeEnded, writeQueued, writeState } from '../../../lib/io/stream-state';
import { socketPair } from './helpers';

describe('stream state read past the getters', () => {
  it("finds the flag bits of this Node's Writable", () => {
    assert.ok(readsFlagBits, "Node's Writable keeps no flag bits where stream-state.ts looks: the getters are read (slower)");
  });

  it('agrees with writableLength, writableEnded and destroyed: idle, holding bytes, ended, destroyed', async function () {
    this.timeout(20_000);
    const { server, client, peer } = await socketPair();
    try {
      const state = writeState(client);
      assert.notEqual(state, null);
      const agree = (when: string): void => {
        assert.equal(writeQueued(client, state), client.writableLength, `${when}: writableLength`);
        assert.equal(writeEnded(client, state), client.writableEnded, `${when}: writableEnded`);
        assert.equal(destroyed(client, state), client.destroyed, `${when}: destroyed`);
        assert.equal(writeClosed(client, state), client.writableEnded || client.destroyed, `${when}: ended or destroyed`);
      };
      agree('idle');
      assert.equal(writeQueued(client, state), 0);
      peer.pause();
      const big = Buffer.alloc(1 << 20, 'x');
      for (let i = 0; i < 64 && client.writableLength === 0; i++) client.write(big);
      assert.ok(client.writableLength > 0, 'the stream never held bytes');
      agree('holding bytes');
      client.end();
      assert.equal(writeEnded(client, state), true);
      agree('ended');
      peer.resume();
      peer.on('data', () => {});
      await once(client, 'finish');
      agree('finished');
      client.destroy();
      agree('destroyed');
      assert.equal(destroyed(client, state), true);
      // destroyed without end(): the other socket
      assert.equal(writeClosed(peer, writeState(peer)), false);
      peer.destroy();
      assert.equal(writeClosed(peer, writeState(peer)), true);
      assert.equal(writeEnded(peer, writeState(peer)), peer.writableEnded);
      // without a state (another stream kind), the getters answer
      const bare = { writableLength: 7, writableEnded: false, destroyed: true } as unknown as import('node:stream').Writable;
      assert.equal(writeQueued(bare, null), 7);
      assert.equal(writeEnded(bare, null), false);
      assert.equal(destroyed(bare, null), true);
      assert.equal(writeClosed(bare, null), true);
    } finally {
      client.destroy();
      peer.destroy();
      server.close();
    }
  });
});

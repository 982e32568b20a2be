// Invalidation frames: what the nodes send (read back exactly), and what the proxy writes, in the
// bytes Redis 7.0 writes them (the integration tests compare them with a real server).
import assert from 'node:assert/strict';
import { invalidatedKeys, invalidateMessage, invalidatePush, redirBroken } from '../../../../lib/proxy/tracking/invalidation-frames';

describe('invalidation frames', function () {
  it('reads the keys of a node’s push, a null as "flush everything", anything else as no invalidation', function () {
    const keys = [Buffer.from('a'), Buffer.from('b\r\nc'), Buffer.alloc(0)];
    assert.deepEqual(invalidatedKeys(invalidatePush(keys)), keys);
    assert.equal(invalidatedKeys(invalidatePush(null)), null);
    assert.equal(invalidatedKeys(Buffer.from('>2\r\n$10\r\ninvalidate\r\n*-1\r\n')), null);
    assert.equal(invalidatedKeys(Buffer.from('>3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n')), undefined);
    assert.equal(invalidatedKeys(Buffer.from('>2\r\n$10\r\ninvalidate\r\n*2\r\n$1\r\na')), undefined, 'truncated');
    assert.equal(invalidatedKeys(Buffer.from('>2\r\n$10\r\ninvalidate\r\n:1\r\n')), undefined);
  });

  it('writes them as Redis does, for RESP3 clients and for RESP2 redirect targets', function () {
    assert.equal(invalidatePush([Buffer.from('k')]).toString(), '>2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n');
    assert.equal(invalidatePush(null).toString(), '>2\r\n$10\r\ninvalidate\r\n_\r\n');
    assert.equal(invalidateMessage([Buffer.from('k')]).toString(), '*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$1\r\nk\r\n');
    assert.equal(redirBroken(12).toString(), '>2\r\n$21\r\ntracking-redir-broken\r\n:12\r\n');
  });
});

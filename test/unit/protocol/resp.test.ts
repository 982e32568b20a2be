// The encoders of what the proxy writes itself (lib/protocol/resp.ts), in both protocols: each
// RESP3 type and its RESP2 shape as Redis 7 gives them, and every RESP3 encoding one well-formed
// frame of its type to both reply scanners.
import assert from 'node:assert/strict';
import { encode, mapOf, nullArray, nullBulk, pushOf, setOf, verbatim, type RespValue } from '../../../lib/protocol/resp';
import { KINDS, scannersFor } from './helpers';
import { collectReplies } from './reply-gen';

const VALUES: [string, RespValue, string, string][] = [
  ['map', mapOf(['a', 1, 'b', null]), '*4\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n$-1\r\n', '%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n_\r\n'],
  ['empty map', mapOf([]), '*0\r\n', '%0\r\n'],
  ['set', setOf([{ simple: 'x' }]), '*1\r\n+x\r\n', '~1\r\n+x\r\n'],
  ['push', pushOf(['message', 'ch', 'hi']), '*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n', '>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n'],
  ['verbatim', { verbatim: 'a:1\r\n' }, '$5\r\na:1\r\n\r\n', '=9\r\ntxt:a:1\r\n\r\n'],
  ['nested', [mapOf(['slots', [0, 1], 'nodes', [mapOf(['id', 'x'])]])], '*1\r\n*4\r\n$5\r\nslots\r\n*2\r\n:0\r\n:1\r\n$5\r\nnodes\r\n*1\r\n*2\r\n$2\r\nid\r\n$1\r\nx\r\n', '*1\r\n%2\r\n$5\r\nslots\r\n*2\r\n:0\r\n:1\r\n$5\r\nnodes\r\n*1\r\n%1\r\n$2\r\nid\r\n$1\r\nx\r\n'],
  ['null', null, '$-1\r\n', '_\r\n'],
];

describe('resp: encoders in the client protocol', function () {
  for (const [name, value, resp2, resp3] of VALUES) {
    it(`${name}: RESP2 and RESP3`, function () {
      assert.equal(encode(value).toString('latin1'), resp2);
      assert.equal(encode(value, false).toString('latin1'), resp2);
      assert.equal(encode(value, true).toString('latin1'), resp3);
    });
  }

  it('nulls and verbatim strings', function () {
    assert.equal(nullBulk(false).toString(), '$-1\r\n');
    assert.equal(nullArray(false).toString(), '*-1\r\n');
    assert.equal(nullBulk(true).toString(), '_\r\n');
    assert.equal(nullArray(true).toString(), '_\r\n');
    assert.equal(verbatim('x', false).toString(), '$1\r\nx\r\n');
    assert.equal(verbatim('x', true).toString(), '=5\r\ntxt:x\r\n');
    assert.equal(verbatim('é', true).length, '=6\r\ntxt:é\r\n'.length + 1, 'the length counts bytes');
  });

  for (const kind of KINDS) {
    it(`${kind} scanner: each RESP3 encoding is one frame of its type`, function () {
      const s = scannersFor(kind);
      for (const [name, value, , resp3] of VALUES) {
        const got = collectReplies(s, [encode(value, true)]);
        assert.equal(got.protocolErrors, 0, name);
        assert.equal(got.frames.length, 1, name);
        assert.equal(got.frames[0].frame, resp3, name);
      }
    });
  }
});

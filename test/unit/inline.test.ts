import assert from 'node:assert/strict';
import { inlineLine, splitInline } from '../../lib/protocol/inline';

const split = (s: string): string[] | null => splitInline(Buffer.from(s, 'latin1'))?.map((b) => b.toString('latin1')) ?? null;

describe('inline commands split as sdssplitargs does', function () {
  it('splits on blanks and keeps quoted text together', function () {
    assert.deepEqual(split('SET a b'), ['SET', 'a', 'b']);
    assert.deepEqual(split('  set   "a b"  c '), ['set', 'a b', 'c']);
    assert.deepEqual(split("set 'it''s'"), null, "a closing quote must be followed by a space");
    assert.deepEqual(split("set 'it\\'s'"), ['set', "it's"]);
    assert.deepEqual(split('set "a\\x41\\n\\"b"'), ['set', 'aA\n"b']);
    assert.deepEqual(split('set ""'), ['set', '']);
    assert.deepEqual(split(''), []);
    assert.deepEqual(split('   '), []);
  });

  it('refuses unbalanced quotes', function () {
    assert.equal(split('set "a b'), null);
    assert.equal(split("set 'a b"), null);
    assert.equal(split('set "a"b'), null);
  });

  it('takes the line without its \\r\\n or \\n', function () {
    assert.equal(inlineLine(Buffer.from('PING\r\n')).toString(), 'PING');
    assert.equal(inlineLine(Buffer.from('PING\n')).toString(), 'PING');
    assert.equal(inlineLine(Buffer.from('\n')).toString(), '');
  });
});

// What the merges read of node replies (lib/proxy/families/reply-parts.ts), from RESP2 and RESP3
// connections: errors (blob errors, after attributes), nulls, verbatim strings, the elements of
// arrays, sets, pushes and maps, walked or taken from the scanner's record.
import assert from 'node:assert/strict';
import { ReplyReader } from '../../../../lib/protocol/reply-reader';
import { arrayElements, bulkOf, integerOf, isArray, isError } from '../../../../lib/proxy/families/reply-parts';
import { baseSeed, Rng, scannersFor } from '../../protocol/helpers';
import { genReply } from '../../protocol/reply-gen';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const ATTRIB = '|1\r\n$3\r\nttl\r\n:5\r\n';

describe('reply parts: RESP2 and RESP3 replies of the nodes', function () {
  it('errors: simple and blob, with attributes before them', function () {
    for (const e of ['-ERR x\r\n', '!5\r\nERR x\r\n', `${ATTRIB}-ERR x\r\n`, `${ATTRIB}!5\r\nERR x\r\n`]) assert.ok(isError(b(e)), e);
    for (const e of ['+OK\r\n', '$3\r\n-no\r\n', `${ATTRIB}:1\r\n`, '_\r\n']) assert.ok(!isError(b(e)), e);
  });

  it('bulk strings, verbatim strings, simple strings and nulls', function () {
    assert.equal(bulkOf(b('$3\r\nabc\r\n'))!.toString(), 'abc');
    assert.equal(bulkOf(b('=7\r\ntxt:abc\r\n'))!.toString(), 'abc');
    assert.equal(bulkOf(b(`${ATTRIB}=7\r\ntxt:abc\r\n`))!.toString(), 'abc');
    assert.equal(bulkOf(b('+OK\r\n'))!.toString(), 'OK');
    assert.equal(bulkOf(b('$-1\r\n')), null);
    assert.equal(bulkOf(b('_\r\n')), null);
  });

  it('integers, and aggregates seen as arrays', function () {
    assert.equal(integerOf(b(':42\r\n')), 42);
    assert.equal(integerOf(b(`${ATTRIB}:-7\r\n`)), -7);
    for (const a of ['*0\r\n', '~1\r\n:1\r\n', '>1\r\n:1\r\n', `${ATTRIB}*0\r\n`]) assert.ok(isArray(b(a)), a);
    for (const a of ['%0\r\n', ':1\r\n', '-ERR\r\n']) assert.ok(!isArray(b(a)), a);
  });

  it('elements of random RESP3 aggregates: walked, and from the scanner record, alike', function () {
    const rng = new Rng(baseSeed(4401));
    const s = scannersFor('js');
    let checked = 0;
    for (let i = 0; i < 3000; i++) {
      const { bytes, expect } = genReply(rng, { maxDepth: 5, bigChance: 0, resp3: true });
      if (!Array.isArray(expect.elems)) continue;
      checked++;
      const walked = arrayElements(bytes);
      let start = bytes.indexOf(10, expect.attrib) + 1;
      const want = expect.elems.map((end) => bytes.subarray(start, (start = end)));
      assert.deepEqual(walked, want, `reply ${i}: ${JSON.stringify(expect.frame.slice(0, 60))}`);
      // the same from the scanner's record, as the merges get it
      let recorded: Buffer[] | null = null;
      const sink = {
        onReply(buf: Buffer, st: number, end: number, _t: number, _r: number, elems: number, base: number): void {
          recorded = arrayElements(buf.subarray(st, end), s.replyElems, elems, base);
        },
        onProtocolError: () => assert.fail('not a reply'),
      };
      new ReplyReader(s.newReplyScanner(), s).push(bytes, sink);
      assert.deepEqual(recorded, want, `reply ${i} (record)`);
    }
    assert.ok(checked > 500);
  });
});

// Walking reply values (lib/protocol/resp-values.ts) over random RESP2 and RESP3 replies, with
// attributes, nesting and nulls: the walk ends exactly where the scanner's frame ends, and a
// reply cut short is never walked past its end.
import assert from 'node:assert/strict';
import { pastAttributes, valueEnd } from '../../../lib/protocol/resp-values';
import { baseSeed, Rng } from './helpers';
import { genReply } from './reply-gen';

describe('resp-values: walking RESP2 and RESP3 replies', function () {
  it('ends every generated reply where its frame ends, and finds the reply past its attributes', function () {
    const rng = new Rng(baseSeed(3303));
    for (let i = 0; i < 3000; i++) {
      const { bytes, expect } = genReply(rng, { maxDepth: 6, bigChance: 0.01, resp3: true });
      assert.equal(valueEnd(bytes, 0), bytes.length, `reply ${i}: ${JSON.stringify(expect.frame.slice(0, 80))}`);
      assert.equal(pastAttributes(bytes), expect.attrib, `reply ${i}`);
      // each top-level element the scanner records ends where the walk of the one before it does
      if (Array.isArray(expect.elems) && expect.elems.length > 0) {
        let at = bytes.indexOf(10, expect.attrib) + 1;
        for (const end of expect.elems) assert.equal((at = valueEnd(bytes, at)), end, `reply ${i}: element end`);
      }
    }
  });

  it('a reply cut short: -1 or a value that ends before the cut, never past it, never a throw', function () {
    const rng = new Rng(baseSeed(3304));
    for (let i = 0; i < 1500; i++) {
      const { bytes } = genReply(rng, { maxDepth: 4, bigChance: 0, resp3: true });
      if (bytes.length < 2) continue;
      const cut = rng.range(1, bytes.length - 1);
      const end = valueEnd(bytes, 0, cut);
      assert.ok(end === -1 || end <= cut, `reply ${i} cut at ${cut}: walked to ${end}`);
      assert.equal(valueEnd(bytes.subarray(0, cut), 0), end === -1 ? -1 : end, `reply ${i}: a shorter buffer is the same cut`);
    }
  });

  it('nulls of both protocols', function () {
    for (const s of ['$-1\r\n', '*-1\r\n', '_\r\n']) assert.equal(valueEnd(Buffer.from(s), 0), s.length, s);
  });
});

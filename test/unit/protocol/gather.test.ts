// Gather copies the ranges of a backend write or a client write: native for many ranges, JS for
// few or without the addon. Both must give exactly the bytes of the ranges, in order.
import assert from 'node:assert/strict';
import { createGather } from '../../../lib/protocol/gather';
import { loadNative } from '../../../lib/protocol/native';
import { patterned, rng } from '../io/helpers';

describe('Gather: the ranges of a write, copied into one buffer', () => {
  const { addon } = loadNative();

  it('the native addon has gatherv()', () => {
    assert.equal(typeof addon?.gatherv, 'function', 'the addon was built before gatherv() was added: rebuild it');
  });

  for (const kind of ['auto', 'js'] as const) {
    it(`${kind}: any mix of ranges gives their bytes in order (more ranges and sources than one native call takes)`, () => {
      const next = rng(kind === 'js' ? 7 : 11);
      const slab = patterned(128 * 1024, 1);
      // sources as the proxy has them: a slab, views into it (byteOffset != 0), small constants, pooled buffers
      const pool: Buffer[] = [slab, slab.subarray(1000, 9000), Buffer.from('*3\r\n$3\r\nSET\r\n'), Buffer.from('ASKING')];
      for (let i = 0; i < 100; i++) pool.push(patterned(1 + Math.floor(next() * 300), i + 2));
      const g = createGather(kind);
      for (let round = 0; round < 40; round++) {
        const count = round < 10 ? round : Math.floor(next() * 10_000);
        const ranges: [Buffer, number, number][] = [];
        for (let r = 0; r < count; r++) {
          const prev = ranges[ranges.length - 1];
          if (prev && next() < 0.3) {
            // the next bytes of the same buffer: merged into one range
            const end = Math.min(prev[0].length, prev[2] + Math.floor(next() * 100));
            ranges.push([prev[0], prev[2], end]);
            continue;
          }
          const src = pool[Math.floor(next() * pool.length)];
          const start = Math.floor(next() * src.length);
          const end = start + Math.floor(next() * Math.min(src.length - start + 1, 200));
          ranges.push([src, start, end]);
        }
        const want = Buffer.concat(ranges.map(([b, s, e]) => b.subarray(s, e)));
        const out = Buffer.alloc(want.length + 8, 0xee);
        g.begin(out);
        for (const [b, s, e] of ranges) g.add(b, s, e);
        assert.equal(g.end(), want.length, `round ${round}`);
        assert.ok(out.subarray(0, want.length).equals(want), `round ${round}: bytes differ`);
        assert.ok(out.subarray(want.length).every((x) => x === 0xee), `round ${round}: wrote past the ranges`);
      }
    });
  }

  it('a gather that threw leaves nothing behind for the next one', () => {
    const g = createGather('native');
    const src = Buffer.from('abcdef');
    g.begin(Buffer.alloc(2));
    g.add(src, 0, 6);
    assert.throws(() => g.end(), /do not fit/);
    const out = Buffer.alloc(3);
    g.begin(out);
    g.add(src, 3, 6);
    assert.equal(g.end(), 3);
    assert.equal(out.toString(), 'def');
  });

  it('native: a bad range throws before any byte moves, and nothing else breaks', () => {
    assert.ok(addon?.gatherv);
    const gather = addon.gatherv;
    const src = Buffer.from('hello world');
    const out = Buffer.alloc(32, 1);
    const attempt = (triples: number[], at = 0): number => gather(out, at, Int32Array.from(triples), triples.length / 3, src);
    assert.throws(() => attempt([0, 0, 5, 1, 0, 2]), /outside its source/, 'source index beyond the sources');
    assert.throws(() => attempt([0, 0, 5, 0, 6, 12]), /outside its source/, 'end beyond the source');
    assert.throws(() => attempt([0, 5, 4]), /outside its source/, 'start after end');
    assert.throws(() => attempt([0, -1, 4]), /outside its source/, 'negative start');
    assert.throws(() => attempt([0, 0, 11, 0, 0, 11], 20), /do not fit/, 'past the end of out');
    assert.throws(() => attempt([0, 0, 1], 33), /do not fit/, 'at past the end of out');
    assert.ok(out.every((x) => x === 1), 'nothing was copied');
    assert.throws(() => gather(out, 0, new Int32Array(3), 2, src), /beyond the ranges array/);
    assert.throws(() => gather(out, 0, new Int32Array(3), 1, 'x' as unknown as Buffer), /not a Buffer/);
    assert.throws(() => gather(out, 0, new Uint32Array(3) as unknown as Int32Array, 1, src), /gatherv\(out, at, ranges, count, \.\.\.sources\)/);
    assert.throws(() => gather(out, 0, new Int32Array(3), 1, ...new Array<Buffer>(65).fill(src)), /too many sources/);
    assert.equal(attempt([0, 6, 11, 0, 0, 5]), 10);
    assert.equal(out.toString('latin1', 0, 10), 'worldhello');
  });
});

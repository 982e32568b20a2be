// Random RESP2 reply streams through the native and the JS ReplyReader, each split at its own
// random read boundaries (1 byte to 70 KB): both must report exactly the generator's frames,
// types, redirects and top-level element boundaries. SLOTPROXY_TEST_SEED=<n> changes the seed.
// Integers of 19 digits are left out here: they have their own test in reply-scanner.test.ts.
import assert from 'node:assert/strict';
import { Rng, abbreviate, baseSeed, scannersFor } from './helpers';
import { collectReplies, type Collected, type Frame, genStream, nativeDeepSafe, replyChunks } from './reply-gen';

const STREAMS = 250;

function firstDifference(got: Frame[], expect: Frame[]): number {
  const n = Math.max(got.length, expect.length);
  for (let i = 0; i < n; i++) if (abbreviate(got[i]) !== abbreviate(expect[i]) || got[i]?.frame !== expect[i]?.frame) return i;
  return -1;
}

function check(label: string, seed: number, got: Collected, expect: Frame[]): void {
  if (got.protocolErrors) assert.fail(`seed ${seed} (SLOTPROXY_TEST_SEED=${seed} makes it stream 0): ${label} reported a protocol error on a valid stream (after ${got.frames.length} frames)`);
  const i = firstDifference(got.frames, expect);
  if (i >= 0) {
    assert.fail(
      `seed ${seed} (SLOTPROXY_TEST_SEED=${seed} makes it stream 0): ${label} differs at frame #${i} (of ${expect.length} expected, ${got.frames.length} got)\n` +
        `  got:      ${abbreviate(got.frames[i])}\n  expected: ${abbreviate(expect[i])}\n` +
        `  previous: ${abbreviate(expect[i - 1])}`,
    );
  }
}

describe('reply scanners: random streams, native and JS against the generator', function () {
  this.timeout(300000);
  let maxDepth = 12;

  before(() => {
    // A native scanner that crashes on deep replies is reported by reply-scanner.test.ts; keep
    // this run alive and test it up to the depth hiredis handles itself.
    if (!nativeDeepSafe()) maxDepth = 8;
  });

  it(`${STREAMS} streams of up to 60 replies (nesting up to 12, 100 KB bulks, redirects)`, () => {
    const base = baseSeed(0x2e91);
    let frames = 0;
    for (let k = 0; k < STREAMS; k++) {
      const seed = (base + k * 7919) >>> 0;
      const rng = new Rng(seed);
      const { stream, expect } = genStream(rng, rng.range(1, 60), { maxDepth, bigChance: k % 10 === 0 ? 0.05 : 0.002 });
      const native = collectReplies(scannersFor('native'), replyChunks(rng, stream));
      const js = collectReplies(scannersFor('js'), replyChunks(rng, stream));
      check('native', seed, native, expect);
      check('js', seed, js, expect);
      assert.equal(abbreviate(native), abbreviate(js), `seed ${seed}: native and JS differ`);
      frames += expect.length;
    }
    assert.ok(frames > STREAMS * 10);
  });

  it('the same stream fed whole, byte by byte and in random chunks gives the same frames', () => {
    const seed = baseSeed(0x51de);
    const rng = new Rng(seed);
    const { stream, expect } = genStream(rng, 40, { maxDepth, bigChance: 0 });
    const bytewise = Array.from({ length: stream.length }, (_, i) => stream.subarray(i, i + 1));
    for (const kind of ['native', 'js'] as const) {
      check(`${kind} whole`, seed, collectReplies(scannersFor(kind), [stream]), expect);
      check(`${kind} byte by byte`, seed, collectReplies(scannersFor(kind), bytewise), expect);
      for (let i = 0; i < 20; i++) check(`${kind} split #${i}`, seed, collectReplies(scannersFor(kind), replyChunks(rng, stream)), expect);
    }
  });

  it('every reply kind alone, split at every byte', () => {
    const seed = baseSeed(0xa11);
    const rng = new Rng(seed);
    for (let k = 0; k < 40; k++) {
      const { stream, expect } = genStream(rng, 2, { maxDepth, bigChance: 0 });
      if (stream.length > 1200) continue;
      for (let cut = 1; cut < stream.length; cut++) {
        for (const kind of ['native', 'js'] as const) {
          check(`${kind} cut at ${cut} of stream ${k}`, seed, collectReplies(scannersFor(kind), [stream.subarray(0, cut), stream.subarray(cut)]), expect);
        }
      }
    }
  });
});

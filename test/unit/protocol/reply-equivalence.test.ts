// Random RESP2 and RESP3 reply streams through the native and the JS ReplyReader, each split at
// its own random read boundaries (1 byte to 70 KB): both must report exactly the generator's
// frames, types, redirects, attribute prefixes and top-level element boundaries; a malformed
// RESP3 reply anywhere must end both the same way. SLOTPROXY_TEST_SEED=<n> changes the seed.
// Integers of 19 digits are left out here: they have their own test in reply-scanner.test.ts.
import assert from 'node:assert/strict';
import type { Scanners } from '../../../lib/protocol/scanners';
import { Rng, abbreviate, baseSeed, scannersFor as tableScanners } from './helpers';
import { collectReplies, type Collected, type Frame, type GenOptions, genStream, nativeDeepSafe, replyChunks } from './reply-gen';
import { MALFORMED_RESP3 } from './reply-resp3-cases';

const STREAMS = 250;
const RESP3_STREAMS = 3000;

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

  // once: scannersFor registers the command table again on every call (reply scanners need none)
  let scanners: Record<'native' | 'js', Scanners>;
  const scannersFor = (kind: 'native' | 'js'): Scanners => scanners[kind];

  before(() => {
    scanners = { native: tableScanners('native'), js: tableScanners('js') };
    // A native scanner that crashes on deep replies is reported by reply-scanner.test.ts; keep
    // this run alive and test it up to the depth hiredis 0.14 read itself.
    if (!nativeDeepSafe()) maxDepth = 8;
  });

  function randomStreams(count: number, seedBase: number, opts: (k: number) => GenOptions): number {
    const base = baseSeed(seedBase);
    let frames = 0;
    for (let k = 0; k < count; k++) {
      const seed = (base + k * 7919) >>> 0;
      const rng = new Rng(seed);
      const { stream, expect } = genStream(rng, rng.range(1, 60), opts(k));
      const native = collectReplies(scannersFor('native'), replyChunks(rng, stream));
      const js = collectReplies(scannersFor('js'), replyChunks(rng, stream));
      check('native', seed, native, expect);
      check('js', seed, js, expect);
      // as the read poller hands them on: ranges of slabs, scanned by the slab's id natively
      check('native in slabs', seed, collectReplies(scannersFor('native'), replyChunks(rng, stream), true), expect);
      check('js in slabs', seed, collectReplies(scannersFor('js'), replyChunks(rng, stream), true), expect);
      assert.equal(abbreviate(native), abbreviate(js), `seed ${seed}: native and JS differ`);
      frames += expect.length;
    }
    return frames;
  }

  it(`${STREAMS} streams of up to 60 replies (nesting up to 12, 100 KB bulks, redirects)`, () => {
    const frames = randomStreams(STREAMS, 0x2e91, (k) => ({ maxDepth, bigChance: k % 10 === 0 ? 0.05 : 0.002 }));
    assert.ok(frames > STREAMS * 10);
  });

  it(`${RESP3_STREAMS} RESP3 streams: every type, attributes anywhere, nesting up to 12`, () => {
    const frames = randomStreams(RESP3_STREAMS, 0x3e53, (k) => ({ maxDepth, bigChance: k % 50 === 0 ? 0.02 : 0.001, resp3: true }));
    assert.ok(frames > RESP3_STREAMS * 10);
  });

  for (const resp3 of [false, true]) {
    it(`the same ${resp3 ? 'RESP3 ' : ''}stream fed whole, byte by byte and in random chunks gives the same frames`, () => {
      const seed = baseSeed(resp3 ? 0x51df : 0x51de);
      const rng = new Rng(seed);
      const { stream, expect } = genStream(rng, 40, { maxDepth, bigChance: 0, resp3 });
      const bytewise = Array.from({ length: stream.length }, (_, i) => stream.subarray(i, i + 1));
      for (const kind of ['native', 'js'] as const) {
        check(`${kind} whole`, seed, collectReplies(scannersFor(kind), [stream]), expect);
        check(`${kind} byte by byte`, seed, collectReplies(scannersFor(kind), bytewise), expect);
        check(`${kind} byte by byte in slabs`, seed, collectReplies(scannersFor(kind), bytewise, true), expect);
        for (let i = 0; i < 20; i++) check(`${kind} split #${i}`, seed, collectReplies(scannersFor(kind), replyChunks(rng, stream)), expect);
      }
    });

    it(`every ${resp3 ? 'RESP3 ' : ''}reply kind alone, split at every byte`, () => {
      const seed = baseSeed(resp3 ? 0xa12 : 0xa11);
      const rng = new Rng(seed);
      for (let k = 0; k < (resp3 ? 80 : 40); k++) {
        const { stream, expect } = genStream(rng, 2, { maxDepth, bigChance: 0, resp3 });
        if (stream.length > 1200) continue;
        for (let cut = 1; cut < stream.length; cut++) {
          for (const kind of ['native', 'js'] as const) {
            check(`${kind} cut at ${cut} of stream ${k}`, seed, collectReplies(scannersFor(kind), [stream.subarray(0, cut), stream.subarray(cut)]), expect);
            check(`${kind} cut at ${cut} of stream ${k}, in slabs`, seed, collectReplies(scannersFor(kind), [stream.subarray(0, cut), stream.subarray(cut)], true), expect);
          }
        }
      }
    });
  }

  it('a malformed RESP3 reply after valid ones, alone or nested, split anywhere: the valid frames, then a protocol error, in both', () => {
    const seed = baseSeed(0xbad3);
    const rng = new Rng(seed);
    for (let k = 0; k < 400; k++) {
      const { stream, expect } = genStream(rng, rng.range(0, 8), { maxDepth: 4, bigChance: 0, resp3: true });
      const bad = rng.pick(MALFORMED_RESP3);
      // the bad value at the top, inside an aggregate, or after an attribute
      const wrapped = rng.pick([bad, `*2\r\n:1\r\n${bad}`, `%1\r\n${bad}:1\r\n`, `|1\r\n+a\r\n+b\r\n${bad}`, `~1\r\n|1\r\n+a\r\n${bad}+b\r\n`]);
      const input = Buffer.concat([stream, Buffer.from(wrapped + '+OK\r\n:1\r\n', 'latin1')]);
      for (const kind of ['native', 'js'] as const) {
        for (const inSlabs of [false, true]) {
          const got = collectReplies(scannersFor(kind), replyChunks(rng, input), inSlabs);
          const label = `seed ${seed}, case ${k}, ${kind}${inSlabs ? ' in slabs' : ''}: ${JSON.stringify(wrapped)}`;
          assert.ok(got.protocolErrors > 0, `${label}: no protocol error`); // reported again by each later push
          assert.equal(abbreviate(got.frames), abbreviate(expect), label);
        }
      }
    }
  });
});

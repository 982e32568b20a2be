// Reply framing by both scanner kinds through ReplyReader: redirects, element boundaries,
// malformed streams, REP_MORE continuations, and replies nested deeper than hiredis 0.14 allowed
// (the native scanner, once built on it, handed those to RespFramer; now RespFramer frames all).
// RESP3: reply-resp3.test.ts. Random streams: reply-equivalence.test.ts.
import assert from 'node:assert/strict';
import { REPLY_ELEMENT_CAPACITY } from '../../../lib/protocol/records';
import { KINDS, abbreviate, bytes, randomSplit, Rng, scannersFor } from './helpers';
import { collectReplies, type Frame, inChild, nativeDeepSafe, nested, REDIRECT_ASK, REDIRECT_CLUSTERDOWN, REDIRECT_MOVED, REDIRECT_NONE, REDIRECT_TRYAGAIN } from './reply-gen';

describe('reply scanner (native): replies nested deeper than hiredis supports', () => {
  it('does not crash the process (checked in a child process)', () => {
    const r = inChild(
      `const rr = new ReplyReader(s.newReplyScanner(), s); const got = [];` +
        `const sink = { onReply(b, start, end) { got.push(end - start); }, onProtocolError() { got.push('error'); } };` +
        `rr.push(Buffer.from(${JSON.stringify(nested(9) + '+OK\r\n')}), sink);` +
        `console.log(JSON.stringify(got));` +
        `if (JSON.stringify(got) !== '[${9 * 4 + 4},5]') process.exit(3);`,
    );
    assert.ok(r.ok, `a reply with 9 nested arrays: ${r.output}`);
  });
});

for (const kind of KINDS) {
  describe(`reply scanner (${kind})`, () => {
    const s = () => scannersFor(kind);
    const one = (input: string, chunks?: Buffer[]) => collectReplies(s(), chunks ?? [bytes(input)]);

    it('redirect kinds of top-level errors', () => {
      const cases: [string, number][] = [
        ['-MOVED 3999 127.0.0.1:6381\r\n', REDIRECT_MOVED],
        ['-ASK 1 h:1\r\n', REDIRECT_ASK],
        ['-TRYAGAIN Multiple keys request during rehashing of slot\r\n', REDIRECT_TRYAGAIN],
        ['-CLUSTERDOWN The cluster is down\r\n', REDIRECT_CLUSTERDOWN],
        ['-ERR x\r\n', REDIRECT_NONE],
        ['-MOVEDX 1 h:1\r\n', REDIRECT_NONE],
        ['+MOVED 1 h:1\r\n', REDIRECT_NONE],
        ['*1\r\n-MOVED 1 h:1\r\n', REDIRECT_NONE],
      ];
      for (const [input, redirect] of cases) {
        const got = one(input);
        assert.equal(got.frames.length, 1, input);
        assert.equal(got.frames[0].redirect, redirect, JSON.stringify(input));
        assert.equal(got.frames[0].frame, input);
      }
    });

    it('a redirect split across reads at every byte is still recognised', () => {
      const input = bytes('-MOVED 3999 127.0.0.1:6381\r\n');
      for (let cut = 1; cut < input.length; cut++) {
        const got = one('', [input.subarray(0, cut), input.subarray(cut)]);
        assert.deepEqual(got.frames.map((f) => [f.frame.length, f.redirect]), [[input.length, REDIRECT_MOVED]], `cut at ${cut}`);
      }
    });

    it('element boundaries of a top-level array, nil and empty values included', () => {
      const input = '*6\r\n$-1\r\n*-1\r\n*0\r\n$0\r\n\r\n*2\r\n:1\r\n$3\r\na\r\n\r\n+OK\r\n';
      const got = one(input);
      const expect: Frame = { frame: input, type: '*', redirect: 0, elems: [9, 14, 18, 24, 41, 46], attrib: 0 };
      assert.deepEqual(got.frames, [expect]);
    });

    it('a malformed stream (?foo) fires onProtocolError, after the valid replies before it', () => {
      const got = one('+OK\r\n:1\r\n?foo\r\n+OK\r\n');
      assert.deepEqual(got.frames.map((f) => f.frame), ['+OK\r\n', ':1\r\n']);
      assert.equal(got.protocolErrors, 1);
      const alone = one('?foo\r\n');
      assert.deepEqual([alone.frames.length, alone.protocolErrors], [0, 1]);
    });

    it('malformed length and integer lines are protocol errors', () => {
      // A bare "\n" ending a length line is noticed when the line ends (hiredis 0.14 noticed it only
      // when a "\r\n" followed): the stream is unusable either way, so a valid reply follows each case.
      for (const bad of [':abc\r\n', '$abc\r\n', '*abc\r\n', '$-5\r\n', '*-5\r\n', ':\r\n', ':+5\r\n', '$1\n', ':1\n', '*1\r\n!x\r\n']) {
        const got = one(bad + '+OK\r\n');
        assert.deepEqual([got.frames.length, got.protocolErrors], [0, 1], JSON.stringify(bad));
      }
    });

    it('integers of 19 digits (INCR near INT64_MAX) are valid replies, also nested deep', () => {
      // Redis sends any int64: SET k 9223372036854775806, INCR k -> ":9223372036854775807".
      for (const n of ['9223372036854775807', '-9223372036854775808', '1000000000000000000']) {
        for (const input of [`:${n}\r\n`, `*2\r\n:${n}\r\n:1\r\n`, nested(10, `:${n}\r\n`)]) {
          const got = one(input + '+OK\r\n');
          assert.deepEqual(
            [got.protocolErrors, got.frames.map((f) => f.frame)],
            [0, [input, '+OK\r\n']],
            `${JSON.stringify(input)}: ${got.protocolErrors ? 'protocol error' : 'wrong frames'}`,
          );
        }
      }
    });

    it('integers beyond int64 are protocol errors (hiredis: "Bad integer value"), also nested deep', () => {
      for (const n of ['9223372036854775808', '-9223372036854775809', '9999999999999999999', '99999999999999999999']) {
        for (const input of [`:${n}\r\n`, nested(10, `:${n}\r\n`)]) {
          const got = one(input + '+OK\r\n');
          assert.deepEqual([got.frames.length, got.protocolErrors], [0, 1], `${JSON.stringify(input)}: ${abbreviate(got)}`);
        }
      }
    });

    it('the byte after a protocol error is never scanned again: later pushes report the error', () => {
      const sc = s().newReplyScanner();
      sc.scan(bytes('?x\r\n'));
      assert.equal(sc.scan(bytes('+OK\r\n')), 0);
      assert.equal(s().replyRecords[1], -1 /* REP_ERROR */);
    });

    it('more than 16384 replies in one chunk (REP_MORE continuations) are all delivered in order', () => {
      const parts: string[] = [];
      const expect: string[] = [];
      for (let i = 0; i < 40000; i++) {
        const r = i % 4 === 0 ? `*2\r\n:${i}\r\n$1\r\nx\r\n` : `:${i}\r\n`;
        parts.push(r);
        expect.push(r);
      }
      const got = one(parts.join('') + '*2\r\n:1'); // and the start of one more
      assert.equal(got.frames.length, 40000);
      for (let i = 0; i < expect.length; i++) {
        const f = got.frames[i];
        if (f.frame !== expect[i]) assert.fail(`reply #${i}: ${JSON.stringify(f.frame)}, expected ${JSON.stringify(expect[i])}`);
        if (i % 4 === 0) {
          const head = `*2\r\n:${i}\r\n`.length;
          assert.deepEqual(f.elems, [head, head + 7], `elements of reply #${i}`);
        }
      }
    });

    it('an array with more elements than the element array holds -> did-not-fit (-2)', () => {
      const fits = REPLY_ELEMENT_CAPACITY - 1; // [count, end0, ...] takes one more entry
      for (const [n, expectFit] of [[fits, true], [fits + 1, false]] as const) {
        const input = bytes(`*${n}\r\n` + ':1\r\n'.repeat(n));
        const got = one('', [input]);
        assert.equal(got.frames.length, 1);
        const e = got.frames[0].elems;
        if (expectFit) assert.ok(Array.isArray(e) && e.length === n && e[n - 1] === input.length, `${n} elements`);
        else assert.equal(e, 'did-not-fit', `${n} elements`);
      }
    });

    it('a 100 KB bulk string and a frame spanning many reads', () => {
      const payload = new Rng(9).bytes(100 * 1024);
      const input = Buffer.concat([bytes('*2\r\n$102400\r\n'), payload, bytes('\r\n:7\r\n+OK\r\n')]);
      for (const chunks of [[input], randomSplit(new Rng(10), input, 1, 3000)]) {
        const got = collectReplies(s(), chunks);
        assert.equal(got.frames.length, 2);
        assert.ok(got.frames[0].frame === input.toString('latin1', 0, input.length - 5));
        assert.deepEqual(got.frames[0].elems, [13 + 102400 + 2, 13 + 102400 + 2 + 4]);
      }
    });

    describe('nesting deeper than hiredis supports', () => {
      before(function () {
        if (kind === 'native' && !nativeDeepSafe()) this.skip(); // reported by the child-process test
      });

      for (const depth of [7, 8, 9, 12, 40]) {
        it(`${depth} nested arrays, whole and split at every byte`, () => {
          const input = bytes(`+A\r\n${nested(depth)}*2\r\n${nested(depth)}:2\r\n+B\r\n`);
          const a = 4;
          const b = a + depth * 4 + 4;
          const expectFrames = [input.toString('latin1', 0, a), input.toString('latin1', a, b), input.toString('latin1', b, input.length - 4), '+B\r\n'];
          const whole = one('', [input]);
          assert.deepEqual(whole.frames.map((f) => f.frame), expectFrames);
          assert.deepEqual(whole.frames[1].elems, [depth * 4 + 4]);
          assert.deepEqual(whole.frames[2].elems, [4 + depth * 4 + 4, 4 + depth * 4 + 8]);
          for (let cut = 1; cut < input.length; cut++) {
            const got = one('', [input.subarray(0, cut), input.subarray(cut)]);
            if (abbreviate(got) !== abbreviate(whole)) {
              assert.fail(`cut at ${cut}: ${abbreviate(got)}\nexpected ${abbreviate(whole)}`);
            }
          }
        });
      }

      it('a deep reply after 1 KB of the same frame arrived in an earlier read', () => {
        const input = bytes('*2\r\n$2000\r\n' + 'x'.repeat(2000) + '\r\n' + nested(12) + '+OK\r\n');
        for (const cut of [1, 1500, 2011, 2013, 2030, input.length - 6]) {
          const got = one('', [input.subarray(0, cut), input.subarray(cut)]);
          assert.deepEqual(got.frames.map((f) => [f.frame.length, f.elems]), [[input.length - 5, [2013, 2013 + 52]], [5, 'none']], `cut ${cut}`);
        }
      });

      it('deep replies around the REP_MORE boundary (16384 records per scan)', () => {
        for (const before of [16383, 16384, 16385]) {
          for (const depth of [9, 12]) {
            const deep = nested(depth);
            const tail = `*2\r\n${deep}$1\r\nx\r\n`;
            const input = bytes(':1\r\n'.repeat(before) + deep + ':1\r\n'.repeat(5) + tail + '+END\r\n');
            const at = before * 4;
            for (const cuts of [[], [at + 2], [at + depth * 4 + 1], [at + 1, at + 9], [input.length - 10]]) {
              const chunks = [...cuts, input.length].map((c, i, all) => input.subarray(i ? all[i - 1] : 0, c));
              const got = one('', chunks);
              const frames = got.frames.map((f) => f.frame);
              const label = `${before} replies, then depth ${depth}, cuts ${cuts}`;
              assert.equal(got.protocolErrors, 0, label);
              assert.equal(frames.length, before + 8, label);
              assert.deepEqual([frames[before], frames[before + 6], frames[before + 7]], [deep, tail, '+END\r\n'], label);
              assert.ok(frames.join('') === input.toString('latin1'), label);
            }
          }
        }
      });

      it('a deep malformed reply is a protocol error', () => {
        const got = one(nested(10, '?x\r\n'));
        assert.deepEqual([got.frames.length, got.protocolErrors], [0, 1]);
      });
    });
  });
}

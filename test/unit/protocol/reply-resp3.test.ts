// RESP3 framing by both scanner kinds, type by type: what Redis 7.0 sends, the edges each type
// allows, attributes (recorded with the reply they annotate), blob errors as redirects, and
// malformed RESP3 as a protocol error. Random RESP3 streams: reply-equivalence.test.ts.
import assert from 'node:assert/strict';
import { REP_COUNT, REP_DONE, REP_ERROR, REP_STATUS } from '../../../lib/protocol/records';
import { KINDS, abbreviate, bytes, Rng, scannersFor } from './helpers';
import { BIG_NUMBERS, collectReplies, DOUBLES, ERRORS, type Frame, replyChunks } from './reply-gen';
import { aggregate, MALFORMED_RESP3, redis70Resp3Cases, scalar } from './reply-resp3-cases';

for (const kind of KINDS) {
  describe(`reply scanner (${kind}): RESP3`, () => {
    const s = () => scannersFor(kind);

    /** Fed whole, then cut in two at every byte (and byte by byte when short): always `expect`. */
    function framesExactly(input: string, expect: Frame[], label = input): void {
      const buf = bytes(input);
      const sc = s(); // once: scannersFor registers the command table again
      const whole = collectReplies(sc, [buf]);
      assert.equal(whole.protocolErrors, 0, `${label}: protocol error`);
      assert.deepEqual(whole.frames, expect, abbreviate(label));
      // every cut of a short frame; of a long one, the cuts near its ends and a spread between
      // (every cut of a 10 kB frame took seconds on the shared machine, for nothing more)
      for (let cut = 1; cut < buf.length; cut += buf.length < 2000 || cut < 64 || cut > buf.length - 64 ? 1 : 97) {
        const got = collectReplies(sc, [buf.subarray(0, cut), buf.subarray(cut)]);
        if (got.protocolErrors || abbreviate(got.frames, 1e9) !== abbreviate(expect, 1e9)) {
          assert.fail(`${abbreviate(label)} cut at ${cut}: ${abbreviate(got)}`);
        }
      }
      if (buf.length < 2000) {
        const bytewise = Array.from({ length: buf.length }, (_, i) => buf.subarray(i, i + 1));
        assert.deepEqual(collectReplies(sc, bytewise).frames, expect, `${abbreviate(label)} byte by byte`);
      }
    }

    it('what Redis 7.0.15 sends for each RESP3 type (DEBUG PROTOCOL, HGETALL, SMEMBERS, ZSCORE, pushes ...)', () => {
      const expect = redis70Resp3Cases(3).flatMap((c) => c.replies);
      framesExactly(expect.map((f) => f.frame).join(''), expect, 'the Redis 7.0.15 session');
    });

    it('doubles: every form RESP3 and Redis 7.0 write, also nested', () => {
      for (const d of DOUBLES) framesExactly(`,${d}\r\n`, [scalar(`,${d}\r\n`)]);
      framesExactly(`*2\r\n,${DOUBLES[4]}\r\n,inf\r\n`, [aggregate('*', 2, [`,${DOUBLES[4]}\r\n`, ',inf\r\n'])]);
    });

    it('big numbers of any length, booleans, null', () => {
      for (const n of [...BIG_NUMBERS, '7'.repeat(10000)]) framesExactly(`(${n}\r\n`, [scalar(`(${n}\r\n`)], `(${n.slice(0, 20)}`);
      framesExactly('#t\r\n#f\r\n_\r\n', [scalar('#t\r\n'), scalar('#f\r\n'), scalar('_\r\n')]);
    });

    it('verbatim strings: any payload after the 3-byte format and ":"', () => {
      for (const payload of ['txt:', 'txt:Some string', 'mkd:# Title\r\n\r\n*list*\r\n', 'xyz:\x00\r\n$3\r\n']) {
        const frame = `=${payload.length}\r\n${payload}\r\n`;
        framesExactly(frame, [scalar(frame)]);
      }
    });

    it('blob errors are errors: MOVED, ASK, TRYAGAIN, CLUSTERDOWN recognised in their payload, at the top only', () => {
      for (const [text, redirect] of ERRORS) {
        const frame = `!${text.length}\r\n${text}\r\n`;
        framesExactly(frame, [scalar(frame, redirect)]);
        const binary = `${text}\r\n\x00more`;
        framesExactly(`!${binary.length}\r\n${binary}\r\n`, [scalar(`!${binary.length}\r\n${binary}\r\n`, redirect)]);
      }
      const nestedMoved = '*1\r\n!11\r\nMOVED 1 h:1\r\n';
      framesExactly(nestedMoved, [aggregate('*', 1, ['!11\r\nMOVED 1 h:1\r\n'])]);
      const long = `MOVED 3999 127.0.0.1:6381 ${'x'.repeat(100000)}`;
      const got = collectReplies(s(), replyChunks(new Rng(5), bytes(`!${long.length}\r\n${long}\r\n`)));
      assert.deepEqual(got.frames.map((f) => [f.type, f.redirect]), [['!', 1]]);
    });

    it('maps record keys and values as elements (2N); sets and pushes their N elements', () => {
      framesExactly('%2\r\n+a\r\n:1\r\n+b\r\n*2\r\n:1\r\n:2\r\n', [aggregate('%', 2, ['+a\r\n', ':1\r\n', '+b\r\n', '*2\r\n:1\r\n:2\r\n'])]);
      framesExactly('%1\r\n%1\r\n~1\r\n_\r\n>0\r\n#t\r\n', [aggregate('%', 1, ['%1\r\n~1\r\n_\r\n>0\r\n', '#t\r\n'])]);
      framesExactly('~2\r\n+a\r\n~0\r\n%0\r\n>0\r\n', [aggregate('~', 2, ['+a\r\n', '~0\r\n']), aggregate('%', 0, []), aggregate('>', 0, [])]);
      // pushes are top-level in RESP3; one inside an aggregate is framed as an element all the same
      framesExactly('*2\r\n>1\r\n:1\r\n:2\r\n', [aggregate('*', 2, ['>1\r\n:1\r\n', ':2\r\n'])]);
    });

    it('an attribute belongs to the frame of the reply after it: that reply gives the type and the elements', () => {
      const popularity = `|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n`;
      framesExactly(`${popularity}*2\r\n:2039123\r\n:9543892\r\n`, [aggregate('*', 2, [':2039123\r\n', ':9543892\r\n'], popularity)]);
      framesExactly('|0\r\n+OK\r\n', [scalar('+OK\r\n', 0, '|0\r\n')]);
      const two = '|1\r\n+a\r\n+b\r\n|1\r\n+c\r\n*1\r\n:1\r\n';
      framesExactly(`${two}%1\r\n+k\r\n+v\r\n`, [aggregate('%', 1, ['+k\r\n', '+v\r\n'], two)]);
      framesExactly('|1\r\n+ttl\r\n:1\r\n-MOVED 1 h:1\r\n', [scalar('-MOVED 1 h:1\r\n', 1, '|1\r\n+ttl\r\n:1\r\n')]);
      framesExactly('|1\r\n+t\r\n:1\r\n!9\r\nASK 1 h:1\r\n', [scalar('!9\r\nASK 1 h:1\r\n', 2, '|1\r\n+t\r\n:1\r\n')]);
      // an error inside the attribute is no redirect of the reply
      framesExactly('|1\r\n-MOVED 1 h:1\r\n+x\r\n+OK\r\n', [scalar('+OK\r\n', 0, '|1\r\n-MOVED 1 h:1\r\n+x\r\n')]);
    });

    it('attributes inside aggregates are no elements: they go with the element after them', () => {
      framesExactly('*3\r\n:1\r\n:2\r\n|1\r\n+ttl\r\n:3600\r\n:3\r\n', [aggregate('*', 3, [':1\r\n', ':2\r\n', '|1\r\n+ttl\r\n:3600\r\n:3\r\n'])]);
      framesExactly('%1\r\n|1\r\n+a\r\n+b\r\n+k\r\n+v\r\n', [aggregate('%', 1, ['|1\r\n+a\r\n+b\r\n+k\r\n', '+v\r\n'])]);
      // an attribute of an attribute's key, and one before the last element that ends the frame
      const inner = '|1\r\n|1\r\n+x\r\n+y\r\n+k\r\n~1\r\n|0\r\n:1\r\n';
      framesExactly(`~2\r\n+a\r\n${inner}_\r\n`, [aggregate('~', 2, ['+a\r\n', `${inner}_\r\n`])]);
    });

    it('an attribute alone is no reply: the frame waits for the reply after it', () => {
      const sc = collectReplies(s(), [bytes('+A\r\n|1\r\n+a\r\n+b\r\n'), bytes('|0\r\n'), bytes(':7\r\n')]);
      assert.deepEqual(sc.frames, [scalar('+A\r\n'), scalar(':7\r\n', 0, '|1\r\n+a\r\n+b\r\n|0\r\n')]);
    });

    it('nesting of every aggregate type 3000 deep, attributes on the way, split anywhere', () => {
      const rng = new Rng(21);
      let head = '';
      for (let i = 0; i < 3000; i++) head += rng.pick(['*1\r\n', '%1\r\n+k\r\n', '~1\r\n', '>1\r\n', '|1\r\n+a\r\n+b\r\n*1\r\n']);
      const frame = `${head}_\r\n`;
      const attrib = frame.startsWith('|') ? '|1\r\n+a\r\n+b\r\n'.length : 0;
      const type = frame[attrib];
      const expect: Frame = { frame, type, redirect: 0, elems: type === '%' ? [attrib + 8, frame.length] : [frame.length], attrib };
      const input = bytes(frame + '+OK\r\n');
      for (let k = 0; k < 5; k++) {
        const got = collectReplies(s(), replyChunks(rng, input));
        assert.deepEqual(got.frames, [expect, scalar('+OK\r\n')], `split #${k}`);
      }
    });

    it('malformed RESP3 is a protocol error, after the replies before it, wherever the reads end', () => {
      const sc = s();
      for (const bad of MALFORMED_RESP3) {
        const input = bytes(`+OK\r\n${bad}+OK\r\n`);
        for (let cut = 1; cut < input.length; cut++) {
          const got = collectReplies(sc, [input.subarray(0, cut), input.subarray(cut)]);
          // every push after the error reports it again
          assert.deepEqual([got.frames.map((f) => f.frame), got.protocolErrors > 0], [['+OK\r\n'], true], `${JSON.stringify(bad)} cut at ${cut}`);
        }
      }
    });

    it('2 GiB of attributes before a reply is a protocol error (P_ATTRIB is an int32)', function () {
      this.timeout(60000);
      // fed to the scanner itself: a ReplyReader would join the frame
      const sc = s().newReplyScanner();
      const chunk = Buffer.alloc(1 << 20, 120);
      const size = 2 ** 31 + 10;
      assert.equal(sc.scan(bytes(`|1\r\n+a\r\n$${size}\r\n`)), 0);
      for (let left = size; left > 0; left -= chunk.length) assert.equal(sc.scan(left >= chunk.length ? chunk : chunk.subarray(0, left)), 0);
      assert.equal(s().replyRecords[REP_STATUS], REP_DONE);
      sc.scan(bytes('\r\n+OK\r\n'));
      assert.deepEqual([s().replyRecords[REP_COUNT], s().replyRecords[REP_STATUS]], [0, REP_ERROR]);
    });
  });
}

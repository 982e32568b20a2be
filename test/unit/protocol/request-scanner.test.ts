// Request framing as Redis 7 does it (src/networking.c processMultibulkBuffer/processInlineBuffer;
// test/integration/bad-input.test.ts compares the proxy's answers to bad input with a real
// redis-server's), for both scanner kinds. Command resolution and key specs are in
// request-keys.test.ts; resumption across reads in request-resume.test.ts.
import assert from 'node:assert/strict';
import { inlineLine, splitInline } from '../../../lib/protocol/inline';
import { CMD_INLINE, CMD_PROTOCOL_ERROR, ProtocolError } from '../../../lib/protocol/records';
import type { Scanners } from '../../../lib/protocol/scanners';
import { KINDS, type Rec, type ScanResult, bytes, cmd, commandId, scanOnce, scannersFor } from './helpers';

const K64 = 64 * 1024;

function isError(r: Rec | undefined, code: ProtocolError): boolean {
  return !!r && r.cmd === CMD_PROTOCOL_ERROR && r.argc === code;
}

for (const kind of KINDS) {
  describe(`request scanner (${kind}): framing`, () => {
    let s: Scanners;
    before(() => {
      s = scannersFor(kind);
    });

    const scan = (input: Buffer | string, auth = false): ScanResult => scanOnce(s, typeof input === 'string' ? bytes(input) : input, auth);

    /** The input yields exactly one record, a protocol error with `code`, and is all consumed. */
    function expectError(input: Buffer | string, code: ProtocolError, auth = false): Rec {
      const buf = typeof input === 'string' ? bytes(input) : input;
      const res = scan(buf, auth);
      const show = JSON.stringify(buf.toString('latin1').slice(0, 40));
      assert.equal(res.records.length, 1, `${show}: records ${JSON.stringify(res.records)}`);
      const r = res.records[0];
      assert.ok(isError(r, code), `${show}: expected protocol error ${code}, got ${JSON.stringify(r)}`);
      assert.equal(r.end, buf.length);
      assert.equal(res.header.consumed, buf.length, `${show}: consumed`);
      return r;
    }

    /** The input yields no record; `consumed` bytes are consumed. */
    function expectNothing(input: Buffer | string, consumed: number, auth = false): void {
      const res = scan(input, auth);
      assert.deepEqual(res.records, [], JSON.stringify(String(input).slice(0, 40)));
      assert.equal(res.header.consumed, consumed, `consumed of ${JSON.stringify(String(input).slice(0, 40))}`);
    }

    describe("bad input (Redis 7's protocol errors)", () => {
      it('*abc -> invalid multibulk length', () => expectError('*abc\r\n', ProtocolError.InvalidMultibulk));
      it('malformed counts -> invalid multibulk length', () => {
        for (const c of ['*\r\n', '*01\r\n', '*+1\r\n', '* 1\r\n', '*1 \r\n', '*99999999999999999999\r\n', '*-9223372036854775809\r\n']) {
          expectError(c, ProtocolError.InvalidMultibulk);
        }
      });
      it('a count above 1048576 -> invalid multibulk length; 1048576 itself waits for arguments', () => {
        expectError('*1048577\r\n', ProtocolError.InvalidMultibulk);
        expectNothing('*1048576\r\n', 0);
      });
      it('*-10, *0, *-1 and *-9223372036854775808 are consumed without a record', () => {
        for (const c of ['*-10\r\n', '*0\r\n', '*-1\r\n', '*-9223372036854775808\r\n']) expectNothing(c, c.length);
        expectNothing('*0\r\n*-1\r\n*0\r\n', 13);
      });
      it('a bare \\r\\n is an (empty) inline line: TypeScript splits it into no arguments', () => {
        const res = scan('\r\n');
        assert.deepEqual(res.records.map((r) => [r.cmd, r.start, r.end]), [[CMD_INLINE, 0, 2]]);
        assert.equal(res.header.consumed, 2);
        assert.deepEqual(splitInline(inlineLine(bytes('\r\n'))), []);
      });
      it("an element not starting with '$' -> expected '$', with the byte", () => {
        const r = expectError('*1\r\nfooz\r\n', ProtocolError.ExpectedDollar);
        assert.equal(r.slot, 'f'.charCodeAt(0));
        assert.equal(r.start, 4);
        const r2 = expectError('*2\r\n$3\r\nGET\r\n:1\r\n', ProtocolError.ExpectedDollar);
        assert.equal(r2.slot, ':'.charCodeAt(0));
        const r3 = expectError(bytes('*1\r\n\xff\r\n'), ProtocolError.ExpectedDollar);
        assert.equal(r3.slot, 0xff);
      });
      it('$-1, $-10, $abc, $01, $ above proto-max-bulk-len -> invalid bulk length', () => {
        for (const b of ['$-1', '$-10', '$abc', '$01', '$', '$ 3', '$536870913', '$99999999999999999999']) {
          expectError(`*1\r\n${b}\r\n`, ProtocolError.InvalidBulk);
        }
      });
      it('$536870912 (exactly proto-max-bulk-len) is accepted and waits for the payload', () => {
        const res = scan('*1\r\n$536870912\r\n');
        assert.deepEqual(res.records, []);
        assert.equal(res.header.consumed, 0);
        assert.equal(res.header.need, 4 + 12 + 536870912 + 2);
      });
      it('a count line longer than 64 KiB without CR -> too big mbulk count string', () => {
        expectNothing('*' + '1'.repeat(K64 - 1), 0); // 64 KiB exactly: still waiting
        expectError('*' + '1'.repeat(K64), ProtocolError.TooBigMbulkCount);
      });
      it('a long count line that does end in CRLF is an invalid multibulk length, not too big', () => {
        expectNothing('*' + '1'.repeat(K64 + 10) + '\r', 0);
        expectError('*' + '1'.repeat(K64 + 10) + '\r\n', ProtocolError.InvalidMultibulk);
      });
      it('a bulk-length line longer than 64 KiB -> too big bulk count string', () => {
        expectNothing('*1\r\n$' + '1'.repeat(K64 - 1), 0);
        expectError('*1\r\n$' + '1'.repeat(K64), ProtocolError.TooBigBulkCount);
        expectError('*2\r\n$3\r\nGET\r\n$' + '1'.repeat(K64), ProtocolError.TooBigBulkCount);
      });
      it('an inline request longer than 64 KiB without newline -> too big inline request', () => {
        expectNothing('a'.repeat(K64), 0);
        expectError('a'.repeat(K64 + 1), ProtocolError.TooBigInline);
      });
      it('unauthenticated: *11 -> unauthenticated multibulk length, *10 passes', () => {
        expectError('*11\r\n', ProtocolError.UnauthMultibulk, true);
        expectNothing('*10\r\n', 0, true);
        expectNothing('*11\r\n', 0, false);
        const ten = cmd('AUTH', ...Array.from({ length: 9 }, (_, i) => `a${i}`));
        assert.equal(scan(ten, true).records.length, 1);
      });
      it('unauthenticated: a bulk of 16385 -> unauthenticated bulk length, 16384 passes', () => {
        expectError('*2\r\n$4\r\nAUTH\r\n$16385\r\n', ProtocolError.UnauthBulk, true);
        const ok = scan(cmd('AUTH', 'x'.repeat(16384)), true);
        assert.equal(ok.records.length, 1);
        assert.equal(ok.records[0].argc, 2);
        assert.equal(scan(cmd('AUTH', 'x'.repeat(16385)), false).records.length, 1);
      });
      it('the multibulk limit is checked before the unauthenticated one', () => {
        expectError('*1048577\r\n', ProtocolError.InvalidMultibulk, true);
        expectError('*1\r\n$-1\r\n', ProtocolError.InvalidBulk, true);
      });
      it('valid commands before garbage get their records first, then the error', () => {
        const buf = Buffer.concat([cmd('PING'), bytes('GET a\r\n'), cmd('GET', 'k'), bytes('*abc\r\n'), cmd('PING')]);
        const res = scan(buf);
        assert.deepEqual(
          res.records.map((r) => r.cmd),
          [commandId('ping'), CMD_INLINE, commandId('get'), CMD_PROTOCOL_ERROR],
        );
        const err = res.records[3];
        assert.equal(err.argc, ProtocolError.InvalidMultibulk);
        assert.equal(err.start, 14 + 7 + 20);
        assert.equal(res.header.consumed, buf.length);
      });
      it('after a protocol error nothing more is parsed', () => {
        const sc = s.newRequestScanner();
        const bad = bytes('*1\r\nfooz\r\n');
        assert.equal(sc.scan(bad, 0, bad.length, false), 1);
        const good = cmd('PING');
        assert.equal(sc.scan(good, 0, good.length, false), 0);
        sc.reset();
        assert.equal(sc.scan(good, 0, good.length, false), 1, 'reset() revives the scanner');
      });
    });

    describe('Redis quirks', () => {
      it('the two bytes after a bulk payload are not checked', () => {
        const res = scan('*1\r\n$3\r\nfooXY');
        assert.deepEqual(res.records.map((r) => [r.start, r.end, r.argc]), [[0, 13, 1]]);
        const two = scan('*1\r\n$4\r\nPINGXY*2\r\n$4\r\nECHO\r\n$2\r\nhi!!');
        assert.deepEqual(two.records.map((r) => [r.cmd, r.argc]), [[commandId('ping'), 1], [commandId('echo'), 2]]);
        assert.equal(two.header.consumed, 36);
      });
      it('a CR as the last byte of a header line waits for the next byte', () => {
        expectNothing('*1\r', 0);
        expectNothing('*1\r\n$4\r', 0);
      });
      it('a NUL before the CR of a count line means "not found" (strchr): incomplete, then too big', () => {
        expectNothing('*1\x00\r\n$4\r\nPING\r\n', 0);
        expectError('*1\x00\r\n$4\r\nPING\r\n' + 'x'.repeat(K64), ProtocolError.TooBigMbulkCount);
      });
      it('a NUL before the CR of a bulk-length line: incomplete, then too big', () => {
        expectNothing('*1\r\n$4\x00\r\nPING\r\n', 0);
        expectNothing('*1\r\n\x00$4\r\nPING\r\n', 0);
        expectError('*1\r\n$4\x00\r\nPING\r\n' + 'x'.repeat(K64), ProtocolError.TooBigBulkCount);
      });
      it('a NUL in an inline line: incomplete, then too big', () => {
        expectNothing('PI\x00NG\r\n', 0);
        expectError('PI\x00NG\r\n' + 'x'.repeat(K64), ProtocolError.TooBigInline);
      });
      it('NUL and CRLF inside bulk payloads are data', () => {
        const res = scan(cmd('SET', 'k\x00\r\n', '\r\n\x00*1\r\n'));
        assert.deepEqual(res.records.map((r) => [r.cmd, r.argc, r.nkeys]), [[commandId('set'), 3, 1]]);
      });
    });

    describe('inline commands', () => {
      it('CMD_INLINE records with exact frame bounds, \\r\\n and bare \\n', () => {
        const buf = bytes('GET a\r\n' + '*1\r\n$4\r\nPING\r\n' + 'SET a b\n' + '\n' + 'x\ry\n');
        const res = scan(buf);
        assert.deepEqual(
          res.records.map((r) => [r.cmd, r.start, r.end]),
          [[CMD_INLINE, 0, 7], [commandId('ping'), 7, 21], [CMD_INLINE, 21, 29], [CMD_INLINE, 29, 30], [CMD_INLINE, 30, 34]],
        );
        for (const r of res.records.filter((x) => x.cmd === CMD_INLINE)) {
          assert.deepEqual([r.argc, r.slot, r.nkeys, r.flags, r.keyidx], [0, -1, 0, 0, -1]);
        }
        assert.equal(res.header.consumed, buf.length);
      });
      it('an unfinished inline line waits', () => expectNothing('PIN', 0));
      it('a line longer than 64 KiB that has its newline is still a command', () => {
        const res = scan('a'.repeat(K64 + 10) + '\n');
        assert.deepEqual(res.records.map((r) => [r.cmd, r.end]), [[CMD_INLINE, K64 + 11]]);
      });
      it('unbalanced quotes are framed as inline; TypeScript refuses them', () => {
        const res = scan('set "a b\r\n');
        assert.deepEqual(res.records.map((r) => r.cmd), [CMD_INLINE]);
        assert.equal(splitInline(inlineLine(bytes('set "a b\r\n'))), null);
      });
    });
  });
}

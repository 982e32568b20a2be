// The addon exports the numbers of native/records.h; they must equal lib/protocol/records.ts,
// since both scanner kinds fill the same typed arrays that TypeScript reads with those constants.
import assert from 'node:assert/strict';
import { loadNative } from '../../../lib/protocol/native';
import * as R from '../../../lib/protocol/records';
import { ProtocolError } from '../../../lib/protocol/records';
import { bytes, commandId, scannersFor } from './helpers';

describe('records layout: native/records.h and lib/protocol/records.ts agree', () => {
  const { addon, error } = loadNative();

  it('the native addon loads', () => {
    assert.ok(addon, `native addon not loadable: ${error}`);
  });

  const expected: Record<string, number> = {
    reqHeader: R.REQ_HEADER,
    reqRecord: R.REQ_RECORD,
    keyTriple: R.KEY_TRIPLE,
    repHeader: R.REP_HEADER,
    repRecord: R.REP_RECORD,
    cmdInline: R.CMD_INLINE,
    cmdProtocolError: R.CMD_PROTOCOL_ERROR,
    flagCrossSlot: R.FLAG_CROSSSLOT,
    flagArity: R.FLAG_ARITY,
    flagUnknownSubcommand: R.FLAG_UNKNOWN_SUBCOMMAND,
    repMore: R.REP_MORE,
    repError: R.REP_ERROR,
  };

  for (const [name, value] of Object.entries(expected)) {
    it(`layout.${name} === ${value}`, () => {
      assert.ok(addon);
      assert.equal(addon.layout[name], value, `native layout.${name} is ${addon.layout[name]}, records.ts says ${value}`);
    });
  }

  it('every number the addon exports equals the records.ts constant of the same name', () => {
    // layout.flagCrossSlot <-> FLAG_CROSSSLOT: compared without case or underscores
    assert.ok(addon);
    const ts = new Map(Object.entries(R).map(([k, v]) => [k.replace(/_/g, ''), { k, v }]));
    for (const [name, value] of Object.entries(addon.layout)) {
      const c = ts.get(name.toUpperCase());
      assert.ok(c, `native layout.${name} has no counterpart in lib/protocol/records.ts`);
      assert.equal(value, c.v, `native layout.${name} is ${value}, records.ts ${c.k} is ${String(c.v)}`);
    }
  });

  // The addon does not export field offsets or error codes; check them through behaviour.
  it('request record fields sit where records.ts says (native)', () => {
    const s = scannersFor('native');
    const sc = s.newRequestScanner();
    const buf = bytes('*2\r\n$3\r\nGET\r\n$3\r\nfoo\r\n*1\r\nfooz\r\n');
    assert.equal(sc.scan(buf, 0, buf.length, false), 2);
    const rec = s.requestRecords;
    assert.equal(rec[R.REQ_COUNT], 2);
    assert.equal(rec[R.REQ_CONSUMED], buf.length);
    assert.equal(rec[R.REQ_NEED], 0);
    const a = R.REQ_HEADER;
    assert.equal(rec[a + R.R_START], 0);
    assert.equal(rec[a + R.R_END], 22);
    assert.equal(rec[a + R.R_CMD], commandId('get'));
    assert.equal(rec[a + R.R_ARGC], 2);
    assert.equal(rec[a + R.R_SLOT], 12182); // "foo"
    assert.equal(rec[a + R.R_NKEYS], 1);
    assert.equal(rec[a + R.R_FLAGS], 0);
    assert.equal(rec[a + R.R_KEYIDX], -1);
    const b = R.REQ_HEADER + R.REQ_RECORD;
    assert.equal(rec[b + R.R_START], 26);
    assert.equal(rec[b + R.R_CMD], R.CMD_PROTOCOL_ERROR);
    assert.equal(rec[b + R.R_ARGC], ProtocolError.ExpectedDollar);
    assert.equal(rec[b + R.R_SLOT], 'f'.charCodeAt(0));
  });

  it('protocol error codes match (native)', () => {
    const s = scannersFor('native');
    const cases: [string, ProtocolError][] = [
      ['*abc\r\n', ProtocolError.InvalidMultibulk],
      ['*1\r\nx\r\n', ProtocolError.ExpectedDollar],
      ['*1\r\n$-1\r\n', ProtocolError.InvalidBulk],
      ['*' + '1'.repeat(70000), ProtocolError.TooBigMbulkCount],
      ['*1\r\n$' + '1'.repeat(70000), ProtocolError.TooBigBulkCount],
      ['x'.repeat(70000), ProtocolError.TooBigInline],
    ];
    for (const [input, code] of cases) {
      const sc = s.newRequestScanner();
      const buf = bytes(input);
      assert.equal(sc.scan(buf, 0, buf.length, false), 1, JSON.stringify(input.slice(0, 20)));
      assert.equal(s.requestRecords[R.REQ_HEADER + R.R_CMD], R.CMD_PROTOCOL_ERROR);
      assert.equal(s.requestRecords[R.REQ_HEADER + R.R_ARGC], code, JSON.stringify(input.slice(0, 20)));
    }
    const auth: [string, ProtocolError][] = [
      ['*11\r\n', ProtocolError.UnauthMultibulk],
      ['*1\r\n$16385\r\n', ProtocolError.UnauthBulk],
    ];
    for (const [input, code] of auth) {
      const sc = s.newRequestScanner();
      const buf = bytes(input);
      assert.equal(sc.scan(buf, 0, buf.length, true), 1);
      assert.equal(s.requestRecords[R.REQ_HEADER + R.R_ARGC], code);
    }
  });

  it('reply record fields sit where records.ts says (native)', () => {
    const s = scannersFor('native');
    const sc = s.newReplyScanner();
    const buf = bytes('-MOVED 1 h:1\r\n*2\r\n:1\r\n$1\r\na\r\n');
    assert.equal(sc.scan(buf), 2);
    const rec = s.replyRecords;
    assert.equal(rec[R.REP_COUNT], 2);
    assert.equal(rec[R.REP_STATUS], R.REP_DONE);
    const a = R.REP_HEADER;
    assert.equal(rec[a + R.P_END], 14);
    assert.equal(rec[a + R.P_TYPE], R.TYPE_ERROR);
    assert.equal(rec[a + R.P_REDIRECT], 1 /* Redirect.Moved */);
    assert.equal(rec[a + R.P_ELEMS], -1);
    const b = R.REP_HEADER + R.REP_RECORD;
    assert.equal(rec[b + R.P_END], buf.length);
    assert.equal(rec[b + R.P_TYPE], R.TYPE_ARRAY);
    const e = rec[b + R.P_ELEMS];
    assert.ok(e >= 0);
    assert.deepEqual(Array.from(s.replyElems.subarray(e, e + 3)), [2, 22, buf.length]);
    assert.equal(rec[a + R.P_ATTRIB], 0);
    assert.equal(rec[b + R.P_ATTRIB], 0);
  });

  it('RESP3: P_ATTRIB, and the type of the reply after the attribute (native)', () => {
    const s = scannersFor('native');
    const sc = s.newReplyScanner();
    const buf = bytes('|1\r\n+a\r\n+b\r\n%1\r\n+k\r\n!4\r\nASK \r\n');
    assert.equal(sc.scan(buf), 1);
    const rec = s.replyRecords;
    const a = R.REP_HEADER;
    assert.deepEqual(
      [rec[a + R.P_END], rec[a + R.P_TYPE], rec[a + R.P_ATTRIB], rec[a + R.P_REDIRECT]],
      [buf.length, R.TYPE_MAP, 12, 0],
    );
    assert.deepEqual(Array.from(s.replyElems.subarray(rec[a + R.P_ELEMS], rec[a + R.P_ELEMS] + 3)), [2, 20, buf.length]);
  });
});

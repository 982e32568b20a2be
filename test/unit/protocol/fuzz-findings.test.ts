// Behaviour pinned down after the fuzz findings (native/fuzz/crashes/README.md), for both kinds
// of scanner.
import assert from 'node:assert/strict';
import { encodeSpecs, specProblem } from '../../../lib/commands/key-spec';
import { CommandTable, mergeCommandInfos } from '../../../lib/commands/table';
import { ReplyReader } from '../../../lib/protocol/reply-reader';
import { REQ_HEADER, R_NKEYS, R_SLOT } from '../../../lib/protocol/records';
import { createJsScanners, createScanners, type Scanners } from '../../../lib/protocol/scanners';

const table = new CommandTable(mergeCommandInfos(null));

for (const kind of ['native', 'js'] as const) {
  describe(`fuzz findings, fixed (${kind})`, function () {
    let s: Scanners;
    before(function () {
      s = kind === 'native' ? createScanners('native') : createJsScanners('test');
      s.registerCommands(table.scannerRows());
    });

    it('EVAL with numkeys 2^63-1 finds no keys (no overflow)', function () {
      const buf = Buffer.from('*3\r\n$4\r\nEVAL\r\n$1\r\ns\r\n$19\r\n9223372036854775807\r\n');
      assert.equal(s.newRequestScanner().scan(buf, 0, buf.length, false), 1);
      assert.equal(s.requestRecords[REQ_HEADER + R_NKEYS], 0);
      assert.equal(s.requestRecords[REQ_HEADER + R_SLOT], -1);
    });

    it('a deep reply with a bulk length of 2^63-1 is a protocol error', function () {
      const reader = new ReplyReader(s.newReplyScanner(), s);
      let failed = false;
      reader.push(Buffer.from('*1\r\n'.repeat(9) + '$9223372036854775807\r\n'), {
        onReply: () => assert.fail('no reply expected'),
        onProtocolError: () => (failed = true),
      });
      assert.equal(failed, true);
    });

    it('a keynum spec with a negative keynumidx is refused at registration', function () {
      const spec = { flags: [], begin: { type: 'index' as const, pos: 1 }, find: { type: 'keynum' as const, keynumidx: -3, firstkey: 1, keystep: 1 } };
      assert.match(String(specProblem(spec)), /keynumidx/);
      assert.throws(() => s.registerCommands([...table.scannerRows(), { id: table.rows.length, name: 'bogus', parentId: 0, arity: -2, wantKeys: false, specs: [spec] }]));
      s.registerCommands(table.scannerRows());
      assert.equal(encodeSpecs([spec]).ints[4], -3);
    });
  });
}

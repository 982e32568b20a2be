// Each Scanners object is a proxy's own: its command table, limits and record arrays are not
// shared with another in the same process, native or JS (two embedded proxies may front
// clusters with different commands and limits).
import assert from 'node:assert/strict';
import { loadNative } from '../../../lib/protocol/native';
import { CMD_PROTOCOL_ERROR } from '../../../lib/protocol/records';
import { createJsScanners, createScanners, type Scanners } from '../../../lib/protocol/scanners';
import { cmd, commandId, COMMAND_TABLE, scanOnce } from './helpers';

const all = COMMAND_TABLE.scannerRows();
const withoutEcho = all.filter((r) => r.name !== 'echo');
const limits = { maxMultibulk: 1024 * 1024, maxBulk: 512 * 1024 * 1024, maxInline: 64 * 1024, unauthMultibulk: 10, unauthBulk: 16384 };

function make(kind: 'native' | 'js'): Scanners {
  return kind === 'native' ? createScanners('native') : createJsScanners('unit test');
}

for (const [first, second] of [
  ['native', 'native'],
  ['native', 'js'],
  ['js', 'native'],
] as const) {
  describe(`two scanner sets in one process (${first}, then ${second})`, function () {
    it('each resolves commands against its own table', function () {
      const a = make(first);
      const b = make(second);
      a.registerCommands(all);
      b.registerCommands(withoutEcho);
      const echo = cmd('ECHO', 'hi');
      assert.equal(scanOnce(a, echo).records[0].cmd, commandId('echo'));
      assert.equal(scanOnce(b, echo).records[0].cmd, 0, 'unknown where it was not registered');
      a.registerCommands(all);
      assert.equal(scanOnce(b, echo).records[0].cmd, 0, "registering a's table again leaves b's");
      b.registerCommands(all);
      assert.equal(scanOnce(b, echo).records[0].cmd, commandId('echo'));
      a.registerCommands(withoutEcho);
      assert.equal(scanOnce(b, echo).records[0].cmd, commandId('echo'), "clearing a's table leaves b's");
    });

    it('each has its own limits and record arrays', function () {
      const a = make(first);
      const b = make(second);
      a.registerCommands(all);
      b.registerCommands(all);
      a.setLimits({ ...limits, maxBulk: 10 });
      b.setLimits(limits);
      const set = cmd('SET', 'k', 'x'.repeat(20));
      const inA = scanOnce(a, set).records;
      assert.equal(inA.length, 1);
      assert.equal(inA[0].cmd, CMD_PROTOCOL_ERROR, 'a protocol error under its own 10-byte limit');
      const inB = scanOnce(b, set).records;
      assert.equal(inB[0].cmd, commandId('set'), 'b keeps its 512 MB limit');
      assert.notEqual(a.requestRecords, b.requestRecords);
      assert.equal(scanOnce(a, set).records[0].cmd, CMD_PROTOCOL_ERROR, "b's scan did not write into a's records");
    });
  });
}

describe('native scanner sets', function () {
  it('a scanner needs the set it belongs to', function () {
    const addon = loadNative().addon!;
    const New = addon.RequestScanner as unknown as new (...args: unknown[]) => unknown;
    assert.throws(() => new New(), /a scanner needs its ScannerSet/);
    assert.throws(() => new New({}), /a scanner needs its ScannerSet/);
    const Reply = addon.ReplyScanner as unknown as new (...args: unknown[]) => unknown;
    assert.throws(() => new Reply(new Int32Array(4)), /a scanner needs its ScannerSet/);
    const Set = addon.ScannerSet as unknown as new (...args: unknown[]) => unknown;
    assert.throws(() => new Set(new Int32Array(4)), /four Int32Arrays/);
  });
});

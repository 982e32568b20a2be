import assert from 'node:assert/strict';
import { ReadPolicy } from '../../../lib/commands/access';
import { CommandTable, mergeCommandInfos } from '../../../lib/commands/table';
import { ClientReads, mayWrite, policyAfter } from '../../../lib/proxy/client-reads';

describe('a client’s reads (lib/proxy/client-reads.ts)', function () {
  it('READONLY reads from replicas, READWRITE from masters, RESET as the setting says', function () {
    const cases: [ReadPolicy, ReadPolicy, ReadPolicy, ReadPolicy][] = [
      // setting, after READONLY, after READWRITE, after RESET
      [ReadPolicy.Master, ReadPolicy.Replica, ReadPolicy.Master, ReadPolicy.Master],
      [ReadPolicy.PreferMaster, ReadPolicy.Replica, ReadPolicy.Master, ReadPolicy.PreferMaster],
      [ReadPolicy.Replica, ReadPolicy.Replica, ReadPolicy.Master, ReadPolicy.Replica],
      [ReadPolicy.PreferReplica, ReadPolicy.PreferReplica, ReadPolicy.Master, ReadPolicy.PreferReplica],
      [ReadPolicy.Any, ReadPolicy.Any, ReadPolicy.Master, ReadPolicy.Any],
    ];
    for (const [setting, readonly, readwrite, reset] of cases) {
      assert.deepEqual([policyAfter('readonly', setting), policyAfter('readwrite', setting), policyAfter('default', setting)], [readonly, readwrite, reset]);
    }
  });

  it('counts what may write until it is answered; the answer sets the round a replica must reach', function () {
    const rows = new CommandTable(mergeCommandInfos(null)).rows;
    const id = (name: string): number => rows.findIndex((r) => r?.name === name);
    assert.deepEqual(['set', 'eval', 'exec', 'get', 'ping', 'info'].map((n) => mayWrite(rows, id(n))), [true, true, true, false, false, false]);
    assert.equal(mayWrite(rows, 0), false, 'an unknown command or a protocol error (an inline command counts by its own row)');
    assert.equal(mayWrite(rows, -1), false, 'no command (a pub/sub message)');
    const reads = new ClientReads(ReadPolicy.Replica, 2, 0);
    reads.answered(7);
    assert.deepEqual([reads.pending, reads.round], [1, 7]);
  });
});

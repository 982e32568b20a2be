import assert from 'node:assert/strict';
import { Access, READ_POLICIES, ReadPolicy, readPolicyOf } from '../../../lib/commands/access';
import { CommandTable, mergeCommandInfos } from '../../../lib/commands/table';

describe('command access (what read routing and read-your-writes need of a row)', function () {
  const table = new CommandTable(mergeCommandInfos(null));
  const rows: [string, Access, boolean][] = [
    // readonly, routed by keys: a replica may serve them
    ['get', Access.Read, false],
    ['mget', Access.Read, false],
    ['exists', Access.Read, false],
    ['eval_ro', Access.Read, false],
    ['fcall_ro', Access.Read, false],
    ['sort_ro', Access.Read, false],
    ['xread', Access.Read, false], // without BLOCK; with it, a dedicated connection to the master
    // writes
    ['set', Access.Write, true],
    ['mset', Access.Write, true],
    ['blpop', Access.Write, true],
    ['function|load', Access.Write, true],
    // may write without the flag: scripts, transactions
    ['eval', Access.Other, true],
    ['evalsha', Access.Other, true],
    ['fcall', Access.Other, true],
    ['exec', Access.Other, true],
    // neither: readonly but keyless or whole-cluster, or answered by the proxy
    ['dbsize', Access.Other, false],
    ['keys', Access.Other, false],
    ['scan', Access.Other, false],
    ['ping', Access.Other, false],
    ['info', Access.Other, false],
    ['readonly', Access.Other, false],
    ['publish', Access.Other, false],
  ];
  for (const [name, access, mayWrite] of rows) {
    it(`${name}: access ${access}, ${mayWrite ? 'may write' : 'writes nothing'}`, function () {
      const row = table.get(name)!;
      assert.equal(row.access, access);
      assert.equal(row.mayWrite, mayWrite);
    });
  }

  it('read policies by name, in ReadPolicy order', function () {
    assert.deepEqual(READ_POLICIES.map(readPolicyOf), [ReadPolicy.Master, ReadPolicy.PreferMaster, ReadPolicy.Replica, ReadPolicy.PreferReplica, ReadPolicy.Any]);
    assert.throws(() => readPolicyOf('slave'), /unknown read policy "slave"/);
  });
});

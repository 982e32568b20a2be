import assert from 'node:assert/strict';
import { KEY_PROCS } from '../../lib/commands/key-procs';
import { CommandTable, mergeCommandInfos } from '../../lib/commands/table';

const keysOf = (cmd: string[]): string[] => {
  const args = cmd.map((a) => Buffer.from(a));
  return KEY_PROCS[cmd[0].toLowerCase()]!(args).map((i) => cmd[i]);
};

describe("per-command key functions (Redis's getkeys_proc)", function () {
  it('SORT: the key and the last STORE target, skipping LIMIT/GET/BY arguments', function () {
    assert.deepEqual(keysOf(['SORT', 'k']), ['k']);
    assert.deepEqual(keysOf(['SORT', 'k', 'STORE', 'dst']), ['k', 'dst']);
    assert.deepEqual(keysOf(['SORT', 'k', 'BY', 'store', 'GET', 'x']), ['k'], 'BY takes "store" as its pattern');
    assert.deepEqual(keysOf(['SORT', 'k', 'LIMIT', '0', '10', 'store', 'a', 'STORE', 'b']), ['k', 'b']);
    assert.deepEqual(keysOf(['SORT', 'k', 'STORE']), ['k'], 'STORE without a target');
  });

  it('SORT_RO: only the key', function () {
    assert.deepEqual(keysOf(['SORT_RO', 'k', 'BY', 'x']), ['k']);
  });

  it('MIGRATE: argument 3, or the keys after KEYS when argument 3 is empty', function () {
    assert.deepEqual(keysOf(['MIGRATE', 'h', '1', 'key', '0', '5000']), ['key']);
    assert.deepEqual(keysOf(['MIGRATE', 'h', '1', '', '0', '5000', 'KEYS', 'a', 'b']), ['a', 'b']);
    assert.deepEqual(keysOf(['MIGRATE', 'h', '1', '', '0', '5000', 'AUTH2', 'keys', 'pw', 'COPY', 'KEYS', 'a']), ['a'], 'AUTH2 arguments are skipped');
    assert.deepEqual(keysOf(['MIGRATE', 'h', '1', 'x', '0', '5000', 'KEYS', 'a']), [], 'KEYS with a non-empty key is a syntax error: no keys');
  });

  it('the table routes these rows through the function, not the fast path', function () {
    const table = new CommandTable(mergeCommandInfos(null));
    for (const name of Object.keys(KEY_PROCS)) {
      const row = table.get(name)!;
      assert.equal(row.fastPath, false, name);
      assert.deepEqual(row.specs, [], `${name}: the scanner must not guess from incomplete specs`);
    }
    assert.equal(table.get('get')!.fastPath, true);
  });
});

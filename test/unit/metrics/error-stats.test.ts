import assert from 'node:assert/strict';
import { CommandStats } from '../../../lib/metrics/command-stats';
import { countReplyErrors, errorPrefix, errorStatLines } from '../../../lib/metrics/error-stats';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

describe('errorstats', function () {
  it('takes the prefix as Redis does: up to the first space within 32 bytes, else ERR', function () {
    const prefix = (line: string): string => errorPrefix(b(line), 0, line.length);
    assert.equal(prefix('-WRONGTYPE Operation against a key\r\n'), 'WRONGTYPE');
    assert.equal(prefix('-ERR unknown command\r\n'), 'ERR');
    assert.equal(prefix('-NOGROUP x\r\n'), 'NOGROUP');
    assert.equal(prefix('-NOSPACEATALL\r\n'), 'ERR');
    // the space must be within the first 32 bytes of the line ('-' included)
    assert.equal(prefix(`-${'A'.repeat(30)} x\r\n`), 'A'.repeat(30));
    assert.equal(prefix(`-${'A'.repeat(31)} x\r\n`), 'ERR');
    assert.equal(prefix('- leading space\r\n'), '');
    // a range inside a bigger buffer
    const buf = b('+OK\r\n-MOVED 1 a:1\r\n');
    assert.equal(errorPrefix(buf, 5, buf.length), 'MOVED');
  });

  it('counts an error reply, and for EXEC each error among its elements', function () {
    const codes = new Map<string, number>();
    assert.equal(countReplyErrors(codes, b('-WRONGTYPE x\r\n'), 0, 14, false), 0);
    const exec = b('*5\r\n+OK\r\n-ERR value is not an integer\r\n*2\r\n$1\r\na\r\n-WRONGTYPE in array\r\n$-1\r\n-WRONGTYPE Operation\r\n');
    assert.equal(countReplyErrors(codes, exec, 0, exec.length, true), 2);
    // the nested array's elements are not commands of the transaction
    assert.deepEqual([...codes].sort(), [['ERR', 1], ['WRONGTYPE', 2]]);
    // not EXEC: array elements are not counted
    assert.equal(countReplyErrors(codes, exec, 0, exec.length, false), 0);
    assert.equal(countReplyErrors(codes, b('*-1\r\n'), 0, 5, true), 0);
  });

  it('RESP3: blob errors, and EXEC replies whose elements are maps, sets, doubles, nulls', function () {
    const codes = new Map<string, number>();
    assert.equal(countReplyErrors(codes, b('!13\r\nNOPERM x\r\ny\r\n'), 0, 20, false), 0);
    const exec = b('*6\r\n%1\r\n$1\r\na\r\n-ERR in map\r\n~1\r\n-ERR in set\r\n,1.5\r\n_\r\n!11\r\nWRONGTYPE x\r\n-ERR top\r\n');
    assert.equal(countReplyErrors(codes, exec, 0, exec.length, true), 2);
    assert.deepEqual([...codes].sort(), [['ERR', 1], ['NOPERM', 1], ['WRONGTYPE', 1]]);
  });

  it('CommandStats keeps total_error_replies in step and sorts lines bytewise', function () {
    const stats = new CommandStats(3, 2);
    const err = b('-NOGROUP gone\r\n');
    stats.record(1, true, 1);
    stats.countErrors(1, err, 0, -1);
    const exec = b('*2\r\n-ERR a\r\n-Zed b\r\n');
    stats.record(2, false, 1);
    stats.countErrors(2, exec, 0, exec.length);
    assert.equal(stats.totalErrors, 3);
    assert.deepEqual(errorStatLines(stats.errorCodes), [
      ['errorstat_ERR', 'count=1'],
      ['errorstat_NOGROUP', 'count=1'],
      ['errorstat_Zed', 'count=1'],
    ]);
    stats.reset();
    assert.equal(stats.errorCodes.size, 0);
  });
});

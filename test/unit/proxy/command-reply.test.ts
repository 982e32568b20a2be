import assert from 'node:assert/strict';
import RedisParser from 'redis-parser';
import { commandCount, commandInfoReply, commandList } from '../../../lib/proxy/command-reply';
import { parseCommandReply } from '../../../lib/commands/command-info';
import { CommandTable, mergeCommandInfos } from '../../../lib/commands/table';

/** Decodes one RESP2 reply, as a client would. */
function decode(buf: Buffer): unknown {
  let out: unknown;
  const parser = new RedisParser({ returnReply: (r: unknown) => (out = r), returnError: (e: Error) => (out = e), returnBuffers: false });
  parser.execute(buf);
  return out;
}

describe('COMMAND answered from the command table', function () {
  const table = new CommandTable(mergeCommandInfos(null));

  it('COMMAND lists every top-level command once, the proxy’s own included, and COUNT agrees', function () {
    const all = decode(commandInfoReply(table, null)) as unknown[][];
    assert.equal(all.length, commandCount(table));
    const names = all.map((e) => String(e[0]));
    assert.equal(new Set(names).size, names.length);
    assert.ok(names.includes('proxy') && names.includes('get'));
    // HTTP "commands" are refused by closing the connection: Redis does not list them either
    assert.ok(!names.includes('post') && !names.includes('host:'));
  });

  it('COMMAND INFO: entries in Redis’s shape, nil for unknown names, subcommands by name', function () {
    const [get, nosuch, cfg, cluster] = decode(commandInfoReply(table, ['GET', 'nosuch', 'config|get', 'cluster'])) as unknown[][];
    assert.deepEqual(get.slice(0, 8), ['get', 2, ['readonly', 'fast'], 1, 1, 1, ['@read', '@string', '@fast'], []]);
    assert.deepEqual((get[8] as unknown[][])[0].slice(2), ['begin_search', ['type', 'index', 'spec', ['index', 1]], 'find_keys', ['type', 'range', 'spec', ['lastkey', 0, 'keystep', 1, 'limit', 0]]]);
    assert.equal(nosuch, null);
    assert.equal(cfg[0], 'config|get');
    assert.ok((cluster[9] as unknown[][]).some((s) => s[0] === 'cluster|myshardid'));
    // flags and ACL categories are simple strings, as Redis sends them in RESP2
    assert.match(commandInfoReply(table, ['get']).toString('latin1'), /\*2\r\n\+readonly\r\n\+fast\r\n/);
  });

  it('an entry the cluster sent is answered as it was sent (key spec flags keep their case, notes stay)', function () {
    const raw = [
      [
        'set', -3, ['write', 'denyoom'], 1, 1, 1, ['@write', '@string', '@slow'], [],
        [['notes', 'RW and ACCESS due to the optional `GET` argument', 'flags', ['RW', 'access', 'update', 'variable_flags'], 'begin_search', ['type', 'index', 'spec', ['index', 1]], 'find_keys', ['type', 'range', 'spec', ['lastkey', 0, 'keystep', 1, 'limit', 0]]]],
        [],
      ],
    ];
    const live = new CommandTable(mergeCommandInfos(parseCommandReply(raw)));
    const bytes = commandInfoReply(live, ['set']).toString('latin1');
    assert.match(bytes, /\$5\r\nnotes\r\n\$48\r\nRW and ACCESS/);
    assert.match(bytes, /\*4\r\n\+RW\r\n\+access\r\n\+update\r\n\+variable_flags\r\n/);
    assert.deepEqual(decode(commandInfoReply(live, ['set'])), raw);
  });

  it('COMMAND LIST with FILTERBY PATTERN (case-insensitive), ACLCAT, MODULE; syntax errors', function () {
    assert.deepEqual(commandList(table, ['FILTERBY', 'PATTERN', 'PROXY|T*']), ['proxy|topology']);
    assert.deepEqual([...commandList(table, ['filterby', 'aclcat', 'hyperloglog'])!].sort(), ['pfadd', 'pfcount', 'pfdebug', 'pfmerge', 'pfselftest']);
    assert.deepEqual(commandList(table, ['FILTERBY', 'MODULE', 'search']), []);
    assert.equal(commandList(table, ['FILTERBY']), null);
    assert.equal(commandList(table, ['FILTERBY', 'nope', 'x']), null);
    assert.equal(commandList(table, ['foo']), null);
    assert.ok(commandList(table, [])!.includes('config|get'));
  });
});

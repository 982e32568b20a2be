import assert from 'node:assert/strict';
import { mergeMasterInfos, mergeValues } from '../../../lib/metrics/masters-info';

const info = (sections: Record<string, string[]>): string =>
  Object.entries(sections)
    .map(([title, lines]) => `# ${title}\r\n${lines.map((l) => `${l}\r\n`).join('')}`)
    .join('\r\n');

describe('INFO merged from the masters', function () {
  it('merges each field by its rule', function () {
    assert.equal(mergeValues('keyspace_hits', ['3', '4']), '7');
    assert.equal(mergeValues('connected_slaves', ['1', '0', '2']), '0');
    assert.equal(mergeValues('rdb_last_save_time', ['1700000005', '1700000001']), '1700000001');
    assert.equal(mergeValues('rdb_last_bgsave_status', ['ok', 'err', 'ok']), 'err');
    assert.equal(mergeValues('rdb_last_bgsave_status', ['ok', 'ok']), 'ok');
    assert.equal(mergeValues('maxmemory_policy', ['noeviction', 'noeviction']), 'noeviction');
    assert.equal(mergeValues('maxmemory_policy', ['noeviction', 'allkeys-lru', 'noeviction']), 'noeviction,allkeys-lru');
    assert.equal(mergeValues('maxmemory', ['100', '200']), '300');
    assert.equal(mergeValues('maxmemory', ['100', '0']), '0');
    // unnamed fields: the largest number, printed with the masters' decimals
    assert.equal(mergeValues('current_fork_perc', ['0.00', '12.50']), '12.50');
    assert.equal(mergeValues('loading', ['0', '1']), '1');
    assert.equal(mergeValues('mystery', ['a', 'b']), 'a,b');
  });

  it('keeps the masters’ field order, keyspace summed, modules of the first, a replid of all', function () {
    const a = info({
      Persistence: ['loading:0', 'rdb_changes_since_last_save:2', 'aof_enabled:1'],
      Replication: ['role:master', 'connected_slaves:1', 'master_replid:aaa', 'master_repl_offset:100'],
      Modules: ['module:name=search,ver=1'],
      Keyspace: ['db0:keys=1,expires=0,avg_ttl=0'],
    });
    const b = info({
      Persistence: ['loading:1', 'loading_eta_seconds:5', 'rdb_changes_since_last_save:3', 'aof_enabled:0'],
      Replication: ['role:master', 'connected_slaves:2', 'master_replid:bbb', 'master_repl_offset:50'],
      Keyspace: ['db0:keys=2,expires=0,avg_ttl=0'],
    });
    const m = mergeMasterInfos([a, b], 3);
    assert.equal(m.asked, 3);
    assert.equal(m.answered, 2);
    assert.deepEqual(m.sections.get('persistence'), ['loading', 'rdb_changes_since_last_save', 'aof_enabled', 'loading_eta_seconds']);
    assert.equal(m.fields.get('loading'), '1');
    assert.equal(m.fields.get('loading_eta_seconds'), '5');
    assert.equal(m.fields.get('rdb_changes_since_last_save'), '5');
    assert.equal(m.fields.get('aof_enabled'), '0');
    assert.equal(m.fields.get('connected_slaves'), '1');
    assert.equal(m.fields.get('master_repl_offset'), '150');
    assert.deepEqual(m.keyspace, ['db0:keys=3,expires=0,avg_ttl=0']);
    assert.deepEqual(m.modules, ['module:name=search,ver=1']);
    assert.match(m.replid, /^[0-9a-f]{40}$/);
    assert.notEqual(mergeMasterInfos([a, a]).replid, m.replid);
  });
});

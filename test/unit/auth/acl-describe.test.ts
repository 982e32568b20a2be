// Users described as Redis 7.0 describes them (ACL GETUSER, ACL LIST), against the Redis 7.0
// command table snapshot; the expected texts are what a Redis 7.0.15 answered for the same rules
// (single commands in the table's order: Redis's own order changes with every start). The
// integration test acl-commands compares with a live Redis for every user of the ACL matrix.
import assert from 'node:assert/strict';
import { describeChannels, describeCommands, describeKeys, describeUser, userFlags } from '../../../lib/auth/acl-describe';
import { resolveUser } from '../../../lib/auth/acl-commands';
import { parseUsersFile, type User } from '../../../lib/auth/users';
import { CommandTable, mergeCommandInfos } from '../../../lib/commands/table';

const table = new CommandTable(mergeCommandInfos(null));

function user(rules: string): User {
  const u = parseUsersFile(`user u ${rules}`).get('u')!;
  resolveUser(u, table);
  return u;
}

describe('users described as Redis 7.0 describes them', function () {
  it('commands: +@all or -@all, the categories that fit best, then single commands and first arguments', function () {
    const cases: [string, string][] = [
      ['+@all', '+@all'],
      ['', '-@all'],
      ['+@all -@dangerous', '+@all -@dangerous'],
      ['+@all -@admin +config|get -get', '+@all -@admin +config|get -get'],
      ['-@all +get +set +config|get +select|0', '-@all +config|get +get +select|0 +set'],
      ['+@all -client +client|getname +client|id -config +config|get -object +object|encoding -flushall', '+@all -client +client|getname +client|id -config +config|get -flushall -object +object|encoding'],
      ['-@all +@read +@connection +@transaction', '-@all +@read +@connection +@transaction'],
      ['+@all -@all +get', '-@all +get'],
      ['-@all +@all -get', '+@all -get'],
      ['allcommands', '+@all'],
      ['nocommands', '-@all'],
      ['-@all +@pubsub +ping', '-@all +@pubsub +ping'],
    ];
    for (const [rules, expected] of cases) assert.equal(describeCommands(user(`on ${rules}`).root, table), expected, rules);
  });

  it('keys and channels as GETUSER gives them, patterns merged as Redis keeps them', function () {
    const u = user('on %R~r:* %W~w:* ~foo* %R~both %W~both resetchannels &news.* &a');
    assert.equal(describeKeys(u.root), '%R~r:* %W~w:* ~foo* ~both');
    assert.equal(describeChannels(u.root), '&news.* &a');
    assert.equal(describeKeys(user('on allkeys').root), '~*');
    assert.equal(describeChannels(user('on allchannels').root), '&*');
    assert.equal(describeKeys(user('on').root), '');
  });

  it('ACL LIST lines: flags, hashes, keys, channels, commands, selectors', function () {
    const hash = '6624974ea2baffac164422e4490376c1c31313cd97724ae8ce62fb3f0a0370f2';
    assert.equal(describeUser(user('on >alicepw ~foo* &news +@all -@dangerous'), table), `user u on #${hash} ~foo* resetchannels &news +@all -@dangerous`);
    assert.equal(describeUser(user('on nopass ~* &* +@all'), table), 'user u on nopass ~* &* +@all');
    assert.equal(
      describeUser(user('on nopass ~foo* +get (~bar* +set) (&news.* +publish)'), table),
      'user u on nopass ~foo* resetchannels -@all +get (~bar* resetchannels -@all +set) (resetchannels &news.* -@all +publish)',
    );
    assert.deepEqual(userFlags(user('on >x reset on')), ['on', 'sanitize-payload']);
    assert.deepEqual(userFlags(user('skip-sanitize-payload')), ['off', 'skip-sanitize-payload']);
  });
});

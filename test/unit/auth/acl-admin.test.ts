// ACL SETUSER and DELUSER on the proxy's users (no network): a new set of users each time, all
// rules applied or none, Redis's errors. The comparison with a live Redis is in
// test/integration/acl-commands-admin.test.ts.
import assert from 'node:assert/strict';
import { delUsers, setUser } from '../../../lib/auth/acl-admin';
import { Authenticator, parseUsersFile } from '../../../lib/auth/users';
import { CommandTable, mergeCommandInfos } from '../../../lib/commands/table';

const table = new CommandTable(mergeCommandInfos(null));

function auth(): Authenticator {
  const a = new Authenticator(parseUsersFile('user default on nopass ~* &* +@all\nuser bob on >bobpw ~b:* +get'));
  a.resolve(table);
  return a;
}

describe('ACL SETUSER and DELUSER', function () {
  it('SETUSER changes a copy: the users in force stay as they were', function () {
    const before = auth();
    const after = setUser(before, table, 'resetchannels', 'bob', ['+set', '~c:*']);
    assert.ok(after instanceof Authenticator);
    assert.equal(before.users.get('bob')!.root.keys.length, 1);
    assert.deepEqual(after.users.get('bob')!.root.keys.map((k) => k.text), ['b:*', 'c:*']);
    assert.ok(after.check('bob', Buffer.from('bobpw')));
  });

  it('SETUSER applies all its rules or none, with the modifier that failed', function () {
    const before = auth();
    assert.equal(setUser(before, table, 'resetchannels', 'bob', ['+set', '+nosuch']), "ERR Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL");
    assert.equal(setUser(before, table, 'resetchannels', 'bob', ['(~x', '+nosuch)']), "ERR Error in ACL SETUSER modifier '(~x +nosuch)': Unknown command or category name in ACL");
    assert.equal(setUser(before, table, 'resetchannels', 'bob', ['(~x', '+get']), "ERR Unmatched parenthesis in acl selector starting at '(~x'.");
    assert.equal(setUser(before, table, 'resetchannels', 'a b', []), "ERR Usernames can't contain spaces or null characters");
    assert.equal(before.users.get('bob')!.root.commandRules.length, 1);
  });

  it('SETUSER creates a user that is off and may do nothing until told', function () {
    const after = setUser(auth(), table, 'resetchannels', 'new', []) as Authenticator;
    const u = after.users.get('new')!;
    assert.equal(u.enabled, false);
    assert.equal(u.root.allowed!.size, 0);
  });

  it('DELUSER counts the users it deleted and never deletes default', function () {
    const before = auth();
    assert.equal(delUsers(before, ['bob', 'default']), "ERR The 'default' user cannot be removed");
    const after = delUsers(before, ['bob', 'nosuch']);
    assert.ok(typeof after !== 'string');
    assert.equal(after.deleted, 1);
    assert.deepEqual([...after.auth.users.keys()], ['default']);
    assert.ok(before.users.has('bob'));
  });
});

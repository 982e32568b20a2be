// The users file rules and the permission checks, against the Redis 7.0 command table snapshot
// (no network). The end-to-end comparison with Redis is test/integration/acl-differential.
import assert from 'node:assert/strict';
import { AclChecker } from '../../../lib/auth/acl-check';
import { handshakeTimeoutMs, MAX_HANDSHAKE_MS } from '../../../lib/auth/tls-handshakes';
import { nodeUser, NODE_USER_PREFIX } from '../../../lib/auth/node-users';
import { Authenticator, parseUsersFile, type User } from '../../../lib/auth/users';
import { applyUsers } from '../../../lib/proxy/users-reload';
import { CommandTable, mergeCommandInfos } from '../../../lib/commands/table';
import type { SessionInfo } from '../../../lib/proxy/context';

const table = new CommandTable(mergeCommandInfos(null));

function users(text: string, pubsub: 'resetchannels' | 'allchannels' = 'resetchannels'): Map<string, User> {
  const map = parseUsersFile(text, 'users.acl', pubsub);
  const auth = Object.assign(Object.create(Authenticator.prototype) as Authenticator, { users: map });
  auth.resolve(table);
  return map;
}

/** The NOPERM error for `args` run by the only user of `rules`, or null. */
function check(rules: string, args: string[], acl = new AclChecker()): string | null {
  const u = users(`user u on nopass ${rules}`).get('u')!;
  const row = table.get(args[1] && table.get(`${args[0]}|${args[1]}`.toLowerCase()) ? `${args[0]}|${args[1]}` : args[0])!;
  return acl.denied(u, row, args.map((a) => Buffer.from(a)));
}

const KEYS = /keys used as arguments/;
const CHANNELS = /channels used as arguments/;
const COMMAND = /no permissions to run the/;

describe('users file', function () {
  it("refuses what Redis refuses, with Redis's words and the line", function () {
    const bad: [string, RegExp][] = [
      ['user a on ~* ~foo', /users.acl:1: Adding a pattern after the \* pattern \(or the 'allkeys' flag\)/],
      ['user a on &* &x', /Adding a pattern after the \* pattern \(or the 'allchannels' flag\)/],
      ['user a on <nosuch', /The password you are trying to remove from the user does not exist/],
      ['user a on #ABC', /The password hash must be exactly 64 characters/],
      ['user a on %X~k', /Syntax error/],
      ['user a on +config|', /Syntax error/],
      ['user a on (~x +get', /Unmatched parenthesis/],
      ['user a on\nuser a off', /users.acl:2: Duplicate user 'a'/],
      ['user a on bogus', /Syntax error/],
    ];
    for (const [text, re] of bad) assert.throws(() => users(text), re, text);
    const unresolved: [string, RegExp][] = [
      ['user a on +nosuch', /Error in applying operation '\+nosuch': Unknown command or category name in ACL/],
      ['user a on +@nosuch', /Unknown command or category name/],
      ['user a on -select|0', /Unknown command or category name/],
      ['user a on +config|get|x', /Allowing first-arg of a subcommand is not supported/],
    ];
    for (const [text, re] of unresolved) assert.throws(() => users(text), re, text);
  });

  it('passwords: >, #, <, nopass, resetpass, reset; off users cannot log in', function () {
    const map = users(
      ['user a on >one >two <one', 'user b on nopass', 'user c off >x', `user d on #${'a'.repeat(64)} resetpass >three`, 'user e on >x reset on >y'].join('\n'),
    );
    const auth = Object.assign(Object.create(Authenticator.prototype) as Authenticator, { users: map });
    assert.equal(auth.check('a', Buffer.from('one')), null);
    assert.equal(auth.check('a', Buffer.from('two'))?.name, 'a');
    assert.equal(auth.check('b', Buffer.from('anything'))?.name, 'b');
    assert.equal(auth.check('c', Buffer.from('x')), null);
    assert.equal(auth.check('d', Buffer.from('three'))?.name, 'd');
    assert.equal(auth.check('e', Buffer.from('x')), null);
    assert.equal(auth.check('e', Buffer.from('y'))?.name, 'e');
  });

  it('a users file without default gets Redis\'s default user (every channel, whatever the pub/sub default)', function () {
    const auth = new Authenticator('', '');
    auth.resolve(table);
    assert.equal(auth.users.get('default')!.unrestricted, true);
    assert.equal(auth.required, false);
    assert.equal(new Authenticator('pw', '').required, true);
  });
});

describe('permission checks', function () {
  it('commands: categories, containers and their subcommands, first arguments; AUTH and HELLO always', function () {
    assert.equal(check('~* &* -@all +@read', ['GET', 'k']), null);
    assert.match(check('~* &* -@all +@read', ['SET', 'k', 'v'])!, /run the 'set' command/);
    assert.equal(check('~* &* -@all +config', ['CONFIG', 'GET', 'x']), null);
    assert.match(check('~* &* +@all -config +config|get', ['CONFIG', 'SET', 'x', 'y'])!, /'config\|set'/);
    assert.equal(check('~* &* +@all -config +config|get', ['CONFIG', 'GET', 'x']), null);
    assert.equal(check('~* &* -@all +select|0', ['SELECT', '0']), null);
    assert.match(check('~* &* -@all +select|0', ['SELECT', '1'])!, COMMAND);
    assert.equal(check('~* &* -@all +select|0 +select|1', ['SELECT', '1']), null, 'first arguments add up');
    assert.equal(check('~* &* nocommands', ['AUTH', 'u', 'p']), null);
    assert.equal(check('~* &* nocommands', ['HELLO', '2']), null);
    assert.match(check('~* &* nocommands', ['PING'])!, COMMAND);
  });

  it('keys: patterns, %R~ and %W~ by what the command does with each key', function () {
    const rw = '%R~r:* %W~w:* ~both:* &* +@all';
    assert.equal(check(rw, ['GET', 'r:1']), null);
    assert.match(check(rw, ['GET', 'w:1'])!, KEYS);
    assert.equal(check(rw, ['SET', 'w:1', 'v']), null, 'SET only writes');
    assert.match(check(rw, ['SET', 'w:1', 'v', 'GET'])!, KEYS, 'SET ... GET also reads');
    assert.equal(check(rw, ['BITFIELD', 'r:1', 'GET', 'u8', '0']), null);
    assert.match(check(rw, ['BITFIELD', 'r:1', 'SET', 'u8', '0', '1'])!, KEYS);
    assert.equal(check(rw, ['LMOVE', 'both:a', 'both:b', 'LEFT', 'RIGHT']), null);
    assert.match(check(rw, ['LMOVE', 'r:a', 'w:b', 'LEFT', 'RIGHT'])!, KEYS, 'LMOVE also writes its source');
    assert.equal(check(rw, ['SORT', 'r:1', 'STORE', 'w:1']), null);
    assert.equal(check(rw, ['EXISTS', 'w:1']), null, 'EXISTS neither reads nor writes the value');
    assert.match(check('~foo* &* +@all', ['MSET', 'foo1', 'a', 'bar', 'b'])!, KEYS);
    assert.equal(check('~foo* &* +@all', ['ZUNIONSTORE', 'foo:d', '2', 'foo:a', 'foo:b']), null);
    assert.match(check('~foo* &* +@all', ['ZUNIONSTORE', 'foo:d', '2', 'foo:a', 'bar'])!, KEYS);
    assert.match(check('~foo* &* +@all', ['XREAD', 'STREAMS', 'foo', 'bar', '0', '0'])!, KEYS);
    assert.match(check('~foo* &* +@all', ['MIGRATE', 'h', '1', '', '0', '10', 'KEYS', 'foo', 'bar'])!, KEYS);
    assert.equal(check('resetkeys &* +@all', ['SPUBLISH', 'ch', 'm']), null, "SPUBLISH's channel is not a key");
  });

  it('channels: SUBSCRIBE/PUBLISH match the patterns, PSUBSCRIBE patterns match literally, UNSUBSCRIBE is free', function () {
    const rules = '~* &news.* &lit[ab] +@all';
    assert.equal(check(rules, ['PUBLISH', 'news.1', 'm']), null);
    assert.equal(check(rules, ['PUBLISH', 'lita', 'm']), null);
    assert.match(check(rules, ['SUBSCRIBE', 'news.1', 'other'])!, CHANNELS);
    assert.equal(check(rules, ['PSUBSCRIBE', 'news.*']), null);
    assert.match(check(rules, ['PSUBSCRIBE', 'news.1'])!, CHANNELS);
    assert.match(check(rules, ['PSUBSCRIBE', '*'])!, CHANNELS);
    assert.equal(check(rules, ['UNSUBSCRIBE', 'other']), null);
    assert.match(check('~* +@all', ['SSUBSCRIBE', 'x'])!, CHANNELS, 'resetchannels is the default');
    const lax = users('user u on nopass ~* +@all', 'allchannels').get('u')!;
    assert.equal(lax.unrestricted, true, 'with acl-pubsub-default allchannels');
  });

  it('selectors: allowed when one of them allows it all; the error is the worst of them', function () {
    const rules = '~foo* +get (~bar* +set) (&ch +publish)';
    assert.equal(check(rules, ['GET', 'foo1']), null);
    assert.equal(check(rules, ['SET', 'bar1', 'v']), null);
    assert.match(check(rules, ['SET', 'foo1', 'v'])!, KEYS);
    assert.match(check(rules, ['GET', 'bar1'])!, KEYS);
    assert.equal(check(rules, ['PUBLISH', 'ch', 'm']), null);
    assert.match(check(rules, ['PUBLISH', 'other', 'm'])!, CHANNELS);
    assert.match(check(rules, ['DEL', 'foo1'])!, COMMAND);
  });

  it('scripts: refused for users with any rule, unless run on the nodes as the user', function () {
    const eval1 = ['EVAL', 'return 1', '0'];
    assert.match(check('~* +@all', eval1)!, /slotproxy cannot see which keys.*SLOTPROXY_ACL_SCRIPTS=cluster/);
    assert.match(check('~k &* +@all', ['FCALL', 'f', '1', 'k'])!, /slotproxy cannot see/);
    assert.equal(check('~* &* +@all', eval1), null, 'no rules: nothing to hide');
    assert.match(check('~* &* +@all -eval', eval1)!, /run the 'eval' command/, 'command rules first');
    assert.equal(check('~* &* -@all +script|load', ['SCRIPT', 'LOAD', 'return 1']), null, 'loading runs nothing');
    const acl = new AclChecker();
    acl.scriptsAsUser = true;
    assert.equal(check('~* +@all', eval1, acl), null);
    const u = users('user u on nopass ~* +@all').get('u')!;
    assert.equal(acl.runsAsUser(u, table.get('eval')!), true);
    assert.equal(acl.runsAsUser(u, table.get('get')!), false);
  });
});

describe('node users (SLOTPROXY_ACL_SCRIPTS=cluster)', function () {
  it('the rules without passwords and proxy-only commands, the pub/sub default restated, a password bound to the rules', function () {
    const map = users('user a on >pw ~k* +@all -proxy +get reset on ~x* +get\nuser b off >pw ~* +@all');
    const a = nodeUser(map.get('a')!, 'resetchannels', 'secret');
    assert.equal(a.name, `${NODE_USER_PREFIX}a`);
    assert.deepEqual(a.rules.slice(0, -1), ['reset', 'resetchannels', '~k*', '+@all', '+get', 'reset', 'resetchannels', '~x*', '+get', '+asking', 'on']);
    assert.equal(a.rules.at(-1), `>${a.password}`);
    assert.equal(nodeUser(map.get('a')!, 'resetchannels', 'secret').password, a.password, 'the same for every proxy');
    assert.notEqual(nodeUser(map.get('a')!, 'allchannels', 'secret').password, a.password, 'other rules, other password');
    assert.notEqual(nodeUser(map.get('a')!, 'resetchannels', 'other').password, a.password);
    assert.equal(nodeUser(map.get('b')!, 'resetchannels', 'secret').rules.at(-2), 'off');
  });
});

describe('reloaded users and open connections', function () {
  it('removed and switched-off users are closed, subscribers whose channels changed too, the rest take the new rules', function () {
    const before = users(['user a on >p ~* &* +@all', 'user b on >p ~* +@all', 'user c on >p ~* &x +@all', 'user d on >p ~* &x +@all', 'user e on >p ~* &x +@all'].join('\n'));
    const after = users(['user a on >q ~a* &* +@all', 'user c off >p ~* &x +@all', 'user d on >p ~* &y +@all', 'user e on >p ~k* &x +@all'].join('\n'));
    const closed: string[] = [];
    const session = (name: string, flags = 'N'): SessionInfo => {
      const s = { user: before.get(name)!, flags, closeNow: () => closed.push(name) } as unknown as SessionInfo;
      return s;
    };
    const sessions = [session('a'), session('b'), session('c'), session('d', 'P'), session('e', 'P'), { user: null, flags: 'N', closeNow: () => closed.push('anonymous') } as unknown as SessionInfo];
    const auth = Object.assign(Object.create(Authenticator.prototype) as Authenticator, { users: after });
    assert.equal(applyUsers(sessions, auth), 3);
    assert.deepEqual(closed, ['b', 'c', 'd']);
    assert.equal(sessions[0].user, after.get('a'));
    assert.equal(sessions[4].user, after.get('e'));
  });

  it('TLS handshakes: SLOTPROXY_TIMEOUT bounds them, never beyond 10 s', function () {
    assert.equal(handshakeTimeoutMs(0), MAX_HANDSHAKE_MS);
    assert.equal(handshakeTimeoutMs(2), 2000);
    assert.equal(handshakeTimeoutMs(300), MAX_HANDSHAKE_MS);
  });
});

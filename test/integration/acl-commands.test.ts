// Issue 25 item 6. ACL commands a client may use about itself and the users are answered by the
// proxy from its own users, as a Redis loaded with the same file answers them; the ones that
// change users are refused clearly (not sent to a node, where they would act on the nodes'
// users) unless admin commands are on (acl-commands-admin.test.ts).
import assert from 'node:assert/strict';
import { EXTRA_COMMANDS, EXTRA_SUBCOMMANDS } from '../../lib/commands/policies';
import { respCommands, type RespValue } from '../../lib/localcluster/resp-client';
import { aclPairFor, getuserNormalized, normalized, runAs, showReply } from '../harness/acl-pair';
import { sharedCluster } from '../harness/mocha-hooks';
import { exchange } from '../harness/raw-client';
import { frames } from '../harness/resp-frames';
import { USERS as MATRIX_USERS, usersLines } from './acl-matrix';

const USERS = ['user default on >secret ~* &* +@all', 'user alice on >alicepw ~foo* &news +@all -@dangerous', 'user admin on >adminpw ~* &* +@all'];

async function asUser(port: number, user: string, password: string, cmds: string[][]): Promise<RespValue[]> {
  const replies = await respCommands('127.0.0.1', port, [['AUTH', user, password], ...cmds], { timeoutMs: 10_000 });
  return replies.slice(1);
}

describe('ACL commands answered by the proxy (issue 25 item 6)', function () {
  this.timeout(120_000);
  const pair = aclPairFor(USERS);

  it('ACL WHOAMI names the user the client logged in as', async function () {
    assert.equal(await runAs(pair().proxy.port, 'alice', ['ACL', 'WHOAMI']), '"alice"');
    assert.equal(await runAs(pair().proxy.port, 'admin', ['ACL', 'WHOAMI']), '"admin"');
  });

  it('ACL GETUSER and ACL DRYRUN answer about the proxy\'s users, as Redis does', async function () {
    for (const cmd of [
      ['ACL', 'GETUSER', 'alice'],
      ['ACL', 'DRYRUN', 'alice', 'GET', 'bar'],
      ['ACL', 'DRYRUN', 'alice', 'GET', 'foo1'],
      ['ACL', 'USERS'],
    ]) {
      const [mine, theirs] = await pair().both('admin', cmd);
      assert.equal(mine, theirs, cmd.join(' '));
    }
  });

  it('in RESP3, ACL GETUSER is a map (flags a set, selectors maps) and ACL LOG a list of maps, byte for byte as Redis writes them', async function () {
    const input = 'HELLO 3 AUTH admin adminpw\r\nACL GETUSER alice\r\nACL GETUSER nobody\r\nACL LOG RESET\r\nAUTH alice wrong\r\nACL LOG 1\r\n';
    // what differs between any two servers: the entry's age and the client's description
    const masked = (b: Buffer): string => b.toString('latin1').replace(/,[0-9.e+-]+\r\n/, ',AGE\r\n').replace(/\$\d+\r\nid=[^\r]*\r\n/, '$CLIENT\r\n');
    const replies = async (port: number): Promise<string[]> => {
      const { data } = await exchange(port, input);
      return frames(data).slice(1, 6).map(([start, end]) => masked(data.subarray(start, end)));
    };
    const [mine, theirs] = await Promise.all([replies(pair().proxy.port), replies(pair().redis.port)]);
    assert.match(theirs[0], /^%6\r\n\$5\r\nflags\r\n~/, 'Redis 7.0 writes GETUSER as a map');
    assert.match(theirs[4], /^\*1\r\n%7\r\n/, 'and LOG as a list of maps');
    assert.deepEqual(mine, theirs);
  });

  it('ACL SETUSER and DELUSER are refused, naming SLOTPROXY_ADMIN_COMMANDS, and reach no node', async function () {
    const reply = await runAs(pair().proxy.port, 'admin', ['ACL', 'SETUSER', 'mallory', 'on', '>x', '~*', '+@all']);
    assert.match(reply, /^-ERR .*SLOTPROXY_ADMIN_COMMANDS/);
    const cluster = await sharedCluster();
    for (const node of cluster.nodes) assert.doesNotMatch(await cluster.cli(node, 'ACL', 'USERS'), /mallory/);
  });

  it('inside MULTI, ACL is refused too, never queued to a node', async function () {
    const replies = await asUser(pair().proxy.port, 'admin', 'adminpw', [['MULTI'], ['ACL', 'SETUSER', 'mallory', 'on', '>x', '~*', '+@all'], ['ACL', 'WHOAMI'], ['EXEC']]);
    assert.match(showReply(replies[1]), /^-ERR slotproxy: ACL SETUSER inside MULTI is not supported/);
    assert.match(showReply(replies[3]), /^-EXECABORT /);
    const cluster = await sharedCluster();
    for (const node of cluster.nodes) assert.doesNotMatch(await cluster.cli(node, 'ACL', 'USERS'), /mallory/);
  });

  it('ACL LOAD, SAVE and DELUSER are refused too, saying what they would do', async function () {
    for (const cmd of [['ACL', 'DELUSER', 'alice'], ['ACL', 'LOAD'], ['ACL', 'SAVE']]) {
      const reply = await runAs(pair().proxy.port, 'admin', cmd);
      assert.match(reply, new RegExp(`^-ERR ACL ${cmd[1]} is turned off in slotproxy: it would .*SLOTPROXY_ADMIN_COMMANDS=yes$`), cmd.join(' '));
    }
    assert.equal(await runAs(pair().proxy.port, 'alice', ['ACL', 'WHOAMI']), '"alice"', 'alice is still there');
  });

  it('ACL DRYRUN: every verdict and error as Redis gives it', async function () {
    for (const cmd of [
      ['FLUSHALL'], ['CONFIG', 'GET', 'x'], ['CONFIG', 'SET', 'x', 'y'], ['PUBLISH', 'chan', 'x'], ['PUBLISH', 'news', 'x'],
      ['SUBSCRIBE', 'news', 'other'], ['PSUBSCRIBE', 'news*'], ['MGET', 'foo1', 'bar', 'baz'], ['SET', 'foo1', 'v'],
      ['GET'], ['CONFIG'], ['CONFIG', 'NOSUCH'], ['NOSUCH', 'x'], ['CLIENT', 'LIST'], ['ACL', 'WHOAMI'],
    ]) {
      const [mine, theirs] = await pair().both('admin', ['ACL', 'DRYRUN', 'alice', ...cmd]);
      assert.equal(mine, theirs, `ACL DRYRUN alice ${cmd.join(' ')}`);
    }
    const [mine, theirs] = await pair().both('admin', ['ACL', 'DRYRUN', 'nobody', 'GET', 'x']);
    assert.equal(mine, theirs);
    // a script Redis would run and check inside: the proxy says it refuses it, and why
    assert.match(await runAs(pair().proxy.port, 'admin', ['ACL', 'DRYRUN', 'alice', 'EVAL', 'return 1', '0']), /slotproxy cannot see which keys/);
  });

  it('ACL CAT: the categories, and each category\'s commands (those only the proxy has besides)', async function () {
    const [mine, theirs] = await pair().both('admin', ['ACL', 'CAT']);
    assert.equal(mine, theirs);
    const proxyOnly = new Set([...EXTRA_COMMANDS.flatMap((c) => [c.name, ...c.subcommands.map((s) => s.name)]), ...Object.values(EXTRA_SUBCOMMANDS).flat().map((s) => s.name)]);
    for (const category of JSON.parse(theirs) as string[]) {
      const [m, t] = await pair().both('admin', ['ACL', 'CAT', category.toUpperCase()]);
      const redis = new Set(JSON.parse(t) as string[]);
      const proxy = new Set(JSON.parse(m) as string[]);
      for (const name of redis) assert.ok(proxy.has(name), `${category}: ${name}`);
      for (const name of proxy) assert.ok(redis.has(name) || proxyOnly.has(name), `${category}: ${name} is not Redis's`);
    }
    for (const cmd of [['ACL', 'CAT', 'nosuch'], ['ACL', 'CAT', 'read', 'write']]) {
      const [m, t] = await pair().both('admin', cmd);
      assert.equal(m, t, cmd.join(' '));
    }
  });

  it('ACL GENPASS: random hex of the bits asked, Redis\'s errors', async function () {
    const [a, b] = await asUser(pair().proxy.port, 'admin', 'adminpw', [['ACL', 'GENPASS'], ['ACL', 'GENPASS']]);
    assert.match(String(a), /^[0-9a-f]{64}$/);
    assert.notEqual(a, b);
    assert.match(await runAs(pair().proxy.port, 'admin', ['ACL', 'GENPASS', '5']), /^"[0-9a-f]{2}"$/);
    for (const cmd of [['ACL', 'GENPASS', '0'], ['ACL', 'GENPASS', '4097'], ['ACL', 'GENPASS', 'x'], ['ACL', 'GENPASS', '1', '2']]) {
      const [m, t] = await pair().both('admin', cmd);
      assert.equal(m, t, cmd.join(' '));
    }
  });

  it('ACL LOG: refusals and failed logins, grouped and counted as Redis does', async function () {
    const script = (port: number): Promise<RespValue[]> =>
      respCommands('127.0.0.1', port, [['AUTH', 'alice', 'wrong'], ['AUTH', 'alice', 'alicepw'], ['GET', 'bar'], ['GET', 'bar'], ['FLUSHALL'], ['PUBLISH', 'chan', 'x'], ['MULTI'], ['GET', 'bar'], ['DISCARD']], { timeoutMs: 10_000 });
    const view = (entry: RespValue): Record<string, RespValue> => {
      const e = entry as RespValue[];
      const o: Record<string, RespValue> = {};
      for (let i = 0; i < e.length; i += 2) o[String(e[i])] = e[i + 1];
      return o;
    };
    const entries: Record<string, RespValue>[][] = [];
    for (const port of [pair().proxy.port, pair().redis.port]) {
      await asUser(port, 'admin', 'adminpw', [['ACL', 'LOG', 'RESET']]);
      await script(port);
      const [log] = await asUser(port, 'admin', 'adminpw', [['ACL', 'LOG']]);
      entries.push((log as RespValue[]).map(view));
    }
    const [mine, theirs] = entries;
    // the client's user and command, from client-info (whose other fields differ: fd, qbuf ...)
    const who = (e: Record<string, RespValue>): string => / cmd=\S+ user=\S+ /.exec(String(e['client-info']))?.[0] ?? String(e['client-info']);
    const essentials = (e: Record<string, RespValue>): string => [...['count', 'reason', 'context', 'object', 'username'].map((k) => String(e[k])), who(e)].join(' ');
    assert.deepEqual(mine.map(essentials), theirs.map(essentials));
    for (const e of mine) {
      assert.deepEqual(Object.keys(e), ['count', 'reason', 'context', 'object', 'username', 'age-seconds', 'client-info']);
      assert.match(String(e['age-seconds']), /^\d+(\.\d+)?$/);
      assert.match(String(e['client-info']), /^id=\d+ addr=127\.0\.0\.1:\d+ laddr=/);
    }
    const [one, none, bad] = await asUser(pair().proxy.port, 'admin', 'adminpw', [['ACL', 'LOG', '1'], ['ACL', 'LOG', '-1'], ['ACL', 'LOG', 'x']]);
    assert.equal((one as RespValue[]).length, 1);
    assert.deepEqual(none, []);
    assert.equal(showReply(bad), '-ERR value is not an integer or out of range');
  });
});

describe('ACL GETUSER and LIST describe every user as Redis does (issue 25 item 6)', function () {
  this.timeout(120_000);
  const pair = aclPairFor(usersLines());

  it('each user of the differential test\'s file, root rules and selectors', async function () {
    for (const u of MATRIX_USERS) {
      const [[mine], [theirs]] = await Promise.all([pair().proxy.port, pair().redis.port].map((port) => asUser(port, 'default', 'defaultpw', [['ACL', 'GETUSER', u.name]])));
      assert.deepEqual(getuserNormalized(mine), getuserNormalized(theirs), `ACL GETUSER ${u.name}`);
    }
    const [[mine], [theirs]] = await Promise.all([pair().proxy.port, pair().redis.port].map((port) => asUser(port, 'default', 'defaultpw', [['ACL', 'LIST'], ['ACL', 'USERS'], ['ACL', 'GETUSER', 'nobody']])));
    assert.deepEqual((mine as string[]).map(normalized), (theirs as string[]).map(normalized));
    const [users, nobody] = (await asUser(pair().proxy.port, 'default', 'defaultpw', [['ACL', 'USERS'], ['ACL', 'GETUSER', 'nobody']])) as RespValue[];
    assert.deepEqual(users, MATRIX_USERS.map((u) => u.name).sort());
    assert.equal(nobody, null);
  });
});

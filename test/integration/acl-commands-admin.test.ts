// Issue 25 item 6, with SLOTPROXY_ADMIN_COMMANDS=yes: ACL SETUSER, DELUSER, SAVE and LOAD act on
// the proxy's own users as Redis's act on its own (same replies, same errors, the connections of
// deleted users closed), and never on the nodes'.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { respCommands, type RespValue } from '../../lib/localcluster/resp-client';
import { aclPairFor, getuserNormalized, runAs, showReply } from '../harness/acl-pair';
import { sharedCluster } from '../harness/mocha-hooks';
import { startProxy } from '../harness/proxy';
import { until } from '../harness/wait';

const USERS = ['user default on >defaultpw ~* &* +@all', 'user alice on >alicepw ~foo* &news +@all -@dangerous'];

/** Commands as default on a fresh connection: their replies as text. */
async function asDefault(port: number, cmds: string[][]): Promise<string[]> {
  const replies = await respCommands('127.0.0.1', port, [['AUTH', 'default', 'defaultpw'], ...cmds], { timeoutMs: 10_000 });
  return replies.slice(1).map((r: RespValue) => showReply(r));
}

/** A connection logged in as `user`, and whether it was closed. */
async function loggedIn(port: number, user: string, password: string): Promise<{ socket: net.Socket; closed: () => boolean }> {
  const socket = net.connect({ port, host: '127.0.0.1' });
  let closed = false;
  socket.on('close', () => (closed = true));
  socket.on('error', () => {});
  await new Promise<void>((resolve) => {
    socket.once('data', () => resolve());
    socket.write(`AUTH ${user} ${password}\r\n`);
  });
  return { socket, closed: () => closed };
}

/** Sends `text` and resolves with all the server wrote until it closed the connection. */
function untilClosed(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    let got = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`not closed; got ${JSON.stringify(got)}`));
    }, 10_000);
    socket.on('data', (d) => (got += d.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
    socket.write(text);
  });
}

describe('ACL SETUSER, DELUSER, SAVE and LOAD with admin commands on (issue 25 item 6)', function () {
  this.timeout(120_000);
  const pair = aclPairFor(USERS, { SLOTPROXY_ADMIN_COMMANDS: 'yes' });
  const both = async (cmds: string[][]): Promise<[string[], string[]]> => [await asDefault(pair().proxy.port, cmds), await asDefault(pair().redis.port, cmds)];

  it('SETUSER creates and changes users as Redis does, all rules or none, with Redis\'s errors', async function () {
    const [mine, theirs] = await both([
      ['ACL', 'SETUSER', 'bob', 'on', '>bobpw', '~bob:*', '+get', '+set'],
      ['ACL', 'SETUSER', 'bob', '%R~shared:*', '(~other:*', '+hget)', 'resetchannels', '&chan'],
      ['ACL', 'SETUSER', 'bad user'],
      ['ACL', 'SETUSER', 'x', '+nosuch'],
      ['ACL', 'SETUSER', 'x', '(+nosuch ~x)'],
      ['ACL', 'SETUSER', 'x', '~*', '~x'],
      ['ACL', 'SETUSER', 'x', '(~a'],
      ['ACL', 'SETUSER', 'x', '#abc'],
      ['ACL', 'SETUSER', 'x', '+config|get|x'],
      ['ACL', 'SETUSER', 'x', '<nopw'],
      ['ACL', 'SETUSER', 'bob', 'on', '+nosuch'],
      ['ACL', 'GETUSER', 'x'],
      ['ACL', 'USERS'],
    ]);
    assert.deepEqual(mine, theirs);
    const [[bob], [redisBob]] = await Promise.all([pair().proxy.port, pair().redis.port].map((port) => respCommands('127.0.0.1', port, [['AUTH', 'default', 'defaultpw'], ['ACL', 'GETUSER', 'bob']]).then((r) => r.slice(1))));
    assert.deepEqual(getuserNormalized(bob), getuserNormalized(redisBob));
    assert.equal(await runAs(pair().proxy.port, 'bob', ['SET', 'bob:1', 'v']), '"OK"');
    assert.match(await runAs(pair().proxy.port, 'bob', ['GET', 'foo']), /^-NOPERM /);
    const cluster = await sharedCluster();
    for (const node of cluster.nodes) assert.doesNotMatch(await cluster.cli(node, 'ACL', 'USERS'), /bob/, 'the nodes\' users are not touched');
  });

  it('DELUSER deletes users and closes their connections; the default user stays', async function () {
    await both([['ACL', 'SETUSER', 'carol', 'on', '>carolpw', '+@all', '~*']]);
    const carol = await loggedIn(pair().proxy.port, 'carol', 'carolpw');
    const alice = await loggedIn(pair().proxy.port, 'alice', 'alicepw');
    const [mine, theirs] = await both([['ACL', 'DELUSER', 'default'], ['ACL', 'DELUSER', 'carol', 'nosuch'], ['ACL', 'USERS']]);
    assert.deepEqual(mine, theirs);
    await until(carol.closed, 'carol\'s connection is closed');
    assert.equal(alice.closed(), false);
    alice.socket.destroy();
    const [auth] = await respCommands('127.0.0.1', pair().proxy.port, [['AUTH', 'carol', 'carolpw']], { timeoutMs: 10_000 });
    assert.equal(showReply(auth), '-WRONGPASS invalid username-password pair or user is disabled.');
  });

  it('a client that deletes its own user gets the reply, then is closed, as in Redis', async function () {
    await both([['ACL', 'SETUSER', 'dan', 'on', '>danpw', '+@all', '~*']]);
    const sent = 'AUTH dan danpw\r\nACL DELUSER dan\r\nPING\r\n';
    const [mine, theirs] = await Promise.all([pair().proxy.port, pair().redis.port].map((port) => untilClosed(port, sent)));
    assert.equal(mine, theirs);
    assert.equal(mine, '+OK\r\n:1\r\n');
  });

  it('SAVE writes the users to the users file as ACL LIST shows them; LOAD reads it back', async function () {
    const proxy = pair().proxy.port;
    await asDefault(proxy, [['ACL', 'SETUSER', 'erin', 'on', '>erinpw', '~e:*', '+@read']]);
    const [list, saved] = await asDefault(proxy, [['ACL', 'LIST'], ['ACL', 'SAVE']]);
    assert.equal(saved, '"OK"');
    const file = pair().users.file;
    assert.deepEqual(fs.readFileSync(file, 'latin1').trimEnd().split('\n'), JSON.parse(list));
    // a user not saved is gone after LOAD; the saved one is back
    const [, loaded, users] = await asDefault(proxy, [['ACL', 'SETUSER', 'frank', 'on', 'nopass'], ['ACL', 'LOAD'], ['ACL', 'USERS']]);
    assert.equal(loaded, '"OK"');
    assert.deepEqual(JSON.parse(users), ['alice', 'bob', 'default', 'erin']);
    assert.equal(await runAs(proxy, 'erin', ['ACL', 'WHOAMI']), '-NOPERM this user has no permissions to run the \'acl|whoami\' command');
    // a file Redis would refuse: nothing changes
    const good = fs.readFileSync(file, 'latin1');
    fs.writeFileSync(file, good + 'user broken on +nosuchcommand\n');
    try {
      const [failed, after] = await asDefault(proxy, [['ACL', 'LOAD'], ['ACL', 'USERS']]);
      assert.match(failed, /^-ERR .*nosuchcommand.*WARNING: ACL errors detected, no change to the previously active ACL rules was performed$/);
      assert.deepEqual(JSON.parse(after), ['alice', 'bob', 'default', 'erin']);
    } finally {
      fs.writeFileSync(file, good);
    }
  });

  it('without a users file, LOAD and SAVE say what they need', async function () {
    const proxy = await startProxy((await sharedCluster()).seeds(), { SLOTPROXY_ADMIN_COMMANDS: 'yes' });
    try {
      const [load, save] = (await respCommands('127.0.0.1', proxy.port, [['ACL', 'LOAD'], ['ACL', 'SAVE']], { timeoutMs: 10_000 })).map(showReply);
      assert.equal(load, '-ERR ACL LOAD needs a users file, and slotproxy has none: set SLOTPROXY_USERS_FILE');
      assert.equal(save, '-ERR ACL SAVE needs a users file, and slotproxy has none: set SLOTPROXY_USERS_FILE');
    } finally {
      await proxy.stop();
    }
  });
});

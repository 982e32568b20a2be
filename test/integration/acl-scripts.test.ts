// Scripts and functions run inside the server, out of the proxy's sight: by default a user with
// key, command or channel rules may not run them (NOPERM saying why), so a script cannot read,
// write or delete keys outside the user's patterns, run commands the user may not, or publish
// where it may not. Users without rules (and the default user) run them as before.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { sharedCluster } from '../harness/mocha-hooks';
import { startProxy, type RunningProxy } from '../harness/proxy';

const USERS = [
  'user default on >secret ~* &* +@all',
  // the example
  'user ivan on >ivanpw ~foo* +get +eval +evalsha +fcall +multi +exec +script|load',
  'user plain on >plainpw ~* +@all',
  'user free on >freepw ~* &* +@all',
];

const READ_OTHER = "return redis.call('get', 'bar{x}')";
const WRITE_OTHER = "return redis.call('set', 'bar{x}', 'changed')";
const DEL_OTHER = "return redis.call('del', 'bar{x}')";
const LIBRARY = "#!lua name=scripts_acl\nredis.register_function('readother', function(keys, args) return redis.call('get', 'bar{x}') end)";

describe('ACL: scripts and functions of restricted users', function () {
  this.timeout(120_000);
  let dir: string;
  let file: string;
  let proxy: RunningProxy;
  let admin: Redis;
  const clients: Redis[] = [];
  const as = (user: string): Redis => {
    const c = new Redis({ port: proxy.port, host: '127.0.0.1', username: user, password: `${user}pw`, enableReadyCheck: false });
    clients.push(c);
    return c;
  };

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slotproxy-scripts-'));
    file = path.join(dir, 'users.acl');
    fs.writeFileSync(file, USERS.join('\n') + '\n');
    proxy = await startProxy((await sharedCluster()).seeds(), { SLOTPROXY_USERS_FILE: file });
    admin = new Redis({ port: proxy.port, host: '127.0.0.1', password: 'secret' });
    await admin.set('bar{x}', 'secret');
    await admin.set('foo{x}', 'mine');
    await admin.call('FUNCTION', 'LOAD', 'REPLACE', LIBRARY);
  });

  after(async function () {
    for (const c of clients) c.disconnect();
    admin?.disconnect();
    await proxy?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("a script cannot read, write or delete keys outside the user's patterns", async function () {
    const ivan = as('ivan');
    const refused = /NOPERM slotproxy cannot see which keys, commands and channels a script or function uses.*'eval'.*SLOTPROXY_ACL_SCRIPTS=cluster/;
    await assert.rejects(ivan.eval(READ_OTHER, 1, 'foo{x}'), refused);
    await assert.rejects(ivan.eval(WRITE_OTHER, 1, 'foo{x}'), refused);
    await assert.rejects(ivan.eval(DEL_OTHER, 1, 'foo{x}'), refused);
    assert.equal(await admin.get('bar{x}'), 'secret', 'bar{x} neither changed nor deleted');
    const sha = (await ivan.call('SCRIPT', 'LOAD', READ_OTHER)) as string;
    await assert.rejects(ivan.evalsha(sha, 1, 'foo{x}'), /NOPERM slotproxy cannot see .*'evalsha'/);
    await assert.rejects(ivan.call('FCALL', 'readother', '1', 'foo{x}'), /NOPERM slotproxy cannot see .*'fcall'/);
    // the command rules come first, with Redis's own error
    await assert.rejects(ivan.call('EVAL_RO', READ_OTHER, '1', 'foo{x}'), /NOPERM this user has no permissions to run the 'eval_ro' command/);
    assert.equal(await ivan.get('foo{x}'), 'mine', 'the rest works as before');
  });

  it('inside MULTI the script is refused when queued, and EXEC aborts', async function () {
    const ivan = as('ivan');
    const replies = await ivan.multi().get('foo{x}').eval(WRITE_OTHER, 1, 'foo{x}').exec().catch((e: Error) => e);
    assert.ok(replies instanceof Error && /EXECABORT/.test(replies.message), String(replies));
    assert.equal(await admin.get('bar{x}'), 'secret');
  });

  it('a user limited only in channels is refused too (a script could publish anywhere)', async function () {
    await assert.rejects(as('plain').eval('return 1', 0), /NOPERM slotproxy cannot see/);
  });

  it('users without key, command or channel rules run scripts and functions as before', async function () {
    const free = as('free');
    assert.equal(await free.eval(READ_OTHER, 1, 'foo{x}'), 'secret');
    assert.equal(await free.call('FCALL', 'readother', '1', 'foo{x}'), 'secret');
    assert.equal(await admin.eval(READ_OTHER, 1, 'foo{x}'), 'secret');
  });

  it('with SLOTPROXY_ACL_PUBSUB_DEFAULT=allchannels a user without channel rules is not restricted in channels', async function () {
    const other = await startProxy((await sharedCluster()).seeds(), { SLOTPROXY_USERS_FILE: file, SLOTPROXY_ACL_PUBSUB_DEFAULT: 'allchannels' });
    const c = new Redis({ port: other.port, host: '127.0.0.1', username: 'plain', password: 'plainpw' });
    try {
      assert.equal(await c.eval(READ_OTHER, 1, 'foo{x}'), 'secret');
      assert.equal(await c.publish('anywhere', 'x'), 0);
    } finally {
      c.disconnect();
      await other.stop();
    }
  });
});

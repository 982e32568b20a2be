// Scripts and functions run inside the server, out of the proxy's sight: by default a user with
// key, command or channel rules may not run them (NOPERM saying why), so a script cannot read,
// write or delete keys outside the user's patterns, run commands the user may not, or publish
// where it may not. Users without rules (and the default user) run them as before.
import assert from 'node:assert/strict';
import Redis from 'ioredis';
import { parseAddress } from '../../lib/cluster/cluster-slots';
import { loadConfig } from '../../lib/config';
import { keySlot } from '../../lib/protocol/crc16';
import { LocalCluster } from '../../lib/localcluster/local-cluster';
import { respCommands } from '../../lib/localcluster/resp-client';
import { usersFile } from '../harness/acl-pair';
import { sharedCluster } from '../harness/mocha-hooks';
import { startProxy, type RunningProxy } from '../harness/proxy';
import { until } from '../harness/wait';

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

/** A proxy with USERS, the keys and function the tests use, and clients logged in as its users. */
class Fixture {
  readonly users = usersFile(USERS);
  proxy!: RunningProxy;
  admin!: Redis;
  private readonly clients: Redis[] = [];

  async start(seeds: string, env: Record<string, string> = {}): Promise<void> {
    this.proxy = await startProxy(seeds, { SLOTPROXY_USERS_FILE: this.users.file, ...env });
    this.admin = this.as('default', 'secret');
    await this.admin.set('bar{x}', 'secret');
    await this.admin.set('foo{x}', 'mine');
    await this.admin.call('FUNCTION', 'LOAD', 'REPLACE', LIBRARY);
  }

  as(user: string, password = `${user}pw`): Redis {
    const c = new Redis({ port: this.proxy.port, host: '127.0.0.1', username: user, password, enableReadyCheck: false });
    this.clients.push(c);
    return c;
  }

  async stop(): Promise<void> {
    for (const c of this.clients) c.disconnect();
    await this.proxy?.stop();
    this.users.remove();
  }
}

describe('ACL: scripts and functions of restricted users', function () {
  this.timeout(120_000);
  const f = new Fixture();
  const as = (user: string): Redis => f.as(user);

  before(async function () {
    await f.start((await sharedCluster()).seeds());
  });

  after(async function () {
    await f.stop();
  });

  it("a script cannot read, write or delete keys outside the user's patterns", async function () {
    const ivan = as('ivan');
    const refused = /NOPERM slotproxy cannot see which keys, commands and channels a script or function uses.*'eval'.*SLOTPROXY_ACL_SCRIPTS=cluster/;
    await assert.rejects(ivan.eval(READ_OTHER, 1, 'foo{x}'), refused);
    await assert.rejects(ivan.eval(WRITE_OTHER, 1, 'foo{x}'), refused);
    await assert.rejects(ivan.eval(DEL_OTHER, 1, 'foo{x}'), refused);
    assert.equal(await f.admin.get('bar{x}'), 'secret', 'bar{x} neither changed nor deleted');
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
    assert.equal(await f.admin.get('bar{x}'), 'secret');
  });

  it('a user limited only in channels is refused too (a script could publish anywhere)', async function () {
    await assert.rejects(as('plain').eval('return 1', 0), /NOPERM slotproxy cannot see/);
  });

  it('users without key, command or channel rules run scripts and functions as before', async function () {
    const free = as('free');
    assert.equal(await free.eval(READ_OTHER, 1, 'foo{x}'), 'secret');
    assert.equal(await free.call('FCALL', 'readother', '1', 'foo{x}'), 'secret');
    assert.equal(await f.admin.eval(READ_OTHER, 1, 'foo{x}'), 'secret');
  });

  it('with SLOTPROXY_ACL_PUBSUB_DEFAULT=allchannels a user without channel rules is not restricted in channels', async function () {
    const other = await startProxy((await sharedCluster()).seeds(), { SLOTPROXY_USERS_FILE: f.users.file, SLOTPROXY_ACL_PUBSUB_DEFAULT: 'allchannels' });
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

describe('ACL: SLOTPROXY_ACL_SCRIPTS=cluster runs scripts of restricted users on the nodes as that user', function () {
  this.timeout(180_000);
  let cluster: LocalCluster;
  const f = new Fixture();
  const as = (user: string): Redis => f.as(user);
  /** ACL USERS of every node */
  const nodeUsers = async (): Promise<string[][]> =>
    Promise.all(cluster.nodes.map(async (n) => ((await respCommands(n.host, n.port, [['ACL', 'USERS']]))[0] as string[]).filter((u) => u.startsWith('slotproxy:')).sort()));

  before(async function () {
    cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 1 });
    await f.start(cluster.seeds(), { SLOTPROXY_ACL_SCRIPTS: 'cluster' });
  });

  after(async function () {
    await f.stop();
    await cluster?.stop();
  });

  it("every node, replicas included, holds the users file's users under slotproxy:", async function () {
    const expected = JSON.stringify(['slotproxy:default', 'slotproxy:free', 'slotproxy:ivan', 'slotproxy:plain']);
    // (the replicas join the proxy's map on a later refresh)
    await until(async () => (await nodeUsers()).every((u) => JSON.stringify(u) === expected), 'every node has the users', 30_000);
  });

  it("Redis stops what the script does outside the user's rules; the rest runs", async function () {
    const ivan = as('ivan');
    await assert.rejects(ivan.eval(READ_OTHER, 1, 'foo{x}'), /The user executing the script can't access at least one of the keys/);
    await assert.rejects(ivan.eval(WRITE_OTHER, 1, 'foo{x}'), /can't (access at least one of the keys|run this command)/);
    await assert.rejects(ivan.eval(DEL_OTHER, 1, 'foo{x}'), /can't (access at least one of the keys|run this command)/);
    await assert.rejects(ivan.call('FCALL', 'readother', '1', 'foo{x}'), /can't access at least one of the keys/);
    assert.equal(await f.admin.get('bar{x}'), 'secret', 'bar{x} neither changed nor deleted');
    assert.equal(await ivan.eval("return redis.call('get', KEYS[1])", 1, 'foo{x}'), 'mine');
    const sha = (await ivan.call('SCRIPT', 'LOAD', "return redis.call('get', KEYS[1])")) as string;
    assert.equal(await ivan.evalsha(sha, 1, 'foo{x}'), 'mine');
    await assert.rejects(as('plain').eval("return redis.call('publish', 'ch', 'x')", 0), /can't publish to the channel/);
    assert.equal(await as('plain').eval('return 1', 0), 1);
  });

  it("a client's commands around a script keep their order", async function () {
    const ivan = as('ivan');
    const p = ivan.pipeline();
    for (let i = 0; i < 50; i++) p.get('foo{x}').eval("return redis.call('get', KEYS[1])", 1, 'foo{x}');
    const replies = (await p.exec())!;
    assert.deepEqual(replies.map(([err, v]) => err?.message ?? v), Array.from({ length: 100 }, () => 'mine'));
  });

  it('inside MULTI a script of a restricted user is refused when queued', async function () {
    const ivan = as('ivan');
    const replies = await ivan.multi().get('foo{x}').eval('return 1', 0).exec().catch((e: Error) => e);
    assert.ok(replies instanceof Error && /EXECABORT/.test(replies.message), String(replies));
  });

  it('a node that lost its users gets them again on the next login', async function () {
    for (const n of cluster.nodes) await respCommands(n.host, n.port, [['ACL', 'DELUSER', 'slotproxy:ivan']]);
    assert.equal(await as('ivan').eval("return redis.call('get', KEYS[1])", 1, 'foo{x}'), 'mine');
    const { host, port } = parseAddress(f.proxy.proxy.router.slotMap.owner(keySlot(Buffer.from('foo{x}')))!);
    assert.ok(((await respCommands(host, port, [['ACL', 'USERS']]))[0] as string[]).includes('slotproxy:ivan'), 'the node that ran it has ivan again');
  });

  it('SIGHUP: the nodes get the new rules, removed users are deleted there', async function () {
    const ivan = as('ivan');
    assert.equal(await ivan.eval("return redis.call('get', KEYS[1])", 1, 'foo{x}'), 'mine');
    f.users.write([...USERS.filter((u) => !u.includes('user plain')), 'user ivan on >ivanpw ~bar* +get +eval'].filter((u) => !u.includes('~foo*')));
    f.proxy.proxy.reload(loadConfig({ SLOTPROXY_CLUSTER: cluster.seeds(), SLOTPROXY_PORT: '0', SLOTPROXY_USERS_FILE: f.users.file, SLOTPROXY_ACL_SCRIPTS: 'cluster' }, []));
    // ivan's connection stays open, under the new rules, on the proxy and on the nodes
    await assert.rejects(ivan.eval("return redis.call('get', KEYS[1])", 1, 'foo{x}'), /NOPERM this user has no permissions to access one of the keys/);
    assert.equal(await ivan.eval("return redis.call('get', KEYS[1])", 1, 'bar{x}'), 'secret');
    await assert.rejects(ivan.eval("return redis.call('get', 'foo{x}')", 1, 'bar{x}'), /can't access at least one of the keys/);
    await until(async () => (await nodeUsers()).every((u) => !u.includes('slotproxy:plain')), 'plain is deleted on every node');
  });
});

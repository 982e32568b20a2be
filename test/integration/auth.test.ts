// Client AUTH (a password, and users with command and key permissions), Redis 7's limits before
// AUTH, and credentials for a cluster that requires AUTH. Replies are compared byte for byte with
// a standalone redis-server configured the same way.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { LocalCluster, startStandalone } from '../../lib/localcluster/local-cluster';
import { command } from '../../lib/protocol/resp';
import { sharedCluster } from '../harness/mocha-hooks';
import { startProxy, type RunningProxy } from '../harness/proxy';
import { exchange } from '../harness/raw-client';

type Standalone = { port: number; stop(): Promise<void> };

describe('client authentication', function () {
  this.timeout(120_000);
  let proxy: RunningProxy;
  let standalone: Standalone;
  let usersFile: string;

  before(async function () {
    usersFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'slotproxy-users-')), 'users.acl');
    fs.writeFileSync(usersFile, ['user alice on >alicepw ~app:* +@read +@string -@dangerous', 'user bob off >bobpw +@all ~*', ''].join('\n'));
    proxy = await startProxy((await sharedCluster()).seeds(), { SLOTPROXY_PASSWORD: 'secret', SLOTPROXY_USERS_FILE: usersFile });
    standalone = await startStandalone({ extraArgs: ['--requirepass', 'secret'] });
    const admin = new Redis({ port: standalone.port, host: '127.0.0.1', password: 'secret' });
    await admin.call('ACL', 'SETUSER', 'alice', 'on', '>alicepw', '~app:*', '+@read', '+@string', '-@dangerous');
    await admin.call('ACL', 'SETUSER', 'bob', 'off', '>bobpw', '+@all', '~*');
    admin.disconnect();
  });

  after(async function () {
    await proxy?.stop();
    await standalone?.stop();
    fs.rmSync(path.dirname(usersFile), { recursive: true, force: true });
  });

  async function same(input: string | Buffer, opts: { sentinel?: boolean; quietMs?: number } = { quietMs: 300 }): Promise<string> {
    const [mine, theirs] = await Promise.all([exchange(proxy.port, input, opts), exchange(standalone.port, input, opts)]);
    assert.equal(mine.data.toString('latin1'), theirs.data.toString('latin1'), JSON.stringify(String(input).slice(0, 80)));
    assert.equal(mine.closed, theirs.closed);
    return mine.data.toString('latin1');
  }

  it('commands before AUTH get NOAUTH; a wrong password WRONGPASS; then the right one works', async function () {
    assert.equal(await same(command(['GET', 'k'])), '-NOAUTH Authentication required.\r\n');
    await same(command(['AUTH', 'nope']));
    await same(command(['AUTH', 'default', 'nope']));
    await same(Buffer.concat([command(['AUTH', 'secret']), command(['SET', 'auth:k', 'v']), command(['GET', 'auth:k'])]));
    await same(command(['AUTH', 'a', 'b', 'c']));
    await same(command(['FOO']));
  });

  it("Redis 7's limits before AUTH: 10 arguments, 16 KiB per argument", async function () {
    await same('*11\r\n', { sentinel: false });
    await same(`*2\r\n$3\r\nGET\r\n$16385\r\n`, { sentinel: false });
    await same(Buffer.concat([command(['AUTH', 'secret']), command(['MSET', ...Array.from({ length: 20 }, (_, i) => `auth:{x}${i}`)]), command(['SET', 'auth:big', 'x'.repeat(20000)])]));
  });

  it('HELLO needs authentication or its AUTH option', async function () {
    await same(command(['HELLO', '2']));
    const c = new Redis({ port: proxy.port, host: '127.0.0.1', lazyConnect: true, enableReadyCheck: false });
    await c.connect().catch(() => {});
    const reply = (await c.call('HELLO', '2', 'AUTH', 'default', 'secret')) as unknown[];
    assert.equal(reply[1], 'redis');
    assert.equal(await c.get('auth:k'), 'v');
    c.disconnect();
    await same(command(['HELLO', '2', 'AUTH', 'default', 'wrong']));
  });

  it('users: commands and keys outside their permissions get NOPERM, as Redis words it', async function () {
    const as = (cmds: (string | number)[][]): Buffer => Buffer.concat([command(['AUTH', 'alice', 'alicepw']), ...cmds.map((c) => command(c.map(String)))]);
    const reply = await same(
      as([
        ['SET', 'app:1', 'v'],
        ['GET', 'app:1'],
        ['GET', 'other:1'],
        ['MGET', 'app:1', 'other:1'],
        ['FLUSHALL'],
        ['LPUSH', 'app:list', 'x'],
        ['CLIENT', 'GETNAME'],
      ]),
    );
    assert.match(reply, /NOPERM this user has no permissions to run the 'flushall' command/);
    await same(command(['AUTH', 'bob', 'bobpw']));
  });

  it('ioredis with a password works through the proxy', async function () {
    const c = new Redis({ port: proxy.port, host: '127.0.0.1', password: 'secret' });
    assert.equal(await c.set('auth:io', 1), 'OK');
    assert.equal(await c.incr('auth:io'), 2);
    c.disconnect();
    const alice = new Redis({ port: proxy.port, host: '127.0.0.1', username: 'alice', password: 'alicepw' });
    assert.equal(await alice.get('app:1'), 'v');
    await assert.rejects(alice.get('nope:1'), /NOPERM/);
    alice.disconnect();
  });
});

describe('a cluster that requires AUTH', function () {
  this.timeout(120_000);
  let cluster: LocalCluster;
  let proxy: RunningProxy;

  before(async function () {
    cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 0, password: 'clusterpw' });
    proxy = await startProxy(cluster.seeds(), { SLOTPROXY_REDIS_PASSWORD: 'clusterpw' });
  });

  after(async function () {
    await proxy?.stop();
    await cluster?.stop();
  });

  it('every kind of backend connection authenticates: shared, dedicated, fan-out, control', async function () {
    const c = new Redis({ port: proxy.port, host: '127.0.0.1' });
    const d = new Redis({ port: proxy.port, host: '127.0.0.1' });
    try {
      await c.mset('cpw:a', 1, 'cpw:b', 2, 'cpw:c', 3);
      assert.deepEqual(await c.mget('cpw:a', 'cpw:b', 'cpw:c'), ['1', '2', '3']);
      const popped = d.blpop('cpw:list', 0);
      await c.rpush('cpw:list', 'x');
      assert.deepEqual(await popped, ['cpw:list', 'x']);
      assert.equal(await c.dbsize(), 3, 'cpw:a, cpw:b, cpw:c (the list was popped empty)');
      const stats = proxy.proxy.refresher.stats;
      const before = stats.refreshes;
      assert.ok(await proxy.proxy.refresher.refresh('test'), `a topology refresh authenticates too (last error: ${stats.lastError})`);
      assert.ok(stats.refreshes > before, 'the refresh asked for ran and was counted');
      // no refresh since start-up was refused: the periodic ones authenticate as well
      assert.equal(stats.failures, 0, `a refresh failed: ${stats.lastError}`);
    } finally {
      c.disconnect();
      d.disconnect();
    }
  });

  it('without the credentials the proxy does not start, and says why', async function () {
    await assert.rejects(startProxy(cluster.seeds()), /NOAUTH|Authentication required/);
  });
});

// Issue 25 item 6 (not done yet: these tests fail until it is). ACL commands a client may use
// about itself are answered by the proxy from its own users, as a Redis loaded with the same file
// answers them; the ones that change users are refused clearly (not sent to a node, where they
// would act on the nodes' users) unless admin commands are on.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startStandalone, type StandaloneRedis } from '../../lib/localcluster/local-cluster';
import { RespError, respCommands, type RespValue } from '../../lib/localcluster/resp-client';
import { sharedCluster } from '../harness/mocha-hooks';
import { startProxy, type RunningProxy } from '../harness/proxy';

const USERS = ['user default on >secret ~* &* +@all', 'user alice on >alicepw ~foo* &news +@all -@dangerous', 'user admin on >adminpw ~* &* +@all'];

const show = (r: RespValue): string => (r instanceof RespError ? `-${r.message}` : JSON.stringify(r));

describe('ACL commands answered by the proxy (issue 25 item 6)', function () {
  this.timeout(120_000);
  let dir: string;
  let proxy: RunningProxy;
  let redis: StandaloneRedis;

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slotproxy-aclcmd-'));
    const file = path.join(dir, 'users.acl');
    fs.writeFileSync(file, USERS.join('\n') + '\n');
    [proxy, redis] = await Promise.all([startProxy((await sharedCluster()).seeds(), { SLOTPROXY_USERS_FILE: file }), startStandalone({ extraArgs: ['--aclfile', file] })]);
  });

  after(async function () {
    await proxy?.stop();
    await redis?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function run(port: number, user: string, cmd: string[]): Promise<string> {
    const replies = await respCommands('127.0.0.1', port, [['AUTH', user, `${user}pw`], cmd], { timeoutMs: 10_000 });
    return show(replies[1]);
  }

  it('ACL WHOAMI names the user the client logged in as', async function () {
    assert.equal(await run(proxy.port, 'alice', ['ACL', 'WHOAMI']), '"alice"');
    assert.equal(await run(proxy.port, 'admin', ['ACL', 'WHOAMI']), '"admin"');
  });

  it('ACL GETUSER and ACL DRYRUN answer about the proxy\'s users, as Redis does', async function () {
    for (const cmd of [
      ['ACL', 'GETUSER', 'alice'],
      ['ACL', 'DRYRUN', 'alice', 'GET', 'bar'],
      ['ACL', 'DRYRUN', 'alice', 'GET', 'foo1'],
      ['ACL', 'USERS'],
    ]) {
      assert.equal(await run(proxy.port, 'admin', cmd), await run(redis.port, 'admin', cmd), cmd.join(' '));
    }
  });

  it('ACL SETUSER and DELUSER are refused, naming SLOTPROXY_ADMIN_COMMANDS, and reach no node', async function () {
    const reply = await run(proxy.port, 'admin', ['ACL', 'SETUSER', 'mallory', 'on', '>x', '~*', '+@all']);
    assert.match(reply, /^-ERR .*SLOTPROXY_ADMIN_COMMANDS/);
    const cluster = await sharedCluster();
    for (const node of cluster.nodes) assert.doesNotMatch(await cluster.cli(node, 'ACL', 'USERS'), /mallory/);
  });
});

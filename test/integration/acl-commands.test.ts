// Issue 25 item 6 (not done yet: these tests fail until it is). ACL commands a client may use
// about itself are answered by the proxy from its own users, as a Redis loaded with the same file
// answers them; the ones that change users are refused clearly (not sent to a node, where they
// would act on the nodes' users) unless admin commands are on.
import assert from 'node:assert/strict';
import { aclPairFor, runAs } from '../harness/acl-pair';
import { sharedCluster } from '../harness/mocha-hooks';

const USERS = ['user default on >secret ~* &* +@all', 'user alice on >alicepw ~foo* &news +@all -@dangerous', 'user admin on >adminpw ~* &* +@all'];

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

  it('ACL SETUSER and DELUSER are refused, naming SLOTPROXY_ADMIN_COMMANDS, and reach no node', async function () {
    const reply = await runAs(pair().proxy.port, 'admin', ['ACL', 'SETUSER', 'mallory', 'on', '>x', '~*', '+@all']);
    assert.match(reply, /^-ERR .*SLOTPROXY_ADMIN_COMMANDS/);
    const cluster = await sharedCluster();
    for (const node of cluster.nodes) assert.doesNotMatch(await cluster.cli(node, 'ACL', 'USERS'), /mallory/);
  });
});

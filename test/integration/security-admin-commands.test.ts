// Issue 25 item 7 (not done yet: these tests fail until it is). MIGRATE makes a master connect to
// any host and port the client names and send it data: refused unless admin commands are on.
// ROLE describes the proxy itself (a master without replicas, its offset INFO's), never the nodes'
// addresses.
import assert from 'node:assert/strict';
import net from 'node:net';
import Redis from 'ioredis';
import { startStandalone } from '../../lib/localcluster/local-cluster';
import { respCommands } from '../../lib/localcluster/resp-client';
import { sharedCluster } from '../harness/mocha-hooks';
import { startProxy, type RunningProxy } from '../harness/proxy';
import { sleep } from '../harness/wait';

describe('MIGRATE and ROLE (issue 25 item 7)', function () {
  this.timeout(120_000);
  let proxy: RunningProxy;
  let client: Redis;

  before(async function () {
    proxy = await startProxy((await sharedCluster()).seeds());
    client = new Redis({ port: proxy.port, host: '127.0.0.1' });
  });

  after(async function () {
    client?.disconnect();
    await proxy?.stop();
  });

  it('MIGRATE is refused without SLOTPROXY_ADMIN_COMMANDS, and no node connects to the target', async function () {
    const connections: net.Socket[] = [];
    const target = net.createServer((s) => connections.push(s.on('error', () => {})));
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', () => resolve()));
    try {
      await client.set('migrate:k', 'v');
      const port = (target.address() as net.AddressInfo).port;
      await assert.rejects(client.call('MIGRATE', '127.0.0.1', String(port), 'migrate:k', '0', '200'), /SLOTPROXY_ADMIN_COMMANDS/);
      await sleep(300);
      assert.equal(connections.length, 0, 'no node connected to the address the client named');
      assert.equal(await client.get('migrate:k'), 'v');
    } finally {
      for (const s of connections) s.destroy();
      target.close();
    }
  });

  it('with SLOTPROXY_ADMIN_COMMANDS=yes, MIGRATE goes to the master of its keys', async function () {
    const [admin, target] = await Promise.all([startProxy((await sharedCluster()).seeds(), { SLOTPROXY_ADMIN_COMMANDS: 'yes' }), startStandalone()]);
    const c = new Redis({ port: admin.port, host: '127.0.0.1' });
    const t = new Redis({ port: target.port, host: '127.0.0.1' });
    try {
      await c.mset('{mig}a', '1', '{mig}b', '2');
      assert.equal(await c.call('MIGRATE', '127.0.0.1', String(target.port), '', '0', '5000', 'KEYS', '{mig}a', '{mig}b'), 'OK');
      assert.deepEqual(await t.mget('{mig}a', '{mig}b'), ['1', '2']);
      assert.equal(await c.exists('{mig}a', '{mig}b'), 0);
      await assert.rejects(c.call('MIGRATE', '127.0.0.1', String(target.port), '', '0', '5000', 'KEYS', 'a', 'b'), /CROSSSLOT/);
    } finally {
      c.disconnect();
      t.disconnect();
      await Promise.all([admin.stop(), target.stop()]);
    }
  });

  it('ROLE describes the proxy as a master without replicas, with no node address', async function () {
    const cluster = await sharedCluster();
    // A Redis master's ROLE offset is its INFO master_repl_offset (0 only if no replica ever
    // attached); the proxy's INFO gives the masters' summed, so ROLE gives the same figure.
    const offset = async (): Promise<number> => Number(/master_repl_offset:(\d+)/.exec(await client.info('replication'))![1]);
    const before = await offset();
    const role = (await client.call('ROLE')) as unknown[];
    const after = await offset();
    assert.equal(role.length, 3);
    assert.equal(role[0], 'master');
    assert.deepEqual(role[2], [], 'no replicas: nothing replicates from the proxy');
    assert.ok(typeof role[1] === 'number' && role[1] >= before && role[1] <= after, `offset ${role[1]} between INFO's ${before} and ${after}`);
    assert.ok(before > 0, 'the masters have replicas: the offsets grow');
    const text = JSON.stringify(role);
    for (const n of cluster.nodes) assert.ok(!text.includes(String(n.port)), `node port ${n.port} not shown`);
  });

  it('inside MULTI, MIGRATE and ROLE are refused, not queued to a node', async function () {
    const replies = await respCommands('127.0.0.1', proxy.port, [['MULTI'], ['MIGRATE', '127.0.0.1', '1', 'migrate:k', '0', '10'], ['ROLE'], ['EXEC']], { timeoutMs: 10_000 });
    assert.match(String(replies[1]), /MIGRATE inside MULTI is not supported/);
    assert.match(String(replies[2]), /ROLE inside MULTI is not supported/);
    assert.match(String(replies[3]), /EXECABORT /);
  });
});

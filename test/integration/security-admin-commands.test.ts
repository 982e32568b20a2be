// Issue 25 item 7 (not done yet: these tests fail until it is). MIGRATE makes a master connect to
// any host and port the client names and send it data: refused unless admin commands are on.
// ROLE describes the proxy itself (a master without replicas), never the nodes' addresses.
import assert from 'node:assert/strict';
import net from 'node:net';
import Redis from 'ioredis';
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

  it('ROLE describes the proxy as a master without replicas, with no node address', async function () {
    const cluster = await sharedCluster();
    const role = (await client.call('ROLE')) as unknown[];
    assert.deepEqual(role, ['master', 0, []]);
    const text = JSON.stringify(role);
    for (const n of cluster.nodes) assert.ok(!text.includes(String(n.port)), `node port ${n.port} not shown`);
  });
});

// Blocking commands run on dedicated connections; the client's later commands wait behind them;
// a client that leaves while blocked does not leak its connection.
import assert from 'node:assert/strict';
import net from 'node:net';
import Redis from 'ioredis';
import { sharedCluster, type SharedCluster } from '../harness/mocha-hooks';
import { startProxy, type RunningProxy } from '../harness/proxy';
import { until } from '../harness/wait';

describe('blocking commands', function () {
  let cluster: SharedCluster;
  let proxy: RunningProxy;
  const clients: Redis[] = [];
  const client = (): Redis => {
    const c = new Redis({ port: proxy.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    clients.push(c);
    return c;
  };
  const dedicatedOpen = (): number => proxy.proxy.router.allNodes().reduce((n, node) => n + node.dedicatedOpen, 0);

  /** Clients blocked on the node that owns `key`, as that node counts them. */
  async function blockedOnNode(key: string): Promise<number> {
    const { slotOf } = await import('../../lib/protocol/crc16');
    const owner = proxy.proxy.router.slotMap.owner(slotOf(key))!;
    const info = await cluster.cli(Number(owner.split(':')[1]), 'INFO', 'clients');
    return Number(/blocked_clients:(\d+)/.exec(info)![1]);
  }

  before(async function () {
    cluster = await sharedCluster();
    proxy = await startProxy(cluster.seeds());
  });

  after(async function () {
    for (const c of clients) c.disconnect();
    await proxy?.stop();
  });

  it('BLPOP is served by an LPUSH from another client', async function () {
    const a = client();
    const b = client();
    const popped = a.blpop('blk:list1', 0);
    await until(async () => (await blockedOnNode('blk:list1')) === 1, 'BLPOP blocks on the node');
    assert.equal(await b.lpush('blk:list1', 'hello'), 1);
    assert.deepEqual(await popped, ['blk:list1', 'hello']);
    assert.equal(await b.llen('blk:list1'), 0);
  });

  it("the client's later commands wait behind its blocking command", async function () {
    const a = client();
    const b = client();
    const order: string[] = [];
    const popped = a.brpop('blk:list2', 0).then((v) => order.push(`brpop:${v![1]}`));
    const ping = a.ping().then((v) => order.push(`ping:${v}`));
    const setLater = a.set('blk:after', 'set-by-a');
    await until(async () => (await blockedOnNode('blk:list2')) === 1, 'BRPOP blocks');
    // The SET sent after BRPOP must not have run yet.
    assert.equal(await b.get('blk:after'), null);
    await b.rpush('blk:list2', 'x');
    await Promise.all([popped, ping, setLater]);
    assert.deepEqual(order, ['brpop:x', 'ping:PONG']);
    assert.equal(await b.get('blk:after'), 'set-by-a');
  });

  it('a client that disconnects while blocked frees its dedicated connection', async function () {
    const before = dedicatedOpen();
    const socket = net.connect({ port: proxy.port, host: '127.0.0.1' });
    await new Promise((r) => socket.once('connect', r));
    socket.write('*3\r\n$5\r\nBLPOP\r\n$9\r\nblk:list3\r\n$1\r\n0\r\n');
    await until(async () => (await blockedOnNode('blk:list3')) === 1, 'BLPOP blocks');
    assert.equal(dedicatedOpen(), before + 1);
    socket.destroy();
    await until(async () => (await blockedOnNode('blk:list3')) === 0, 'the node no longer blocks for the gone client');
    await until(() => dedicatedOpen() === before, 'the dedicated connection is closed');
    // The element goes to a live client, not to the connection of the one that left.
    const b = client();
    const c = client();
    const popped = c.blpop('blk:list3', 0);
    await until(async () => (await blockedOnNode('blk:list3')) === 1, 'second BLPOP blocks');
    await b.lpush('blk:list3', 'for-c');
    assert.deepEqual(await popped, ['blk:list3', 'for-c']);
  });

  it('BLPOP with a timeout returns nil, and XREAD BLOCK waits for XADD', async function () {
    const a = client();
    const b = client();
    assert.equal(await a.blpop('blk:none', 0.1), null);
    const read = a.xread('BLOCK', 0, 'STREAMS', 'blk:stream', '$');
    await until(async () => (await blockedOnNode('blk:stream')) === 1, 'XREAD blocks');
    await b.xadd('blk:stream', '5-1', 'f', 'v');
    assert.deepEqual(await read, [['blk:stream', [['5-1', ['f', 'v']]]]]);
    // Without BLOCK, XREAD is an ordinary command on the shared connection.
    assert.deepEqual(await a.xread('STREAMS', 'blk:stream', '0'), [['blk:stream', [['5-1', ['f', 'v']]]]]);
  });

  it('a blocking command does not overtake the client’s earlier commands on the shared connection', async function () {
    const a = client();
    const big = 'x'.repeat(4 * 1024 * 1024); // keeps the shared connection busy for a while
    for (let i = 0; i < 5; i++) {
      const p = a.pipeline();
      p.set(`{blk:str${i}}big`, big);
      p.set(`blk:str${i}`, 'v');
      p.blpop(`blk:str${i}`, 1);
      const [, [, ok], [err]] = (await p.exec())! as [Error | null, unknown][];
      assert.equal(ok, 'OK');
      assert.match(String(err?.message), /WRONGTYPE/, 'BLPOP saw the string SET made just before it');
    }
  });

  it('idle dedicated connections are reused, not reopened', async function () {
    const a = client();
    const b = client();
    await b.rpush('blk:reuse', 1, 2, 3);
    const before = dedicatedOpen();
    for (let i = 0; i < 3; i++) assert.ok(await a.blpop('blk:reuse', 1));
    assert.ok(dedicatedOpen() <= Math.max(before, 1));
  });
});

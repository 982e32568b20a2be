// Issue 25 item 8. A total memory limit for all clients' partly received requests and unread
// replies, like Redis 7's maxmemory-clients (SLOTPROXY_MAXMEMORY_CLIENTS): past it the clients
// holding the most are closed first, until the rest fit, and INFO and the metrics count them.
import assert from 'node:assert/strict';
import net from 'node:net';
import { respCommands } from '../../lib/localcluster/resp-client';
import { sharedCluster } from '../harness/mocha-hooks';
import { startProxy, type RunningProxy } from '../harness/proxy';
import { sleep, until } from '../harness/wait';

const MiB = 1024 * 1024;

async function info(port: number, section: string): Promise<string> {
  const [reply] = await respCommands('127.0.0.1', port, [['INFO', section]], { timeoutMs: 10_000 });
  return String(reply);
}

const field = (text: string, name: string): number => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(text)![1]);

/** Waits until the proxy has read what was sent: the clients' memory stops changing. */
async function settled(port: number): Promise<number> {
  let last = -1;
  for (;;) {
    const now = field(await info(port, 'memory'), 'mem_clients_normal');
    if (now === last) return now;
    last = now;
    await sleep(100);
  }
}

describe('total client memory limit (issue 25 item 8)', function () {
  this.timeout(120_000);
  let proxy: RunningProxy;
  const sockets: net.Socket[] = [];

  before(async function () {
    proxy = await startProxy((await sharedCluster()).seeds(), { SLOTPROXY_MAXMEMORY_CLIENTS: '16mb' });
  });

  after(async function () {
    for (const s of sockets) s.destroy();
    await proxy?.stop();
  });

  it('clients dripping large bulks are closed, the biggest first, once all together pass the limit', async function () {
    const closed: number[] = [];
    // Client i sends (i + 1) MiB of a declared 512 MB bulk and stalls: 55 MiB in all. They send
    // one after the other, the biggest first, each once the proxy has read the one before: which
    // client is the biggest when the limit is passed does not depend on how reads interleave.
    // (Redis, too, evicts the biggest of the moment.) 16 MiB is passed as client 8, 7, 5, 4 and 2
    // send, and the biggest then are 9, 8, 7, 6 and 5.
    for (let i = 9; i >= 0; i--) {
      const s = net.connect({ port: proxy.port, host: '127.0.0.1' });
      s.on('error', () => {});
      s.on('close', () => closed.push(i));
      sockets[i] = s;
      s.write(`*3\r\n$3\r\nSET\r\n$6\r\nmem:${i}k\r\n$${512 * MiB}\r\n`);
      await new Promise((resolve) => s.write(Buffer.alloc((i + 1) * MiB, 'x'), resolve));
      await settled(proxy.port);
    }
    await until(() => closed.length >= 5, `clients closed over the limit (${closed.length})`, 20_000);
    assert.deepEqual(closed, [9, 8, 7, 6, 5], 'the biggest went first, and no more than needed');
    assert.ok(sockets.slice(0, 5).every((s) => !s.destroyed), 'the smaller clients stay');
    const memory = await info(proxy.port, 'memory');
    assert.ok(field(memory, 'mem_clients_normal') < 16 * MiB, 'the rest fit under the limit');
    assert.ok(field(memory, 'mem_clients_normal') >= 15 * MiB, 'the rest are counted');
    assert.equal(field(memory, 'maxmemory_clients'), 16 * MiB);
    assert.equal(field(await info(proxy.port, 'stats'), 'evicted_clients'), 5);
  });

  it('a client with CLIENT NO-EVICT on is counted but not closed', async function () {
    for (const s of sockets) s.destroy();
    await until(async () => field(await info(proxy.port, 'memory'), 'mem_clients_normal') === 0, 'the clients are gone');
    const exempt = net.connect({ port: proxy.port, host: '127.0.0.1' });
    exempt.on('error', () => {});
    sockets.push(exempt);
    await new Promise((resolve) => exempt.write('CLIENT NO-EVICT on\r\n', resolve));
    await new Promise((resolve) => exempt.once('data', resolve));
    const big = net.connect({ port: proxy.port, host: '127.0.0.1' });
    big.on('error', () => {});
    sockets.push(big);
    exempt.write(`*3\r\n$3\r\nSET\r\n$2\r\nne\r\n$${512 * MiB}\r\n`);
    await new Promise((resolve) => exempt.write(Buffer.alloc(20 * MiB, 'x'), resolve));
    await settled(proxy.port);
    assert.equal(exempt.destroyed, false);
    const evictedBefore = field(await info(proxy.port, 'stats'), 'evicted_clients');
    // over the limit already: the next client to hold anything is the one evicted
    big.write(`*3\r\n$3\r\nSET\r\n$2\r\nbg\r\n$${512 * MiB}\r\n`);
    big.write(Buffer.alloc(64 * 1024, 'x'));
    await until(() => big.destroyed || big.readableEnded, 'the evictable client is closed');
    assert.equal(exempt.destroyed, false, 'the exempt client stays');
    assert.equal(field(await info(proxy.port, 'stats'), 'evicted_clients'), evictedBefore + 1);
    assert.ok(field(await info(proxy.port, 'memory'), 'mem_clients_normal') >= 20 * MiB);
  });
});

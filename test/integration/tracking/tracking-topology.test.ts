// Client tracking through the proxy while the cluster changes under it: a key's slot resharded to
// another master, and its master failed over. The node that now holds the key never saw the
// client read it, so the proxy invalidates what it cannot be sure of when its slot map changes
// (lib/proxy/tracking/proxy-tracking.ts). A key that was absent (a cached nil) is the hard case:
// the migration moves nothing, so no node ever sends an invalidation for it.
import assert from 'node:assert/strict';
import { BasicClientSideCache, createClient } from '@redis/client';
import { LocalCluster, type ClusterNodeInfo } from '../../../lib/localcluster/local-cluster';
import { slotOf } from '../../../lib/protocol/crc16';
import { addr, keysForSlots, masterOf, migrateSlots, nodeCall } from '../../harness/fault-cluster';
import { startProxy, type RunningProxy } from '../../harness/proxy';
import { Resp3Conn } from '../../harness/resp3-conn';
import { until } from '../../harness/wait';

const invalidation = (key: string): string => `>2\r\n$10\r\ninvalidate\r\n*1\r\n$${key.length}\r\n${key}\r\n`;

describe('client tracking through resharding and failover', function () {
  this.timeout(180_000);
  let cluster: LocalCluster;
  let proxy: RunningProxy;

  before(async function () {
    cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 2000 });
    // no periodic refresh: the proxy learns of the changes from MOVED, as it would between refreshes
    proxy = await startProxy(cluster.seeds(), { SLOTPROXY_REFRESH_MS: '600000' });
  });

  after(async function () {
    await proxy?.stop();
    await cluster?.stop();
  });

  /** Waits until the frames `conn` received include an invalidation of each key (or a flush). */
  async function invalidatedAll(conn: Resp3Conn, keys: string[]): Promise<string[]> {
    const frames: string[] = [];
    const missing = (): string[] => (frames.some((f) => f.includes('invalidate\r\n_\r\n')) ? [] : keys.filter((k) => !frames.includes(invalidation(k))));
    while (missing().length > 0) frames.push(...(await conn.take(1)).filter((f) => f.startsWith('>')));
    return frames;
  }

  it('resharding: a cached value and a cached nil are invalidated once another client writes them on the new master', async function () {
    const masters = (await cluster.clusterNodes()).filter((n) => n.role === 'master');
    const slot = 4242;
    const source = await masterOf(cluster, slot);
    const target = masters.find((m) => m.id !== source.id)!;
    const tag = keysForSlots('rs', [slot], slotOf).get(slot)!;
    const [present, absent] = [`{${tag}}:present`, `{${tag}}:absent`];
    const reader = await Resp3Conn.resp3(proxy.port);
    const writer = await Resp3Conn.connect(proxy.port);
    const cache = new BasicClientSideCache({ ttl: 0, maxEntries: 0 });
    const cached = createClient({ url: `redis://127.0.0.1:${proxy.port}`, RESP: 3, clientSideCache: cache });
    await cached.connect();
    try {
      await writer.call(['SET', present, 'before'], ['DEL', absent]);
      await reader.call(['CLIENT', 'TRACKING', 'on']);
      assert.deepEqual(await reader.call(['GET', present], ['GET', absent]), ['$6\r\nbefore\r\n', '_\r\n']);
      assert.equal(await cached.get(present), 'before');
      assert.equal(await cached.get(absent), null);

      await migrateSlots(masters, [slot], source, target);
      // the writes go to the old master, answer MOVED, and run on the new one
      assert.deepEqual(await writer.call(['SET', present, 'after'], ['SET', absent, 'now']), ['+OK\r\n', '+OK\r\n']);
      assert.equal(proxy.proxy.router.slotMap.owner(slot), addr(target), 'the proxy followed the MOVED');
      await invalidatedAll(reader, [present, absent]);
      assert.deepEqual(await reader.call(['GET', present], ['GET', absent]), ['$5\r\nafter\r\n', '$3\r\nnow\r\n']);
      await until(async () => (await cached.get(present)) === 'after' && (await cached.get(absent)) === 'now', 'node-redis reads the new values', 10_000);

      // tracked on the new master from now on
      await writer.call(['SET', present, 'again']);
      await invalidatedAll(reader, [present]);
    } finally {
      reader.close();
      writer.close();
      await cached.quit().catch(() => undefined);
    }
  });

  /**
   * A tracking client reads a key of `slot`; `change` changes its master (returns true when it
   * took the client's invalidation itself); another client writes the key once the proxy serves
   * the slot again: the client is told, reads the new value, and is tracked there from then on.
   */
  async function readAcross(slot: number, name: string, change: (master: ClusterNodeInfo, reader: Resp3Conn) => Promise<boolean>): Promise<void> {
    const master = await masterOf(cluster, slot);
    const key = `{${keysForSlots(name, [slot], slotOf).get(slot)!}}:k`;
    const reader = await Resp3Conn.resp3(proxy.port);
    const writer = await Resp3Conn.connect(proxy.port);
    try {
      await writer.call(['SET', key, 'before']);
      await reader.call(['CLIENT', 'TRACKING', 'on']);
      assert.deepEqual(await reader.call(['GET', key]), ['$6\r\nbefore\r\n']);
      const told = await change(master, reader);
      await until(async () => (await writer.call(['SET', key, 'after']))[0] === '+OK\r\n', 'the proxy serves the slot again', 30_000);
      if (!told) await invalidatedAll(reader, [key]);
      assert.deepEqual(await reader.call(['GET', key]), ['$5\r\nafter\r\n']);
      await writer.call(['SET', key, 'again']);
      await invalidatedAll(reader, [key]);
    } finally {
      reader.close();
      writer.close();
    }
  }

  it('failover: a key read on the old master is invalidated when written on the new one', async function () {
    await readAcross(9000, 'fo', async (master) => {
      const replica = (await cluster.clusterNodes()).find((n) => n.role === 'replica' && n.masterId === master.id && !n.failed)!;
      await nodeCall(replica, 'CLUSTER', 'FAILOVER');
      await until(async () => (await cluster.clusterNodes()).some((n) => n.id === replica.id && n.role === 'master'), 'the replica is master', 30_000);
      await cluster.waitForStable();
      return false;
    });
  });

  it('a master killed: its tracking connection lost, the client is told to flush everything; tracked on the new master afterwards', async function () {
    await readAcross(12000, 'kill', async (master, reader) => {
      cluster.kill(cluster.node(master.port)!, 'SIGKILL');
      // no write could have been seen: the proxy cannot be sure, so "flush everything"
      assert.deepEqual(await reader.take(1), ['>2\r\n$10\r\ninvalidate\r\n_\r\n']);
      await until(async () => (await cluster.clusterNodes()).some((n) => n.role === 'master' && !n.failed && n.id !== master.id && n.slots.some(([a, b]) => a <= 12000 && 12000 <= b)), 'a replica took over', 60_000);
      return true;
    });
  });
});

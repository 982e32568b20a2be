// Issue 23, item 5: FLUSHALL / FLUSHDB while a client WATCHes keys (on one node or several) make
// its EXEC fail, as on one server. Each sequence runs against a standalone redis-server and
// through the proxy; the replies must be the same. (Expected to fail until the transaction
// family is reworked; see docs/compatibility.md.)
import assert from 'node:assert/strict';
import Redis from 'ioredis';
import { startStandalone } from '../../../lib/localcluster/local-cluster';
import { sharedCluster } from '../../harness/mocha-hooks';
import { startProxy, type RunningProxy } from '../../harness/proxy';
import { keySlot } from '../../../lib/protocol/crc16';

type Step = { by: 'watcher' | 'other'; cmd: string[] };

describe('one server: FLUSHALL / FLUSHDB and WATCH (issue 23, item 5)', function () {
  this.timeout(60_000);
  let proxy: RunningProxy;
  let standalone: { port: number; stop(): Promise<void> };
  let k1: string;
  let k2: string;

  before(async function () {
    const cluster = await sharedCluster();
    proxy = await startProxy(cluster.seeds());
    standalone = await startStandalone();
    // two keys on different masters
    const map = proxy.proxy.router.slotMap;
    k1 = '{fw-a}k';
    const owner = map.owner(keySlot(Buffer.from(k1)));
    for (let i = 0; !k2; i++) if (map.owner(keySlot(Buffer.from(`{fw-${i}}k`))) !== owner) k2 = `{fw-${i}}k`;
  });

  after(async function () {
    await proxy?.stop();
    await standalone?.stop();
  });

  async function run(port: number, steps: Step[]): Promise<unknown[]> {
    const watcher = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, disableClientInfo: true });
    const other = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, disableClientInfo: true });
    try {
      const out: unknown[] = [];
      for (const { by, cmd } of steps) {
        const c = by === 'watcher' ? watcher : other;
        out.push(await c.call(cmd[0], ...cmd.slice(1)).then((v) => v, (e: Error) => ({ error: e.message })));
      }
      return out;
    } finally {
      watcher.disconnect();
      other.disconnect();
    }
  }

  const same = async (steps: Step[]): Promise<void> => {
    const theirs = await run(standalone.port, steps);
    const mine = await run(proxy.port, steps);
    assert.deepEqual(mine, theirs);
  };

  // How WATCH on several nodes works: each node's WATCHes are checked at EXEC (transaction-watch.ts),
  // so a write to a key watched on a node the transaction does not run on fails its EXEC too.
  it('a write to a key watched on another node than the transaction’s fails its EXEC; none, and it runs', async function () {
    const steps = (touch: boolean): Step[] => [
      { by: 'other', cmd: ['SET', k1, 'v'] },
      { by: 'watcher', cmd: ['WATCH', k1] },
      { by: 'watcher', cmd: ['WATCH', k2] },
      ...(touch ? [{ by: 'other', cmd: ['SET', k1, 'changed'] } as Step] : []),
      { by: 'watcher', cmd: ['GET', k1] },
      { by: 'watcher', cmd: ['MULTI'] },
      { by: 'watcher', cmd: ['SET', k2, 'mine'] },
      { by: 'watcher', cmd: ['EXEC'] },
      { by: 'other', cmd: ['GET', k2] },
      { by: 'other', cmd: ['DEL', k2] },
    ];
    await same(steps(true));
    await same(steps(false));
  });

  it('one WATCH of keys on two nodes; the client’s own write to one of them fails its EXEC', async function () {
    await same([
      { by: 'watcher', cmd: ['WATCH', k1, k2] },
      { by: 'watcher', cmd: ['SET', k1, 'own'] },
      { by: 'watcher', cmd: ['MULTI'] },
      { by: 'watcher', cmd: ['SET', k2, 'mine'] },
      { by: 'watcher', cmd: ['EXEC'] },
      { by: 'watcher', cmd: ['DEL', k1, k2] },
    ]);
  });

  for (const flush of ['FLUSHALL', 'FLUSHDB']) {
    it(`${flush} by another client fails the EXEC of a client watching a key`, async function () {
      await same([
        { by: 'other', cmd: ['SET', k1, 'v'] },
        { by: 'watcher', cmd: ['WATCH', k1] },
        { by: 'other', cmd: [flush] },
        { by: 'watcher', cmd: ['MULTI'] },
        { by: 'watcher', cmd: ['SET', k1, 'mine'] },
        { by: 'watcher', cmd: ['EXEC'] },
        { by: 'other', cmd: ['GET', k1] },
      ]);
    });

    it(`${flush} fails the EXEC of a client watching keys on several nodes`, async function () {
      await same([
        { by: 'other', cmd: ['SET', k1, 'v'] },
        { by: 'other', cmd: ['SET', k2, 'v'] },
        { by: 'watcher', cmd: ['WATCH', k1] },
        { by: 'watcher', cmd: ['WATCH', k2] },
        { by: 'other', cmd: [flush] },
        { by: 'watcher', cmd: ['MULTI'] },
        { by: 'watcher', cmd: ['SET', k2, 'mine'] },
        { by: 'watcher', cmd: ['EXEC'] },
        { by: 'other', cmd: ['GET', k2] },
      ]);
    });

    it(`the watching client's own ${flush} fails its EXEC`, async function () {
      await same([
        { by: 'other', cmd: ['SET', k1, 'v'] },
        { by: 'watcher', cmd: ['WATCH', k1] },
        { by: 'watcher', cmd: [flush] },
        { by: 'watcher', cmd: ['MULTI'] },
        { by: 'watcher', cmd: ['SET', k1, 'mine'] },
        { by: 'watcher', cmd: ['EXEC'] },
      ]);
    });
  }
});

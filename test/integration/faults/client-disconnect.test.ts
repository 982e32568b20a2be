// Fault: clients that disconnect with work outstanding: an MGET split over every master, a
// blocking BLPOP, thousands of pipelined commands; then 100,000 connect-send-close cycles. No
// crash, no leaked backend connection (dedicated connections and the nodes' connected_clients
// back to their baseline), and the process's RSS and open handles back near their baseline.
import assert from 'node:assert/strict';
import net from 'node:net';
import { LocalCluster } from '../../../lib/localcluster/local-cluster';
import { infoField } from '../../harness/fault-cluster';
import { encode, RawConn } from '../../harness/fault-conn';
import { keysAcrossSlots } from '../../harness/fault-load';
import { compareToBaseline, snapshot, type ResourceSnapshot } from '../../harness/fault-resources';
import { startProxy, type RunningProxy } from '../../harness/proxy';
import { sleep, until } from '../../harness/wait';

const CYCLES = 100_000;
const LOOPS = 50;

describe('fault: clients disconnecting with work outstanding', function () {
  this.timeout(300_000);
  let cluster: LocalCluster;
  let proxy: RunningProxy;
  let base: ResourceSnapshot;
  let baseClients: number[];
  let baseBlocked: number[];
  /** dedicated connections open at the baseline (a returned BLPOP leaves one idle in the pool) */
  let baseDedicated: number;
  const keys = keysAcrossSlots('dc', 32);
  const mget = encode(['MGET', ...keys.flatMap((k) => [`${k}:a`, `${k}:b`])]);
  const blpopArgs = (i: number): string[] => ['BLPOP', `{dc-block}:never${i % 7}`, '0'];
  const blpop = (i: number): Buffer => encode(blpopArgs(i));
  const pipeline = Buffer.concat(Array.from({ length: 2000 }, (_, i) => encode(i % 2 ? ['GET', `${keys[i % keys.length]}:a`] : ['SET', `${keys[i % keys.length]}:a`, `v${i}`])));

  const dedicatedOpen = (): number => proxy.proxy.router.allNodes().reduce((n, node) => n + node.dedicatedOpen, 0);
  const nodeCounts = (field: string): Promise<number[]> => Promise.all(cluster.nodes.map((n) => infoField(n, 'clients', field)));

  /** Connects, writes `bytes`, and drops the connection after `delayMs` (0: right after writing). */
  function hitAndRun(bytes: Buffer, delayMs = 0): Promise<void> {
    return new Promise((resolve) => {
      const s = net.connect({ port: proxy.port, host: '127.0.0.1' });
      s.on('error', () => resolve());
      s.on('close', () => resolve());
      s.on('connect', () => {
        s.write(bytes);
        if (delayMs <= 0) s.destroy();
        else setTimeout(() => s.destroy(), delayMs);
      });
    });
  }

  async function settled(what: string): Promise<void> {
    await until(() => proxy.proxy.sessions.size === 0, `${what}: no client session is left`, 20_000);
    await until(() => dedicatedOpen() <= baseDedicated, `${what}: dedicated connections back to ${baseDedicated}`, 20_000).catch((err: Error) => {
      throw new Error(`${err.message}; ${dedicatedOpen()} open`);
    });
    let clients: number[] = [];
    let blocked: number[] = [];
    await until(
      async () => {
        clients = await nodeCounts('connected_clients');
        blocked = await nodeCounts('blocked_clients');
        return clients.every((c, i) => c <= baseClients[i]) && blocked.every((b, i) => b <= baseBlocked[i]);
      },
      `${what}: the nodes' connected_clients back to ${baseClients.join('/')} and blocked_clients to ${baseBlocked.join('/')}`,
      20_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; connected_clients ${clients.join('/')}, blocked_clients ${blocked.join('/')}`);
    });
  }

  before(async function () {
    cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 0, nodeTimeoutMs: 2000 });
    proxy = await startProxy(cluster.seeds());
    // warm up every path once: split MGET, a BLPOP that returns, a pipeline
    const c = await RawConn.connect(proxy.port);
    await c.send([['MGET', ...keys.map((k) => `${k}:a`)], ['BLPOP', '{dc-block}:warm', '0.01'], ...Array.from({ length: 100 }, (_, i) => ['SET', `${keys[i % keys.length]}:a`, 'x'])]);
    c.destroy();
    await until(() => proxy.proxy.sessions.size === 0, 'the warm-up client is gone');
  });

  /** Each test compares with the state it started from, so one leak is not blamed on the next. */
  beforeEach(async function () {
    await sleep(500);
    baseDedicated = dedicatedOpen();
    baseClients = await nodeCounts('connected_clients');
    baseBlocked = await nodeCounts('blocked_clients');
    base = await snapshot();
  });

  after(async function () {
    await proxy?.stop();
    await cluster?.stop();
  });

  /** Rounds of 30 clients that send `bytes(i)` and drop the connection at once or a little later. */
  async function dropRounds(rounds: number, bytes: (i: number) => Buffer): Promise<void> {
    for (let round = 0; round < rounds; round++) {
      const clients: Promise<void>[] = [];
      // dropped at once (the proxy may not have sent anything yet) or a little later (in flight)
      for (let i = 0; i < 30; i++) clients.push(hitAndRun(bytes(i), i % 2 ? 0 : 5 + (i % 20)));
      await Promise.all(clients);
    }
  }

  async function assertCleanedUp(what: string, t0: number): Promise<void> {
    await settled(what);
    const res = await compareToBaseline(base, { handleSlack: 10 });
    console.log(`      [${what}] cleaned up in ${Math.round(performance.now() - t0)} ms; resources: ${res.line}`);
    assert.deepEqual(res.problems, []);
    const check = await RawConn.connect(proxy.port);
    assert.equal((await check.call('GET', `${keys[1]}:a`)).ok, true, 'the proxy still serves');
    check.destroy();
  }

  it('a split MGET or thousands of pipelined commands outstanding at disconnect', async function () {
    const t0 = performance.now();
    await dropRounds(10, (i) => (i % 3 === 0 ? pipeline : Buffer.concat(Array.from({ length: 20 }, () => mget))));
    await assertCleanedUp('300 clients dropped with split MGETs or 2000 pipelined commands outstanding', t0);
  });

  it('a BLPOP outstanding (blocked, or still on its way) at disconnect', async function () {
    const t0 = performance.now();
    // BLPOPs that surely block, then drop
    const blocked = await Promise.all(Array.from({ length: 20 }, () => RawConn.connect(proxy.port)));
    blocked.forEach((c, i) => void c.send([blpopArgs(i)]));
    const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
    await until(async () => sum(await nodeCounts('blocked_clients')) >= sum(baseBlocked) + 20, 'the 20 BLPOPs block on their node');
    for (const c of blocked) c.destroy();
    // a command before it and one held behind it, as a client library's pipeline would have
    await dropRounds(10, (i) => Buffer.concat([encode(['SET', `${keys[0]}:a`, 'x']), blpop(i), encode(['GET', `${keys[1]}:a`])]));
    await sleep(1000);
    const leaked = dedicatedOpen() - baseDedicated;
    // a leak that reached SLOTPROXY_BLOCKING_CONNECTIONS would refuse every later blocking command
    const c = await RawConn.connect(proxy.port);
    const later = await c.call('BLPOP', '{dc-block}:never0', '0.05');
    c.destroy();
    console.log(`      [BLPOP disconnects] dedicated connections still open 1 s after the drops: ${leaked} over the baseline; a new BLPOP then: ${JSON.stringify(later.ok ? later.value : later.error)}`);
    assert.equal(later.ok && later.value === null, true, `a new BLPOP times out normally (got ${JSON.stringify(later.error ?? later.value)})`);
    await assertCleanedUp('300 clients dropped with a BLPOP outstanding + 20 dropped while blocked', t0);
  });

  it(`${CYCLES} connect-send-close cycles leave RSS and handles flat`, async function () {
    let done = 0;
    let answered = 0;
    const problems: string[] = [];
    const t0 = performance.now();
    const loop = async (l: number): Promise<void> => {
      for (let i = l; i < CYCLES; i += LOOPS) {
        const kind = i % 50;
        if (kind < 20) {
          // a polite client: asks, reads its replies, leaves
          try {
            const c = await RawConn.connect(proxy.port);
            const [ping, get] = await c.send([['PING'], ['GET', `${keys[i % keys.length]}:a`]]);
            c.destroy();
            if (ping.value !== 'PONG' || !get.ok) problems.push(`cycle ${i}: ${JSON.stringify([ping, get])}`);
            answered++;
          } catch (err) {
            problems.push(`cycle ${i}: ${(err as Error).message}`);
          }
        } else if (kind < 35) {
          await hitAndRun(encode(['SET', `${keys[i % keys.length]}:b`, `c${i}`]));
        } else if (kind < 49) {
          await hitAndRun(mget);
        } else {
          await hitAndRun(blpop(i));
        }
        done++;
      }
    };
    await Promise.all(Array.from({ length: LOOPS }, (_, l) => loop(l)));
    const ms = performance.now() - t0;
    await settled(`after ${CYCLES} cycles`);
    const res = await compareToBaseline(base, { handleSlack: 10 });
    console.log(
      `      [${CYCLES} cycles] ${done} cycles (${answered} answered ones) in ${Math.round(ms)} ms (${Math.round(done / (ms / 1000))}/s), ` +
        `${proxy.proxy.stats.connectionsReceived} connections accepted; resources: ${res.line}`,
    );
    assert.equal(done, CYCLES);
    assert.deepEqual(problems.slice(0, 5), [], `${problems.length} polite clients were not answered`);
    assert.deepEqual(res.problems, []);
  });
});

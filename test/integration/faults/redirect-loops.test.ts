// Fault: a node that answers every command with MOVED to itself, and two nodes that send each
// other's address back and forth (small fake nodes, no real cluster). Each request ends with an
// error after SLOTPROXY_MAX_REDIRECTS redirects (between the two nodes after a back-off each,
// lib/cluster/slot-disputes.ts; the node naming itself at once), and the refreshes the MOVED
// storm asks for stay single-flight and rate-limited.
import assert from 'node:assert/strict';
import { slotOf } from '../../../lib/protocol/crc16';
import { RawConn, type ReplyOutcome } from '../../harness/fault-conn';
import { FakeNode } from '../../harness/fault-node';
import { compareToBaseline, snapshot } from '../../harness/fault-resources';
import { startProxy, type RunningProxy } from '../../harness/proxy';
import { sleep } from '../../harness/wait';

const MIN_INTERVAL_MS = 200;
const REQUEST_TIMEOUT_MS = 5000;
const BURST = 1000;
const CONNS = 10;

/** `-MOVED <slot of the command's key> <to>` */
function movedTo(to: () => FakeNode): (args: string[]) => string {
  return (args) => `-MOVED ${args.length > 1 ? slotOf(args[1]) : 0} ${to().address}\r\n`;
}

/**
 * BURST GETs over CONNS connections, pipelined in groups of 10 spread over `spreadMs`; every
 * outcome and how long the burst took.
 */
async function burst(port: number, spreadMs: number): Promise<{ outcomes: ReplyOutcome[]; ms: number }> {
  const conns = await Promise.all(Array.from({ length: CONNS }, () => RawConn.connect(port)));
  const t0 = performance.now();
  const groups = BURST / CONNS / 10;
  const results = await Promise.all(
    conns.map(async (c, i) => {
      const sent: Promise<ReplyOutcome[]>[] = [];
      for (let g = 0; g < groups; g++) {
        sent.push(c.send(Array.from({ length: 10 }, (_, k) => ['GET', `loop:${i}:${g}:${k}`])));
        await sleep(spreadMs / groups);
      }
      return (await Promise.all(sent)).flat();
    }),
  );
  const ms = performance.now() - t0;
  for (const c of conns) c.destroy();
  return { outcomes: results.flat(), ms };
}

describe('fault: redirect loops from misbehaving nodes', function () {
  this.timeout(120_000);
  const fakes: FakeNode[] = [];
  let proxy: RunningProxy | undefined;

  afterEach(async function () {
    await proxy?.stop();
    proxy = undefined;
    await Promise.all(fakes.splice(0).map((f) => f.close()));
  });

  it('MOVED to itself: an error after the redirect limit; refreshes single-flight and rate-limited', async function () {
    // CLUSTER SLOTS answered slowly, so overlapping refreshes would show
    const a: FakeNode = await FakeNode.start({ handler: movedTo(() => a), slotsDelayMs: 300 });
    fakes.push(a);
    proxy = await startProxy(a.address, {
      SLOTPROXY_REFRESH_MS: '600000',
      SLOTPROXY_REFRESH_MIN_INTERVAL_MS: String(MIN_INTERVAL_MS),
      SLOTPROXY_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    });
    const base = await snapshot();
    const slotsBefore = a.count('CLUSTER SLOTS');
    const { outcomes, ms } = await burst(proxy.port, 2000);
    await sleep(MIN_INTERVAL_MS + 400); // a refresh queued during the burst runs after it
    const refreshes = a.count('CLUSTER SLOTS') - slotsBefore;
    const bound = Math.floor(ms / MIN_INTERVAL_MS) + 3;
    const gets = a.count('GET');
    console.log(
      `      [MOVED to itself] ${BURST} requests answered in ${Math.round(ms)} ms; GETs the node received: ${gets}; ` +
        `CLUSTER SLOTS during the burst: ${refreshes} (bound ${bound}), at most ${a.maxSlotsInFlight} at once`,
    );
    assert.equal(outcomes.length, BURST);
    const wrong = outcomes.filter((o) => o.ok || !/too many cluster redirections \(16\)/.test(o.error ?? ''));
    assert.deepEqual(wrong.slice(0, 3), [], `${wrong.length} requests did not end with the redirect-limit error`);
    assert.equal(gets, BURST * 17, 'each request was sent once plus once per redirect followed (16)');
    assert.ok(refreshes <= bound, `refreshes rate-limited: ${refreshes} in ${Math.round(ms)} ms`);
    assert.ok(refreshes >= 1, 'MOVED asked for a refresh');
    assert.equal(a.maxSlotsInFlight, 1, 'refreshes never overlap');
    // the proxy still answers
    const conn = await RawConn.connect(proxy.port);
    assert.equal((await conn.call('PING')).value, 'PONG');
    conn.destroy();
    const res = await compareToBaseline(base);
    console.log(`        resources: ${res.line}`);
    assert.deepEqual(res.problems, []);
  });

  it('two nodes ping-ponging MOVED: an error after SLOTPROXY_MAX_REDIRECTS', async function () {
    const maxRedirects = 5;
    let b: FakeNode | null = null;
    const a: FakeNode = await FakeNode.start({ handler: movedTo(() => b!) });
    b = await FakeNode.start({ handler: movedTo(() => a), slotsOwner: () => a });
    fakes.push(a, b);
    proxy = await startProxy(a.address, {
      SLOTPROXY_REFRESH_MS: '600000',
      SLOTPROXY_REFRESH_MIN_INTERVAL_MS: String(MIN_INTERVAL_MS),
      SLOTPROXY_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      SLOTPROXY_MAX_REDIRECTS: String(maxRedirects),
    });
    const slotsBefore = a.count('CLUSTER SLOTS') + b.count('CLUSTER SLOTS');
    const { outcomes, ms } = await burst(proxy.port, 0);
    await sleep(MIN_INTERVAL_MS + 400);
    const refreshes = a.count('CLUSTER SLOTS') + b.count('CLUSTER SLOTS') - slotsBefore;
    const bound = Math.floor(ms / MIN_INTERVAL_MS) + 3;
    const gets = a.count('GET') + b.count('GET');
    console.log(
      `      [MOVED ping-pong] ${BURST} requests answered in ${Math.round(ms)} ms; GETs received: ${a.count('GET')} + ${b.count('GET')}; ` +
        `CLUSTER SLOTS during the burst: ${refreshes} (bound ${bound})`,
    );
    const wrong = outcomes.filter((o) => o.ok || !new RegExp(`too many cluster redirections \\(${maxRedirects}\\)`).test(o.error ?? ''));
    assert.deepEqual(wrong.slice(0, 3), [], `${wrong.length} requests did not end with the redirect-limit error`);
    assert.equal(gets, BURST * (maxRedirects + 1));
    assert.ok(refreshes <= bound, `refreshes rate-limited: ${refreshes} in ${Math.round(ms)} ms`);
  });
});

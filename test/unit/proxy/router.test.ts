// Router.route / Router.redirect with fake commands: MOVED, ASK, TRYAGAIN, CLUSTERDOWN, the
// redirect budget, and a client's commands waiting behind its retries. The nodes are real
// BackendNode objects that never connect (the fake commands record where they are sent).
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { BackendCommand, type BackendAddress } from '../../../lib/backend/backend-command';
import type { BackendNode } from '../../../lib/backend/backend-node';
import { cachedNow, tick } from '../../../lib/clock';
import { ReadPolicy } from '../../../lib/commands/access';
import { SlotMap } from '../../../lib/cluster/slot-map';
import { Redirect } from '../../../lib/protocol/records';
import { createScanners } from '../../../lib/protocol/scanners';
import { SLOT_NOT_SERVED } from '../../../lib/proxy/errors';
import { Router } from '../../../lib/proxy/router';

const A = '127.0.0.1:7001';
const B = '127.0.0.1:7002';
const C = '127.0.0.1:7003';
/** The node that answered a redirect. */
const at = (address: string): BackendAddress => ({ address, host: '127.0.0.1', port: Number(address.split(':')[1]) });
const FROM = at(A);
const RETRY_MS = 2;

/** A command that records where it is sent and how it fails. */
class FakeCommand extends BackendCommand {
  readonly failures: string[] = [];
  gone = false;
  constructor(
    readonly name: string,
    slot: number,
    pin: number,
    private readonly sent: string[],
    deadline = Infinity,
  ) {
    super(Buffer.from(name), slot, pin, deadline);
  }
  onReply(): void {}
  onFailure(message: string): void {
    this.failures.push(message);
  }
  sendTo(node: BackendNode): void {
    this.sent.push(`${this.name}->${node.address}${this.asking ? ' asking' : ''}`);
  }
  get abandoned(): boolean {
    return this.gone;
  }
}

interface Setup {
  router: Router;
  /** "name->address[ asking]" per send, in order */
  sent: string[];
  refreshes: string[];
  cmd(name: string, slot: number, pin?: number, deadline?: number): FakeCommand;
}

const scanners = createScanners('js');

function setup(maxRedirects = 5): Setup {
  const refreshes: string[] = [];
  const router = new Router(
    scanners,
    { connections: 1, dedicatedLimit: 1, connectTimeoutMs: 1000, handshake: [], tls: null, maxRedirects, retryDelayMs: RETRY_MS, requestTimeoutMs: 5000, readFrom: ReadPolicy.Master, replicas: { pollMs: 10, maxLagMs: 1000, control: {} } },
    { refreshNeeded: (reason) => void refreshes.push(reason) },
  );
  router.applyMap(
    SlotMap.fromRanges([
      { start: 0, end: 8191, shard: { master: A, replicas: [] } },
      { start: 8192, end: 16383, shard: { master: B, replicas: [] } },
    ]),
  );
  const sent: string[] = [];
  return { router, sent, refreshes, cmd: (name, slot, pin = 1, deadline = Infinity) => new FakeCommand(name, slot, pin, sent, deadline) };
}

function redirect(kind: Redirect, text: string): [Buffer, Redirect] {
  return [Buffer.from(`-${text}\r\n`), kind];
}

/** Waits (bounded) until `sent` holds `n` sends. */
async function sends(s: Setup, n: number): Promise<void> {
  for (let i = 0; i < 200 && s.sent.length < n; i++) await sleep(1);
}

describe('router', function () {
  let s: Setup;
  beforeEach(function () {
    tick();
    s = setup();
  });
  afterEach(function () {
    s.router.close();
  });

  it('routes a command to the master of its slot', function () {
    s.router.route(s.cmd('get', 100));
    s.router.route(s.cmd('set', 9000));
    assert.deepEqual(s.sent, [`get->${A}`, `set->${B}`]);
  });

  it('fails a command whose slot nobody serves, and asks for a refresh', function () {
    const map = SlotMap.fromRanges([{ start: 0, end: 99, shard: { master: A, replicas: [] } }]);
    s.router.applyMap(map);
    const c = s.cmd('get', 5000);
    s.router.route(c);
    assert.deepEqual(c.failures, [SLOT_NOT_SERVED]);
    assert.deepEqual(s.refreshes, ['slot not served']);
    assert.deepEqual(s.sent, []);
  });

  it('MOVED: updates the map, resends to the new owner, asks for a refresh', function () {
    const c = s.cmd('get', 100);
    s.router.route(c);
    assert.equal(s.router.redirect(c, ...redirect(Redirect.Moved, `MOVED 100 ${B}`), FROM), true);
    assert.deepEqual(s.sent, [`get->${A}`, `get->${B}`]);
    assert.equal(s.router.slotMap.owner(100), B);
    assert.equal(s.router.slotMap.owner(101), A, 'only the slot that moved');
    assert.deepEqual(s.refreshes, ['MOVED']);
    assert.equal(s.router.stats.moved, 1);
    s.router.route(s.cmd('get2', 100));
    assert.equal(s.sent[2], `get2->${B}`, 'later commands go to the new owner directly');
  });

  it('MOVED to a node the map does not know yet adds it as a master', function () {
    const c = s.cmd('get', 100);
    assert.equal(s.router.redirect(c, ...redirect(Redirect.Moved, `MOVED 100 ${C}`), FROM), true);
    assert.deepEqual(s.sent, [`get->${C}`]);
    assert.ok(s.router.slotMap.masters.includes(C));
  });

  it('MOVED without a host means the node that answered', function () {
    const c = s.cmd('get', 100);
    assert.equal(s.router.redirect(c, ...redirect(Redirect.Moved, 'MOVED 100 :7002'), FROM), true);
    assert.deepEqual(s.sent, [`get->${B}`]);
  });

  it('a malformed MOVED goes to the client as it is (the map is refreshed)', function () {
    const c = s.cmd('get', 100);
    assert.equal(s.router.redirect(c, ...redirect(Redirect.Moved, 'MOVED 99999 127.0.0.1:7002'), FROM), false);
    assert.deepEqual(s.sent, []);
    assert.deepEqual(s.refreshes, ['MOVED']);
    assert.equal(s.router.slotMap.owner(100), A);
  });

  it('ASK: resends that one command with ASKING, the map and later commands unchanged', function () {
    const c = s.cmd('get', 100);
    s.router.route(c);
    assert.equal(s.router.redirect(c, ...redirect(Redirect.Ask, `ASK 100 ${B}`), FROM), true);
    assert.deepEqual(s.sent, [`get->${A}`, `get->${B} asking`]);
    assert.equal(s.router.slotMap.owner(100), A);
    assert.deepEqual(s.refreshes, []);
    assert.equal(s.router.stats.ask, 1);
    s.router.route(s.cmd('get2', 100));
    assert.equal(s.sent[2], `get2->${A}`);
  });

  for (const [kind, name, refresh] of [
    [Redirect.TryAgain, 'TRYAGAIN', []],
    [Redirect.ClusterDown, 'CLUSTERDOWN', ['CLUSTERDOWN']],
  ] as const) {
    it(`${name}: retried after the back-off, at the slot's owner`, async function () {
      const c = s.cmd('mset', 100);
      s.router.route(c);
      assert.equal(s.router.redirect(c, ...redirect(kind, `${name} The cluster is down`), FROM), true);
      assert.deepEqual(s.sent, [`mset->${A}`], 'not at once');
      assert.deepEqual(s.refreshes, refresh);
      await sends(s, 2);
      assert.deepEqual(s.sent, [`mset->${A}`, `mset->${A}`]);
      assert.deepEqual(c.failures, []);
    });

    it(`${name}: past the deadline the error goes to the client`, function () {
      // the first back-off is RETRY_MS, the second twice that
      const c = s.cmd('mset', 100, 1, cachedNow() + RETRY_MS * 1.5);
      assert.equal(s.router.redirect(c, ...redirect(kind, name), FROM), true, 'the first back-off fits');
      assert.equal(s.router.redirect(c, ...redirect(kind, name), FROM), false, 'the second does not');
    });
  }

  it('the redirect budget: past SLOTPROXY_MAX_REDIRECTS a MOVED fails the command', function () {
    s.router.close();
    s = setup(2);
    const c = s.cmd('get', 100);
    assert.equal(s.router.redirect(c, ...redirect(Redirect.Moved, `MOVED 100 ${B}`), at(A)), true);
    assert.equal(s.router.redirect(c, ...redirect(Redirect.Moved, `MOVED 100 ${C}`), at(B)), true);
    assert.equal(s.router.redirect(c, ...redirect(Redirect.Moved, `MOVED 100 ${A}`), at(C)), true);
    assert.deepEqual(s.sent, [`get->${B}`, `get->${C}`]);
    assert.equal(c.failures.length, 1);
    assert.match(c.failures[0], /^ERR slotproxy: too many cluster redirections \(2\), last: MOVED 100 127\.0\.0\.1:7001;/);
  });

  it('two nodes that redirect a slot to each other: the MOVED back waits out the back-off, then goes where the map says', async function () {
    const c = s.cmd('get', 100);
    s.router.route(c);
    assert.equal(s.router.redirect(c, ...redirect(Redirect.Moved, `MOVED 100 ${B}`), at(A)), true);
    assert.deepEqual(s.sent, [`get->${A}`, `get->${B}`], 'a first MOVED is followed at once');
    assert.equal(s.router.redirect(c, ...redirect(Redirect.Moved, `MOVED 100 ${A}`), at(B)), true);
    assert.deepEqual(s.sent, [`get->${A}`, `get->${B}`], 'not at once');
    s.router.route(s.cmd('later', 9000));
    assert.equal(s.sent.length, 2, "the client's later commands wait behind it");
    await sends(s, 4);
    assert.deepEqual(s.sent.slice(2), [`get->${A}`, `later->${B}`]);
    // another command meeting the same disagreement waits too, from its first MOVED
    const d = s.cmd('get2', 100, 2);
    assert.equal(s.router.redirect(d, ...redirect(Redirect.Moved, `MOVED 100 ${B}`), at(A)), true);
    assert.equal(s.sent.length, 4);
    await sends(s, 5);
    assert.deepEqual(s.sent.slice(4), [`get2->${B}`]);
    assert.deepEqual([...c.failures, ...d.failures], []);
    assert.deepEqual(s.refreshes, ['MOVED', 'MOVED', 'MOVED'], 'each asks for a refresh');
  });

  it('two nodes that redirect a slot to each other past the deadline: the client gets an error naming them', function () {
    const c = s.cmd('get', 100, 1, cachedNow() + RETRY_MS);
    assert.equal(s.router.redirect(c, ...redirect(Redirect.Moved, `MOVED 100 ${B}`), at(A)), true);
    assert.equal(s.router.redirect(c, ...redirect(Redirect.Moved, `MOVED 100 ${A}`), at(B)), true);
    assert.deepEqual(s.sent, [`get->${B}`]);
    assert.equal(c.failures.length, 1);
    assert.match(c.failures[0], /^ERR slotproxy: the cluster's nodes disagree about slot 100 \(127\.0\.0\.1:7002 and 127\.0\.0\.1:7001 redirect it to each other\)/);
  });

  it('the redirect budget: past it a TRYAGAIN goes to the client as it is', function () {
    s.router.close();
    s = setup(1);
    const c = s.cmd('get', 100);
    assert.equal(s.router.redirect(c, ...redirect(Redirect.Ask, `ASK 100 ${B}`), FROM), true);
    assert.equal(s.router.redirect(c, ...redirect(Redirect.TryAgain, 'TRYAGAIN'), FROM), false);
    assert.deepEqual(c.failures, []);
  });

  it('a client\'s later and redirected commands wait behind its retry, in order; other clients do not', async function () {
    const first = s.cmd('mset', 100);
    const moved = s.cmd('mget', 200);
    const asked = s.cmd('get', 300);
    s.router.route(first);
    s.router.route(moved);
    s.router.route(asked);
    assert.equal(s.router.redirect(first, ...redirect(Redirect.TryAgain, 'TRYAGAIN'), FROM), true);
    assert.equal(s.router.redirect(moved, ...redirect(Redirect.Moved, `MOVED 200 ${B}`), FROM), true);
    assert.equal(s.router.redirect(asked, ...redirect(Redirect.Ask, `ASK 300 ${B}`), FROM), true);
    s.router.route(s.cmd('later', 9000));
    s.router.route(s.cmd('other', 100, 2));
    assert.deepEqual(s.sent.splice(0), [`mset->${A}`, `mget->${A}`, `get->${A}`, `other->${A}`]);
    await sends(s, 4);
    // routed again by slot, in the order they came: the MOVED's new owner, the ASK found again
    assert.deepEqual(s.sent, [`mset->${A}`, `mget->${B}`, `get->${A}`, `later->${B}`]);
  });

  it('a command abandoned while it waits out a retry is failed, not sent', async function () {
    const c = s.cmd('blpop', 100);
    const behind = s.cmd('get', 100);
    assert.equal(s.router.redirect(c, ...redirect(Redirect.TryAgain, 'TRYAGAIN'), FROM), true);
    s.router.route(behind);
    c.gone = true;
    behind.gone = true;
    await sleep(RETRY_MS * 5);
    assert.deepEqual(s.sent, []);
    assert.deepEqual(c.failures, ['ERR client gone']);
    assert.deepEqual(behind.failures, ['ERR client gone']);
  });

  it('a redirect for an abandoned command goes nowhere', function () {
    const c = s.cmd('get', 100);
    c.gone = true;
    assert.equal(s.router.redirect(c, ...redirect(Redirect.Moved, `MOVED 100 ${B}`), FROM), false);
    assert.deepEqual(s.sent, []);
    assert.equal(s.router.slotMap.owner(100), A);
  });
});

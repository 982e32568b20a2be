// MULTI/EXEC/DISCARD/WATCH/UNWATCH run on a dedicated connection pinned to the transaction's
// node (WATCHes on one per watched node): the client sees what standalone Redis shows where a
// cluster behaves the same, what a cluster node shows where it does not, and never a redirect
// (CROSSSLOT in place of a MOVED it could not use, nil for a watched slot that moved).
import assert from 'node:assert/strict';
import net from 'node:net';
import Redis from 'ioredis';
import { LocalCluster, startStandalone, type StandaloneRedis } from '../../lib/localcluster/local-cluster';
import { slotOf } from '../../lib/protocol/crc16';
import { sharedCluster, type SharedCluster } from '../harness/mocha-hooks';
import { startProxy, type RunningProxy } from '../harness/proxy';
import { exchange } from '../harness/raw-client';
import { ReplyReader } from '../harness/resp-frames';
import { giveEmptySlot } from '../harness/fault-cluster';
import { sleep, until } from '../harness/wait';

const resp = (...lines: string[]): string => lines.map((l) => `${l}\r\n`).join('');

describe('transactions', function () {
  let cluster: SharedCluster;
  let proxy: RunningProxy;
  let standalone: StandaloneRedis;
  const clients: Redis[] = [];
  const client = (): Redis => {
    const c = new Redis({ port: proxy.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    clients.push(c);
    return c;
  };
  /** The replies to the same bytes through the proxy and from a standalone server (`input` must not PING: that ends the exchange). */
  async function bothSay(input: string): Promise<[string, string]> {
    const viaProxy = await exchange(proxy.port, input);
    const direct = await exchange(standalone.port, input);
    return [viaProxy.data.toString('latin1'), direct.data.toString('latin1')];
  }
  const ownerPort = (key: string): number => Number(proxy.proxy.router.slotMap.owner(slotOf(key))!.split(':').pop());

  before(async function () {
    cluster = await sharedCluster();
    proxy = await startProxy(cluster.seeds());
    standalone = await startStandalone();
  });

  after(async function () {
    for (const c of clients) c.disconnect();
    await proxy?.stop();
    await standalone?.stop();
  });

  it('MULTI/SET/INCR/GET/EXEC answers as standalone Redis does', async function () {
    const input = resp('MULTI', 'SET tx:a 10', 'INCR tx:a', 'GET tx:a', 'EXEC', 'GET tx:a', 'DEL tx:a');
    const [viaProxy, direct] = await bothSay(input);
    assert.equal(viaProxy, direct);
    assert.equal(viaProxy, resp('+OK', '+QUEUED', '+QUEUED', '+QUEUED', '*3', '+OK', ':11', '$2', '11', '$2', '11', ':1'));
    const c = client();
    assert.deepEqual(await c.multi().set('tx:b', 'x').append('tx:b', 'y').get('tx:b').del('tx:b').exec(), [
      [null, 'OK'],
      [null, 2],
      [null, 'xy'],
      [null, 1],
    ]);
  });

  it('a client that waits for every reply gets +OK for MULTI before sending a key (no deadlock)', async function () {
    const c = client();
    assert.equal(await c.call('MULTI'), 'OK');
    assert.equal(await c.call('PING'), 'QUEUED');
    assert.equal(await c.call('SET', 'tx:step', '1'), 'QUEUED');
    assert.equal(await c.call('INCR', 'tx:step'), 'QUEUED');
    assert.deepEqual(await c.call('EXEC'), ['PONG', 'OK', 2]);
    assert.equal(await c.call('MULTI'), 'OK');
    assert.deepEqual(await c.call('EXEC'), [], 'a transaction without keys runs on any master');
  });

  it('WATCH: EXEC returns nil after another client changed the key, runs otherwise', async function () {
    const a = client();
    const b = client();
    await a.set('tx:w', '1');
    assert.equal(await a.watch('tx:w'), 'OK');
    assert.equal(await a.get('tx:w'), '1');
    await b.set('tx:w', 'changed');
    assert.equal(await a.multi().set('tx:w', '2').exec(), null);
    assert.equal(await a.get('tx:w'), 'changed');

    await b.set('tx:w', '5');
    assert.equal(await a.watch('tx:w'), 'OK');
    const v = Number(await a.get('tx:w'));
    assert.deepEqual(await a.multi().set('tx:w', String(v + 1)).exec(), [[null, 'OK']]);
    assert.equal(await b.get('tx:w'), '6');
    // The client's own write after WATCH counts too, as in Redis.
    const input = resp('SET tx:own 1', 'WATCH tx:own', 'SET tx:own 2', 'MULTI', 'GET tx:own', 'EXEC', 'WATCH tx:own', 'UNWATCH', 'MULTI', 'GET tx:own', 'EXEC');
    const [viaProxy, direct] = await bothSay(input);
    assert.equal(viaProxy, direct);
    assert.equal(viaProxy, resp('+OK', '+OK', '+OK', '+OK', '+QUEUED', '*-1', '+OK', '+OK', '+OK', '+QUEUED', '*1', '$1', '2'));
  });

  it('DISCARD drops the queued commands', async function () {
    const [viaProxy, direct] = await bothSay(resp('SET tx:d 1', 'MULTI', 'INCR tx:d', 'DISCARD', 'GET tx:d'));
    assert.equal(viaProxy, direct);
    assert.equal(viaProxy, resp('+OK', '+OK', '+QUEUED', '+OK', '$1', '1'));
  });

  it('EXEC/DISCARD without MULTI, nested MULTI and WATCH inside MULTI give Redis’s errors', async function () {
    const input = resp('EXEC', 'DISCARD', 'UNWATCH', 'MULTI', 'MULTI', 'WATCH tx:n', 'SET tx:n 1', 'EXEC', 'WATCH tx:n', 'EXEC', 'UNWATCH');
    const [viaProxy, direct] = await bothSay(input);
    assert.equal(viaProxy, direct);
    assert.equal(
      viaProxy,
      resp('-ERR EXEC without MULTI', '-ERR DISCARD without MULTI', '+OK', '+OK', '-ERR MULTI calls can not be nested', '-ERR WATCH inside MULTI is not allowed', '+QUEUED', '*1', '+OK', '+OK', '-ERR EXEC without MULTI', '+OK'),
    );
  });

  it('an unknown command or wrong arity inside MULTI aborts EXEC (EXECABORT), byte for byte', async function () {
    for (const bad of ['NOSUCHCMD x', 'GET', 'SET tx:e']) {
      const [viaProxy, direct] = await bothSay(resp('MULTI', 'SET tx:e 1', bad, 'EXEC', 'EXISTS tx:e'));
      assert.equal(viaProxy, direct, bad);
      assert.match(viaProxy, /-EXECABORT Transaction discarded because of previous errors\.\r\n:0\r\n$/);
    }
  });

  it('inside MULTI, blocking, split and proxy-answered commands are queued on the node like any other', async function () {
    const input = resp('MULTI', 'BLPOP {txf}l 0', 'ECHO hi', 'MSET {txf}a 1 {txf}b 2', 'MGET {txf}a {txf}b', 'DEL {txf}a {txf}b', 'SELECT 0', 'EXEC');
    const [viaProxy, direct] = await bothSay(input);
    assert.equal(viaProxy, direct);
    assert.match(viaProxy, /\*6\r\n\*-1\r\n\$2\r\nhi\r\n\+OK\r\n\*2\r\n\$1\r\n1\r\n\$1\r\n2\r\n:2\r\n\+OK\r\n$/);
  });

  it('commands Redis refuses in MULTI (SAVE), ones the proxy answers itself (HELLO, CLIENT KILL) and CONFIG SET while admin commands are off abort EXEC', async function () {
    const [viaProxy, direct] = await bothSay(resp('MULTI', 'SET tx:r 1', 'SAVE', 'EXEC'));
    assert.equal(viaProxy, direct);
    assert.match(viaProxy, /-ERR Command not allowed inside a transaction\r\n-EXECABORT/);
    const refusals = [
      ['HELLO 3', 'slotproxy: HELLO inside MULTI is not supported'],
      ['CLIENT KILL TYPE normal', 'slotproxy: CLIENT KILL inside MULTI is not supported'],
      // refused as outside MULTI (SLOTPROXY_ADMIN_COMMANDS is off here); allowed, it is queued (one-server/config-set-in-multi)
      ['CONFIG SET maxmemory 1', 'CONFIG SET is turned off in slotproxy'],
    ];
    for (const [cmd, refusal] of refusals) {
      const got = (await exchange(proxy.port, resp('MULTI', 'SET tx:r 1', cmd, 'EXEC', 'EXISTS tx:r'))).data.toString();
      assert.match(got, new RegExp(`^\\+OK\r\n\\+QUEUED\r\n-ERR ${refusal}.*\r\n-EXECABORT Transaction discarded because of previous errors\\.\r\n:0\r\n$`));
    }
  });

  it('keys of two slots: CROSSSLOT at EXEC on one node, CROSSSLOT in place of the MOVED while queueing across nodes', async function () {
    const owner = ownerPort('tx:x1');
    // a second key of another slot on the same node, and one on another node
    let sameNode = '';
    let otherNode = '';
    for (let i = 0; !sameNode || !otherNode; i++) {
      const k = `tx:y${i}`;
      if (slotOf(k) === slotOf('tx:x1')) continue;
      if ((ownerPort(k)) === owner) sameNode ||= k;
      else otherNode ||= k;
    }
    for (const second of [sameNode, otherNode]) {
      const input = resp('MULTI', 'SET tx:x1 1', `SET ${second} 2`, 'EXEC');
      const viaProxy = (await exchange(proxy.port, input)).data.toString('latin1');
      // the node's answer, without the internal address it names (lib/proxy/families/transaction-run.ts)
      const node = (await exchange(owner, input)).data.toString('latin1').replace(/-MOVED \d+ \S+\r\n/, "-CROSSSLOT Keys in request don't hash to the same slot\r\n");
      assert.equal(viaProxy, node, `second key ${second}`);
    }
    assert.match((await exchange(proxy.port, resp('MULTI', 'SET tx:x1 1', `SET ${sameNode} 2`, 'EXEC'))).data.toString(), /-CROSSSLOT/);
    assert.match((await exchange(proxy.port, resp('MULTI', 'SET tx:x1 1', `SET ${otherNode} 2`, 'EXEC'))).data.toString(), /\+QUEUED\r\n-CROSSSLOT .*\r\n-EXECABORT/);
    const watch = (await exchange(proxy.port, resp(`WATCH tx:x1 ${otherNode}`, 'MULTI', 'EXEC'))).data.toString();
    // one WATCH of keys on two nodes: watched on each, as one server watches them (a cluster node says CROSSSLOT)
    assert.equal(watch, resp('+OK', '+OK', '*0'));
  });

  it('transactions do not block other clients, and commands after EXEC keep their order', async function () {
    const a = client();
    const b = client();
    assert.equal(await a.call('MULTI'), 'OK');
    assert.equal(await a.call('SET', 'tx:o', 'queued'), 'QUEUED');
    // a's transaction is open on that node: b's commands on the same key still run at once
    assert.equal(await b.set('tx:o', 'b'), 'OK');
    assert.equal(await b.get('tx:o'), 'b');
    assert.deepEqual(await a.call('EXEC'), ['OK']);

    // 100 transactions on three slots, pipelined with reads of what they wrote and commands on
    // keys of every master
    const lines: string[] = ['DEL {txo0}n {txo0}v {txo1}n {txo1}v {txo2}n {txo2}v tx:o:0 tx:o:1 tx:o:2 tx:o:3 tx:o:4'];
    for (let i = 0; i < 100; i++) {
      const tag = `{txo${i % 3}}`;
      lines.push('MULTI', `INCR ${tag}n`, `SET ${tag}v ${i}`, 'EXEC', `GET ${tag}n`, `GET ${tag}v`, `APPEND tx:o:${i % 5} x`, `ECHO e${i}`);
    }
    const [viaProxy, direct] = await bothSay(resp(...lines));
    assert.equal(viaProxy, direct);
    assert.match(viaProxy, /\$2\r\n34\r\n\$2\r\n99\r\n:20\r\n\$3\r\ne99\r\n$/);
  });

  it('20 clients x 50 transactions on shared counters count exactly', async function () {
    const keys = ['{txc}a', '{txc}b', 'txc:solo'];
    const c0 = client();
    await c0.del(...keys.slice(0, 2));
    await c0.del(keys[2]);
    const workers = Array.from({ length: 20 }, () => client());
    await Promise.all(
      workers.map(async (c, w) => {
        for (let i = 0; i < 50; i++) {
          const tx = i % 2 ? c.multi().incr(keys[0]).incrby(keys[1], 2) : c.multi().incr(keys[2]).ping();
          const res = (await tx.exec())!;
          for (const [err] of res) assert.equal(err, null, `worker ${w} tx ${i}`);
        }
      }),
    );
    assert.deepEqual(await c0.mget(...keys), ['500', '1000', '500']);
  });

  it('WATCH-based check-and-set from 10 clients loses no increment', async function () {
    const c0 = client();
    await c0.set('tx:cas', '0');
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        const c = client();
        for (let i = 0; i < 20; ) {
          await c.watch('tx:cas');
          const v = Number(await c.get('tx:cas'));
          // nil: another client won the race; read again and retry
          if ((await c.multi().set('tx:cas', String(v + 1)).exec()) !== null) i++;
        }
      }),
    );
    assert.equal(await c0.get('tx:cas'), '200');
  });
});

describe('transactions: connections', function () {
  let cluster: SharedCluster;
  let proxy: RunningProxy;
  const clients: Redis[] = [];

  before(async function () {
    cluster = await sharedCluster();
    // its own proxy: nothing else opens dedicated connections on it
    proxy = await startProxy(cluster.seeds());
  });

  after(async function () {
    for (const c of clients) c.disconnect();
    await proxy?.stop();
  });

  const dedicatedOpen = (): number => proxy.proxy.router.allNodes().reduce((n, node) => n + node.dedicatedOpen, 0);
  const port = (key: string): number => Number(proxy.proxy.router.slotMap.owner(slotOf(key))!.split(':').pop());
  async function inMulti(key: string): Promise<number> {
    const list = await cluster.cli(port(key), 'CLIENT', 'LIST');
    return list.split('\n').filter((l) => /\bflags=\S*x/.test(l)).length;
  }

  it('a client that disconnects in MULTI or WATCH frees its dedicated connection', async function () {
    const before = dedicatedOpen();
    for (const [opening, replies] of [[resp('MULTI', 'SET tx:gone 1'), 2], [resp('WATCH tx:gone'), 1]] as const) {
      const socket = net.connect({ port: proxy.port, host: '127.0.0.1' });
      await new Promise((r) => socket.once('connect', r));
      const got = new ReplyReader(socket);
      socket.write(opening);
      await until(() => got.replies.length === replies, 'the transaction is open');
      assert.equal(got.text(), replies === 2 ? '+OK\r\n+QUEUED\r\n' : '+OK\r\n');
      assert.equal(dedicatedOpen(), before + 1);
      if (opening.startsWith('MULTI')) assert.ok((await inMulti('tx:gone')) >= 1);
      socket.destroy();
      await until(() => dedicatedOpen() === before, 'the dedicated connection is closed');
    }
    await until(async () => (await inMulti('tx:gone')) === 0, 'the node has no client left in MULTI');
    const c = new Redis({ port: proxy.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    clients.push(c);
    assert.equal(await c.exists('tx:gone'), 0, 'the abandoned transaction never ran');
  });

  it("a transaction does not overtake the client's earlier commands on a shared connection", async function () {
    // Two shared connections per node: a first client warms a dedicated connection and its own
    // shared one; the next client's shared one is still being opened when its SET arrives, while
    // its transaction gets the warm dedicated connection.
    const fresh = await startProxy(cluster.seeds(), { SLOTPROXY_BACKEND_CONNECTIONS: '2' });
    try {
      await exchange(fresh.port, resp('MULTI', 'SET {txf}a 0', 'SET {txf}w 0', 'EXEC'));
      const input = resp('SET {txf}a 1', 'MULTI', 'GET {txf}a', 'EXEC', 'SET {txf}w 1', 'WATCH {txf}w', 'MULTI', 'SET {txf}w 2', 'EXEC');
      const res = await exchange(fresh.port, input);
      assert.equal(res.data.toString(), resp('+OK', '+OK', '+QUEUED', '*1', '$1', '1', '+OK', '+OK', '+OK', '+QUEUED', '*1', '+OK'));
    } finally {
      await fresh.stop();
    }
  });

  it('QUIT inside MULTI closes the connection; the transaction never runs', async function () {
    const before = dedicatedOpen();
    const res = await exchange(proxy.port, resp('MULTI', 'SET tx:quit 1', 'QUIT', 'EXEC'), { sentinel: false });
    assert.equal(res.data.toString(), resp('+OK', '+QUEUED', '+OK'));
    assert.ok(res.closed);
    await until(() => dedicatedOpen() <= before, 'the dedicated connection is closed');
    const c = new Redis({ port: proxy.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    clients.push(c);
    assert.equal(await c.exists('tx:quit'), 0);
  });

  it('the pooled connection is reused after EXEC, and a lost one fails the transaction it held', async function () {
    const c = new Redis({ port: proxy.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    clients.push(c);
    await c.multi().set('tx:pool', '1').exec();
    const open = dedicatedOpen();
    for (let i = 0; i < 5; i++) await c.multi().incr('tx:pool').exec();
    assert.equal(dedicatedOpen(), open, 'idle dedicated connections are reused');

    assert.equal(await c.call('MULTI'), 'OK');
    assert.equal(await c.call('INCR', 'tx:pool'), 'QUEUED');
    const list = await cluster.cli(port('tx:pool'), 'CLIENT', 'LIST');
    const id = /id=(\d+) .*flags=\S*x/.exec(list)![1];
    await cluster.cli(port('tx:pool'), 'CLIENT', 'KILL', 'ID', id);
    await until(() => dedicatedOpen() === open - 1, 'the proxy saw the connection close');
    await assert.rejects(c.call('INCR', 'tx:pool'), /connection failed.*transaction was discarded/);
    await assert.rejects(c.call('EXEC'), /EXECABORT Transaction discarded because its connection failed/);
    assert.equal(await c.get('tx:pool'), '6', 'nothing of the lost transaction ran');
    assert.deepEqual(await c.multi().incr('tx:pool').exec(), [[null, 7]], 'the next transaction runs');
  });
});

describe('transactions: the slot moves between MULTI and EXEC', function () {
  let cluster: LocalCluster;
  let proxy: RunningProxy;
  const clients: Redis[] = [];

  before(async function () {
    cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 0 });
    // no periodic refresh: the proxy must follow the redirects by itself
    proxy = await startProxy(cluster.seeds(), { SLOTPROXY_REFRESH_MS: '600000' });
  });

  after(async function () {
    for (const c of clients) c.disconnect();
    await proxy?.stop();
    await cluster?.stop();
  });

  async function nodesFor(key: string) {
    // a refresh still queued by an earlier test's MOVED must not land after this test's SETSLOT
    // (the tests below need the proxy's slot map to be out of date on purpose)
    await proxy.proxy.refresher.refresh('test: settle');
    const slot = slotOf(key);
    const nodes = await cluster.clusterNodes();
    const source = nodes.find((n) => n.role === 'master' && n.slots.some(([a, b]) => a <= slot && slot <= b))!;
    const target = nodes.find((n) => n.role === 'master' && n.id !== source.id)!;
    return { slot, nodes, source, target };
  }

  it('MOVED: the transaction is re-run on the new owner and the client sees one clean run', async function () {
    const { slot, nodes, source, target } = await nodesFor('{txmove}k');
    const c = new Redis({ port: proxy.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    clients.push(c);
    assert.equal(await c.call('MULTI'), 'OK');
    assert.equal(await c.call('SET', '{txmove}k', 'v'), 'QUEUED');
    assert.equal(await c.call('INCR', '{txmove}n'), 'QUEUED');
    // the slot is empty (the SET is only queued), so it can be reassigned at once
    await giveEmptySlot(cluster, nodes, slot, target);
    assert.deepEqual(await c.call('EXEC'), ['OK', 1]);
    assert.equal(await cluster.cli(target.port, 'GET', '{txmove}k'), 'v');
    assert.equal(proxy.proxy.router.slotMap.owner(slot), `${target.host}:${target.port}`, 'the MOVED taught the slot map');
    assert.ok(proxy.proxy.router.stats.moved >= 1);
    assert.notEqual(source.id, target.id);
    // the next transaction goes straight to the new owner
    assert.deepEqual(await c.multi().incr('{txmove}n').exec(), [[null, 2]]);
  });

  it('ASK: a migrating slot re-runs the transaction on the importing node with ASKING', async function () {
    const { slot, nodes, source, target } = await nodesFor('{txask}k');
    await cluster.cli(target.port, 'CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', source.id);
    await cluster.cli(source.port, 'CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', target.id);
    const c = new Redis({ port: proxy.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    clients.push(c);
    assert.deepEqual(await c.multi().set('{txask}k', 'v').get('{txask}k').exec(), [
      [null, 'OK'],
      [null, 'v'],
    ]);
    assert.ok(proxy.proxy.router.stats.ask >= 1, 'the ASK was followed');
    for (const n of nodes.filter((x) => x.role === 'master')) await cluster.cli(n.port, 'CLUSTER', 'SETSLOT', String(slot), 'NODE', target.id);
    assert.equal(await cluster.cli(target.port, 'GET', '{txask}k'), 'v');
    assert.equal(await c.get('{txask}k'), 'v');
  });

  it('a WATCH sent where the proxy wrongly thinks the slot is follows the MOVED, and still guards the key', async function () {
    const { slot, nodes, source, target } = await nodesFor('{txwf}k');
    await giveEmptySlot(cluster, nodes, slot, target);
    assert.equal(proxy.proxy.router.slotMap.owner(slot), `${source.host}:${source.port}`, 'the proxy does not know yet');
    const a = new Redis({ port: proxy.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    const b = new Redis({ port: proxy.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    clients.push(a, b);
    assert.equal(await a.watch('{txwf}k'), 'OK');
    await b.set('{txwf}k', 'b');
    assert.equal(await a.multi().set('{txwf}k', 'a').exec(), null, 'the WATCH on the new owner saw b');
    assert.equal(await a.watch('{txwf}k'), 'OK');
    assert.deepEqual(await a.multi().set('{txwf}k', 'a').exec(), [[null, 'OK']]);
    assert.equal(await cluster.cli(target.port, 'GET', '{txwf}k'), 'a');
  });

  it('while two nodes redirect a slot to each other, requests wait until they agree instead of spending their redirects at once', async function () {
    const { slot, source, target } = await nodesFor('{txpp}k');
    // The old owner gives the slot away, the new one does not know it yet: each names the other.
    await cluster.cli(source.port, 'CLUSTER', 'SETSLOT', String(slot), 'NODE', target.id);
    const c = new Redis({ port: proxy.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    clients.push(c);
    assert.equal(await c.call('MULTI'), 'OK');
    assert.equal(await c.call('INCR', '{txpp}n'), 'QUEUED');
    const d = new Redis({ port: proxy.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    clients.push(d);
    await d.ping();
    const moved = proxy.proxy.router.stats.moved;
    const exec = c.call('EXEC');
    const set = d.set('{txpp}k', 'v');
    await until(() => proxy.proxy.router.stats.moved >= moved + 2, 'the two nodes redirected to each other');
    await sleep(300);
    // the new owner takes the slot as a reshard does (its config epoch bumped with it)
    await cluster.cli(target.port, 'CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', source.id);
    await cluster.cli(target.port, 'CLUSTER', 'SETSLOT', String(slot), 'NODE', target.id);
    assert.deepEqual(await exec, [1]);
    assert.equal(await set, 'OK');
    assert.equal(await cluster.cli(target.port, 'GET', '{txpp}k'), 'v');
  });

  it('with WATCH, a watched slot that moved makes EXEC answer nil (never the node’s redirect)', async function () {
    const { slot, nodes, target } = await nodesFor('{txwm}k');
    const c = new Redis({ port: proxy.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    clients.push(c);
    assert.equal(await c.watch('{txwm}k'), 'OK');
    assert.equal(await c.call('MULTI'), 'OK');
    assert.equal(await c.call('SET', '{txwm}k', 'v'), 'QUEUED');
    await giveEmptySlot(cluster, nodes, slot, target);
    // the WATCH on the old owner cannot see writes on the new one: as if the key was touched
    assert.equal(await c.call('EXEC'), null);
    assert.equal(await cluster.cli(target.port, 'EXISTS', '{txwm}k'), '0');
  });
});

// Fault: a command answered TRYAGAIN (keys split by a migration) or CLUSTERDOWN (a cluster state
// flip) is retried after a back-off. Its reply keeps its place; but commands the client had
// pipelined behind it were already sent and ran first: the node answered them before the
// TRYAGAIN reached the proxy. (A cluster client such as ioredis has the same window; a proxy
// cannot take back commands a node already ran.) These tests pin down what is promised: the
// retried write is applied exactly once, every reply arrives, in order, and the later command
// ran once; a later command that was itself redirected, or that the client sent while the
// retry was pending, runs after the retried one. A small fake node (a key-value store that refuses one command once) makes the window
// deterministic and records the order it ran the commands in.
import assert from 'node:assert/strict';
import { slotOf } from '../../../lib/protocol/crc16';
import { RawConn } from '../../harness/fault-conn';
import { bulk, FakeNode } from '../../harness/fault-node';
import { startProxy, type RunningProxy } from '../../harness/proxy';
import { until } from '../../harness/wait';

describe('fault: a retried command keeps its place among the client\'s commands', function () {
  this.timeout(60_000);
  let node: FakeNode;
  let proxy: RunningProxy;
  const store = new Map<string, string>();
  const refuseOnce = new Map<string, string>();
  const ran: string[] = [];

  before(async function () {
    node = await FakeNode.start({
      handler: (args) => {
        const name = args[0].toUpperCase();
        const refusal = refuseOnce.get(name);
        if (refusal) {
          refuseOnce.delete(name);
          ran.push(`${name} refused`);
          return `-${refusal}\r\n`;
        }
        ran.push(name);
        switch (name) {
          case 'SET':
            store.set(args[1], args[2]);
            return '+OK\r\n';
          case 'MSET':
            for (let i = 1; i + 1 < args.length; i += 2) store.set(args[i], args[i + 1]);
            return '+OK\r\n';
          case 'GET':
            return store.has(args[1]) ? bulk(store.get(args[1])!) : '$-1\r\n';
          case 'MGET':
            return `*${args.length - 1}\r\n` + args.slice(1).map((k) => (store.has(k) ? bulk(store.get(k)!) : '$-1\r\n')).join('');
          default:
            return `-ERR fake node: ${name}\r\n`;
        }
      },
    });
    // a back-off long enough for a test to send more while a command waits it out
    proxy = await startProxy(node.address, { SLOTPROXY_REFRESH_MS: '600000', SLOTPROXY_RETRY_DELAY_MS: '200' });
  });

  after(async function () {
    await proxy?.stop();
    await node?.close();
  });

  beforeEach(function () {
    store.clear();
    ran.length = 0;
  });

  it('MSET answered TRYAGAIN, then MGET of the same keys: MSET applied once, both replies in order', async function () {
    refuseOnce.set('MSET', 'TRYAGAIN Multiple keys request during rehashing of slot');
    const conn = await RawConn.connect(proxy.port);
    const [mset, mget] = await conn.send([['MSET', '{ro}a', '1', '{ro}b', '1'], ['MGET', '{ro}a', '{ro}b']]);
    conn.destroy();
    console.log(`      [TRYAGAIN] replies ${JSON.stringify([mset.value ?? mset.error, mget.value ?? mget.error])}; the node ran: ${ran.join(', ')}`);
    assert.equal(mset.value, 'OK');
    assert.ok(Array.isArray(mget.value) && mget.value.length === 2, 'the MGET got its own reply, after the MSET one');
    assert.deepEqual(ran, ['MSET refused', 'MGET', 'MSET'], 'pipelined MGET ran before the retry (the documented window); MSET ran once more');
    assert.deepEqual([store.get('{ro}a'), store.get('{ro}b')], ['1', '1'], 'the retried MSET was applied');
  });

  it('MSET answered TRYAGAIN, then MGET of the same keys answered ASK: the MGET waits for the retried MSET and reads what it wrote', async function () {
    // In a migration the node runs MIGRATE between the two: the MSET finds the keys split
    // (TRYAGAIN), the MGET finds them all gone (ASK). Followed at once, the ASK would run the MGET
    // on the importing node before the MSET's retry wrote the keys there.
    refuseOnce.set('MSET', 'TRYAGAIN Multiple keys request during rehashing of slot');
    refuseOnce.set('MGET', `ASK ${slotOf('{ro}a')} ${node.address}`);
    store.set('{ro}a', 'old');
    store.set('{ro}b', 'old');
    const conn = await RawConn.connect(proxy.port);
    const [mset, mget] = await conn.send([['MSET', '{ro}a', 'new', '{ro}b', 'new'], ['MGET', '{ro}a', '{ro}b']]);
    conn.destroy();
    console.log(`      [TRYAGAIN then ASK] replies ${JSON.stringify([mset.value ?? mset.error, mget.value ?? mget.error])}; the node ran: ${ran.join(', ')}`);
    assert.equal(mset.value, 'OK');
    assert.deepEqual(mget.value, ['new', 'new'], 'the MGET ran after the retried MSET');
    assert.deepEqual(ran.filter((c) => c === 'MSET' || c === 'MGET'), ['MSET', 'MGET']);
  });

  it('a command the client sends while an earlier one waits out TRYAGAIN runs after it', async function () {
    refuseOnce.set('SET', 'TRYAGAIN Multiple keys request during rehashing of slot');
    store.set('ro:late', 'old');
    const conn = await RawConn.connect(proxy.port);
    const tryagain = proxy.proxy.router.stats.tryagain;
    const set = conn.send([['SET', 'ro:late', 'new']]);
    await until(() => proxy.proxy.router.stats.tryagain > tryagain, 'the SET was answered TRYAGAIN');
    const get = conn.send([['GET', 'ro:late']]);
    const [[setReply], [getReply]] = await Promise.all([set, get]);
    conn.destroy();
    console.log(`      [sent during the back-off] replies ${JSON.stringify([setReply.value ?? setReply.error, getReply.value ?? getReply.error])}; the node ran: ${ran.join(', ')}`);
    assert.equal(setReply.value, 'OK');
    assert.equal(getReply.value, 'new', 'the GET waited for the retried SET');
    assert.deepEqual(ran, ['SET refused', 'SET', 'GET']);
  });

  it('SET answered CLUSTERDOWN, then GET of the same key: SET applied once, both replies in order', async function () {
    refuseOnce.set('SET', 'CLUSTERDOWN The cluster is down');
    const conn = await RawConn.connect(proxy.port);
    const [set, get] = await conn.send([['SET', 'ro:k', 'v'], ['GET', 'ro:k']]);
    conn.destroy();
    console.log(`      [CLUSTERDOWN] replies ${JSON.stringify([set.value ?? set.error, get.value ?? get.error])}; the node ran: ${ran.join(', ')}`);
    assert.equal(set.value, 'OK');
    assert.ok(get.error === undefined, 'the GET got a reply of its own');
    assert.deepEqual(ran, ['SET refused', 'GET', 'SET'], 'pipelined GET ran before the retry (the documented window); SET ran once more');
    assert.equal(store.get('ro:k'), 'v', 'the retried SET was applied');
  });
});

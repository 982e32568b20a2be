// Issue 23, item 3: MULTI with keys on two nodes. Today the second node's key gets a backend's
// "-MOVED <slot> <internal address>" and EXEC then EXECABORT: the client sees an address it
// cannot use. Wanted: Redis Cluster's CROSSSLOT-style refusal inside the transaction, never a
// redirect the proxy itself would have followed. (Expected to fail until the transaction
// family is reworked; see docs/compatibility.md.)
import assert from 'node:assert/strict';
import { sharedCluster } from '../../harness/mocha-hooks';
import { startProxy, type RunningProxy } from '../../harness/proxy';
import { exchange } from '../../harness/raw-client';
import { command } from '../../../lib/protocol/resp';
import { keySlot } from '../../../lib/protocol/crc16';

/** Two tags whose slots different masters serve. */
function tagsOnTwoMasters(proxy: RunningProxy): [string, string] {
  const map = proxy.proxy.router.slotMap;
  const first = '{m2n-a}';
  const owner = map.owner(keySlot(Buffer.from(first)));
  for (let i = 0; ; i++) {
    const t = `{m2n-${i}}`;
    if (map.owner(keySlot(Buffer.from(t))) !== owner) return [first, t];
  }
}

describe('one server: MULTI with keys on two nodes (issue 23, item 3)', function () {
  this.timeout(30_000);
  let proxy: RunningProxy;
  let a: string;
  let b: string;

  before(async function () {
    const cluster = await sharedCluster();
    proxy = await startProxy(cluster.seeds());
    [a, b] = tagsOnTwoMasters(proxy);
  });

  after(async function () {
    await proxy?.stop();
  });

  const replies = async (...cmds: string[][]): Promise<string[]> => {
    const raw = (await exchange(proxy.port, Buffer.concat(cmds.map((c) => command(c))))).data.toString('latin1');
    return raw.split('\r\n').filter((l) => /^[+\-:*$]/.test(l) && !/^\$\d/.test(l));
  };

  it('a command for another node inside MULTI is refused with CROSSSLOT, and EXEC aborts', async function () {
    const got = await replies(['MULTI'], ['SET', `${a}x`, '1'], ['SET', `${b}y`, '2'], ['EXEC'], ['MGET', `${a}x`]);
    for (const line of got) assert.doesNotMatch(line, /^-(MOVED|ASK) /, `a redirect reached the client: ${got.join(' | ')}`);
    assert.deepEqual(got.slice(0, 2), ['+OK', '+QUEUED']);
    assert.match(got[2], /^-CROSSSLOT /);
    assert.equal(got[3], '-EXECABORT Transaction discarded because of previous errors.');
    // nothing of the transaction ran
    assert.deepEqual(got.slice(4), ['*1', '$-1']);
  });

  // (The first version of this test expected CROSSSLOT here too, as a cluster node whose WATCH
  // pins the transaction would answer. WATCH now works on keys of any node, as on one server, so
  // the transaction runs on its own key's node; only the keys of the transaction itself must
  // share a node.)
  it('after WATCH of one node’s key, a transaction on another node’s key runs, as on one server', async function () {
    const got = await replies(['WATCH', `${a}w`], ['MULTI'], ['SET', `${b}w`, '1'], ['EXEC'], ['EXISTS', `${b}w`]);
    assert.deepEqual(got, ['+OK', '+OK', '+QUEUED', '*1', '+OK', ':1']);
  });

  it('after WATCH, a key of another node than the transaction’s first key gets the same refusal', async function () {
    const got = await replies(['WATCH', `${a}w`], ['MULTI'], ['SET', `${a}w`, '1'], ['SET', `${b}w`, '1'], ['EXEC']);
    for (const line of got) assert.doesNotMatch(line, /^-(MOVED|ASK) /, `a redirect reached the client: ${got.join(' | ')}`);
    assert.deepEqual(got.slice(0, 3), ['+OK', '+OK', '+QUEUED']);
    assert.match(got[3], /^-CROSSSLOT /);
    assert.equal(got[4], '-EXECABORT Transaction discarded because of previous errors.');
  });
});

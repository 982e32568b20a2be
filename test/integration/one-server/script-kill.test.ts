// Issue 23, item 1: SCRIPT KILL / FUNCTION KILL reach a busy node. A runaway script sent through
// the proxy must be stoppable through the proxy (OK, as one server answers), NOTBUSY only when no
// script runs, and a busy node must hold up only the requests that go to it. A cluster of its
// own, with a short busy-reply-threshold so a script becomes killable at once. (Expected to fail
// until the core is reworked; see docs/compatibility.md.)
import assert from 'node:assert/strict';
import Redis from 'ioredis';
import { LocalCluster } from '../../../lib/localcluster/local-cluster';
import { keySlot } from '../../../lib/protocol/crc16';
import { masterOf, nodeCall } from '../../harness/fault-cluster';
import { startProxy, type RunningProxy } from '../../harness/proxy';
import { until } from '../../harness/wait';

const BUSY_MS = 100;
const LIBRARY = `#!lua name=compat_spin
redis.register_function('compat_spin', function(keys, args) while true do end end)`;

describe('one server: SCRIPT KILL / FUNCTION KILL reach a busy node (issue 23, item 1)', function () {
  this.timeout(120_000);
  let cluster: LocalCluster;
  let proxy: RunningProxy;
  let client: Redis;

  before(async function () {
    cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 0, extraArgs: ['--busy-reply-threshold', String(BUSY_MS)] });
    // a bounded request timeout: without the fix the kill waits behind the script until it
    proxy = await startProxy(cluster.seeds(), { SLOTPROXY_REQUEST_TIMEOUT_MS: '3000' });
    client = new Redis({ port: proxy.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    await client.call('FUNCTION', 'LOAD', 'REPLACE', LIBRARY);
  });

  after(async function () {
    client?.disconnect();
    await proxy?.stop();
    await cluster?.stop();
  });

  /** Starts a runaway script on the master of `key`'s slot; resolves once that node says BUSY. */
  async function runaway(key: string, how: 'eval' | 'fcall'): Promise<{ reply: Promise<unknown>; spinner: Redis; node: { host: string; port: number } }> {
    const node = await masterOf(cluster, keySlot(Buffer.from(key)));
    const spinner = new Redis({ port: proxy.port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null });
    spinner.on('error', () => undefined);
    const call = how === 'eval' ? spinner.call('EVAL', 'while true do end', '1', key) : spinner.call('FCALL', 'compat_spin', '1', key);
    const reply = call.then((v) => v, (e: Error) => e.message);
    try {
      // nodeCall rejects with "PING on host:port: BUSY Redis is busy running a script ..."
      await until(async () => / BUSY /.test(String(await nodeCall(node, 'PING').catch((e: Error) => e.message))), 'the node is busy', 10_000);
    } catch (err) {
      spinner.disconnect();
      await unstick(node);
      throw err;
    }
    return { reply, spinner, node };
  }

  /** Whatever the proxy did, the node must not stay busy for the next test. */
  async function unstick(node: { host: string; port: number }): Promise<void> {
    await nodeCall(node, 'SCRIPT', 'KILL').catch(() => undefined);
    await nodeCall(node, 'FUNCTION', 'KILL').catch(() => undefined);
  }

  it('NOTBUSY when no script runs anywhere, as one server answers', async function () {
    await assert.rejects(client.call('SCRIPT', 'KILL'), /^ReplyError: NOTBUSY No scripts in execution right now\.$/);
    await assert.rejects(client.call('FUNCTION', 'KILL'), /^ReplyError: NOTBUSY No scripts in execution right now\.$/);
  });

  it('SCRIPT KILL through the proxy stops a runaway EVAL; other nodes answer meanwhile', async function () {
    const { reply, spinner, node } = await runaway('{spin-a}k', 'eval');
    try {
      // a key on another master is served while this one is busy
      const elsewhere = cluster.nodes.find((n) => n.port !== node.port)!;
      let other = '';
      for (let i = 0; (await masterOf(cluster, keySlot(Buffer.from((other = `{spin-other-${i}}k`))))).port !== elsewhere.port; i++);
      const side = new Redis({ port: proxy.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
      try {
        assert.equal(await side.set(other, 'served'), 'OK');
        assert.equal(await side.call('SCRIPT', 'KILL'), 'OK');
        assert.match(String(await reply), /Script killed by user with SCRIPT KILL/);
        assert.equal(await side.get(other), 'served');
        // the node serves again, through the proxy
        assert.equal(await side.set('{spin-a}k', 'after'), 'OK');
      } finally {
        side.disconnect();
      }
    } finally {
      spinner.disconnect();
      await unstick(node);
    }
  });

  // What the proxy does once a script runs past SLOTPROXY_REQUEST_TIMEOUT_MS (lib/backend/busy-watch.ts):
  // the node answers BUSY, so it is alive and its connection is kept.
  it('a script longer than the request timeout: its client waits, as on one server; those behind it get an error, new requests BUSY at once', async function () {
    // connected first: sent at once, before the proxy learnt that the node is busy
    const behindClient = new Redis({ port: proxy.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    const fresh = new Redis({ port: proxy.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    await Promise.all([behindClient.ping(), fresh.ping()]);
    const { reply, spinner, node } = await runaway('{spin-c}k', 'eval');
    let settled = false;
    void reply.then(() => (settled = true));
    try {
      // written behind the script on the node's shared connection
      const behind = await behindClient.get('{spin-c}other').then((v) => v, (e: Error) => e.message);
      assert.match(String(behind), /is running a script that has not ended within 3000 ms \(SLOTPROXY_REQUEST_TIMEOUT_MS\); this command was sent behind it and may run when the script ends/);
      // the script's own connection was not torn down: its request still waits for the script
      assert.equal(settled, false, "the script's request was answered while the script ran (its connection was reset)");
      // later requests reach the node at once, and it answers them as one server answers its other clients
      await until(async () => /^BUSY Redis is busy running a script\. You can only call SCRIPT KILL or SHUTDOWN NOSAVE\.$/.test(String(await fresh.get('{spin-c}k').catch((e: Error) => e.message))), 'BUSY from the node', 20_000);
      assert.equal(await fresh.call('SCRIPT', 'KILL'), 'OK');
      assert.match(String(await reply), /Script killed by user with SCRIPT KILL/);
      assert.equal(await fresh.set('{spin-c}k', 'after'), 'OK');
    } finally {
      behindClient.disconnect();
      fresh.disconnect();
      spinner.disconnect();
      await unstick(node);
    }
  });

  it('FUNCTION KILL through the proxy stops a runaway FCALL', async function () {
    const { reply, spinner, node } = await runaway('{spin-b}k', 'fcall');
    try {
      assert.equal(await client.call('FUNCTION', 'KILL'), 'OK');
      // (Redis 7.0 words it so for FUNCTION KILL too: the test first expected "with FUNCTION KILL",
      // which no Redis 7.0 node says; checked against one directly)
      assert.match(String(await reply), /Script killed by user with SCRIPT KILL\.\.\. script: compat_spin/);
      assert.equal(await client.set('{spin-b}k', 'after'), 'OK');
    } finally {
      spinner.disconnect();
      await unstick(node);
    }
  });
});

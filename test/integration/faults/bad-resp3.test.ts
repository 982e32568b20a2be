// Fault: a node that speaks bad RESP3 once the proxy's connection said HELLO 3 (malformed types,
// stray pushes, a push where a reply was due, replies that never end, a HELLO 3 it refuses). The
// RESP3 client gets its value or an error reply within the request timeout, in order; the proxy
// does not crash, reconnects, and its RESP2 connections to the same node are untouched.
import assert from 'node:assert/strict';
import { bulk, FakeNode } from '../../harness/fault-node';
import { compareToBaseline, snapshot } from '../../harness/fault-resources';
import { startProxy, type RunningProxy } from '../../harness/proxy';
import { Resp3Conn } from '../../harness/resp3-conn';

const REQUEST_TIMEOUT_MS = 1500;
const HELLO3 = '%3\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n';
const PUSH = '>2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nx\r\n';

/** key -> what the fake node answers a GET of it with (after HELLO 3 or not: the key decides) */
const ANSWERS: Record<string, string> = {
  'bad:map-count': '%abc\r\n',
  'bad:negative-set': '~-1\r\n',
  'bad:double': ',1.5.5\r\n',
  'bad:boolean': '#x\r\n',
  'bad:verbatim': '=3\r\ntxt\r\n',
  'bad:streamed': '$?\r\n;4\r\nHell\r\n;0\r\n',
  'bad:never-ends': '*2147483647\r\n:1\r\n',
  'bad:push-only': PUSH,
  'ok:stray-push': `${PUSH}${bulk('value')}`,
  'ok:pushes-around': `${PUSH}${PUSH}${bulk('value')}${PUSH}`,
  'ok:attribute': `|1\r\n+ttl\r\n:5\r\n${bulk('value')}`,
  'ok:blob-error': '!20\r\nERR something\r\nwrong\r\n',
  'ok:deep': `${'*1\r\n'.repeat(500)}:1\r\n`,
};

describe('fault: bad RESP3 from a node', function () {
  this.timeout(120_000);
  let node: FakeNode;
  let refusing: FakeNode;
  let proxy: RunningProxy;
  let proxy2: RunningProxy;

  before(async function () {
    node = await FakeNode.start({
      handler: (args) => {
        const name = args[0].toUpperCase();
        if (name === 'HELLO') return HELLO3;
        if (name === 'PING') return '+PONG\r\n';
        if (name !== 'GET') return '-ERR fake node\r\n';
        return ANSWERS[args[1]] ?? bulk(`plain:${args[1]}`);
      },
    });
    refusing = await FakeNode.start({
      handler: (args) => (args[0].toUpperCase() === 'HELLO' ? '-NOPROTO unsupported protocol version\r\n' : bulk(`plain:${args[1]}`)),
    });
    const env = { SLOTPROXY_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS), SLOTPROXY_CONNECT_TIMEOUT_MS: '500' };
    [proxy, proxy2] = await Promise.all([startProxy(node.address, env), startProxy(refusing.address, env)]);
  });

  after(async function () {
    await Promise.all([proxy?.stop(), proxy2?.stop()]);
    await Promise.all([node?.close(), refusing?.close()]);
  });

  it('each GET gets its value or an error, in order; RESP2 clients do not notice; the proxy stays up', async function () {
    const base = await snapshot();
    const resp3 = await Resp3Conn.resp3(proxy.port);
    const resp2 = await Resp3Conn.connect(proxy.port);
    const problems: string[] = [];
    const report: string[] = [];
    for (const key of Object.keys(ANSWERS)) {
      const t0 = performance.now();
      // a RESP2 client on the same node meanwhile: its own connection, unaffected
      resp2.send(['GET', 'resp2']);
      const [got, echo] = await resp3.call(['GET', key], ['ECHO', `after:${key}`]);
      const ms = Math.round(performance.now() - t0);
      report.push(`${key}: ${JSON.stringify(got.slice(0, 70))} (${ms} ms)`);
      const [r2] = await resp2.take(1);
      if (r2 !== bulk('plain:resp2')) problems.push(`${key}: the RESP2 client got ${JSON.stringify(r2)}`);
      if (echo !== bulk(`after:${key}`)) problems.push(`${key}: out of order (ECHO answered ${JSON.stringify(echo)})`);
      if (key.startsWith('ok:')) {
        const want = key === 'ok:attribute' || key === 'ok:blob-error' || key === 'ok:deep' ? ANSWERS[key] : bulk('value');
        if (got !== want) problems.push(`${key}: ${JSON.stringify(got)} where ${JSON.stringify(want)} was due`);
      } else if (!got.startsWith('-ERR')) {
        problems.push(`${key}: ${JSON.stringify(got.slice(0, 70))} is no error`);
      }
      if (ms > REQUEST_TIMEOUT_MS + 3000) problems.push(`${key}: answered after ${ms} ms`);
    }
    console.log(`      [bad RESP3]\n${report.map((l) => `        ${l}`).join('\n')}`);
    assert.deepEqual(problems, []);
    // back to normal: the connection was made again
    assert.deepEqual(await resp3.call(['GET', 'plain']), [bulk('plain:plain')]);
    const strays = proxy.proxy.router.allNodes().flatMap((n) => n.multiplexed()).reduce((n, c) => n + c.strayPushes, 0);
    assert.ok(strays >= 4, `the stray pushes were dropped and counted (${strays})`);
    resp3.close();
    resp2.close();
    const res = await compareToBaseline(base);
    console.log(`        resources: ${res.line}`);
    assert.deepEqual(res.problems, []);
  });

  it('a node that refuses HELLO 3: RESP3 clients get errors within the timeout, RESP2 clients their values', async function () {
    const resp3 = await Resp3Conn.resp3(proxy2.port);
    const resp2 = await Resp3Conn.connect(proxy2.port);
    try {
      const t0 = performance.now();
      const [got] = await resp3.call(['GET', 'k']);
      // written right after the handshake (as after AUTH), or waiting for a connection until its deadline
      assert.match(got, /^-ERR (slotproxy: could not send to 127\.0\.0\.1:\d+ within 1500 ms \()?handshake with 127\.0\.0\.1:\d+ failed: NOPROTO unsupported protocol version(\); the command did not run|; the command may or may not have run)\r\n$/);
      assert.ok(performance.now() - t0 < REQUEST_TIMEOUT_MS + 3000);
      assert.deepEqual(await resp2.call(['GET', 'k']), [bulk('plain:k')]);
    } finally {
      resp3.close();
      resp2.close();
    }
  });
});

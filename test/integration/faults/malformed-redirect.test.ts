// Fault: a node sends malformed MOVED/ASK errors (non-numeric or out-of-range slot, `__proto__`
// and other Object.prototype names as host, empty host, bad port, no address, a huge line).
// The client gets an error reply or the right value, within the request timeout; the proxy does
// not crash and Object.prototype stays clean.
import assert from 'node:assert/strict';
import { slotOf } from '../../../lib/protocol/crc16';
import { RawConn } from '../../harness/fault-conn';
import { bulk, FakeNode } from '../../harness/fault-node';
import { compareToBaseline, snapshot } from '../../harness/fault-resources';
import { startProxy, type RunningProxy } from '../../harness/proxy';
import { until } from '../../harness/wait';

const REQUEST_TIMEOUT_MS = 2000;

describe('fault: malformed MOVED/ASK from a node', function () {
  this.timeout(120_000);
  let a: FakeNode;
  let b: FakeNode;
  let proxy: RunningProxy;

  /** key -> the error line the fake node answers a GET of it with */
  const redirects = (): Record<string, string> => ({
    'bad:slot-text': `MOVED abc ${a.address}`,
    'bad:slot-proto': `MOVED __proto__ ${a.address}`,
    'bad:slot-big': `MOVED 99999 ${a.address}`,
    'bad:slot-16384': `MOVED 16384 ${a.address}`,
    'bad:slot-negative': `MOVED -1 ${a.address}`,
    'bad:host-proto': `MOVED ${slotOf('bad:host-proto')} __proto__:${a.port}`,
    'bad:host-constructor': `MOVED ${slotOf('bad:host-constructor')} constructor:${a.port}`,
    'bad:host-hasown': `MOVED ${slotOf('bad:host-hasown')} hasOwnProperty:${a.port}`,
    'bad:ask-proto': `ASK ${slotOf('bad:ask-proto')} __proto__:${a.port}`,
    'bad:ask-prototype': `ASK ${slotOf('bad:ask-prototype')} prototype:${a.port}`,
    'bad:port-big': `MOVED ${slotOf('bad:port-big')} 127.0.0.1:99999`,
    'bad:port-zero': `MOVED ${slotOf('bad:port-zero')} 127.0.0.1:0`,
    'bad:port-text': `MOVED ${slotOf('bad:port-text')} 127.0.0.1:abc`,
    'bad:no-address': `MOVED ${slotOf('bad:no-address')}`,
    'bad:no-port': `MOVED ${slotOf('bad:no-port')} 127.0.0.1`,
    'bad:extra': `MOVED ${slotOf('bad:extra')} ${a.address} extra`,
    'bad:long-host': `MOVED ${slotOf('bad:long-host')} ${'h'.repeat(70_000)}:${a.port}`,
    'bad:ctl-host': `MOVED ${slotOf('bad:ctl-host')} 127.0.0.1\u0001:${a.port}`,
    // empty host: the node that answered (Redis 7 sends it when it does not know its endpoint);
    // b answers with the right value
    'good:empty-host': `MOVED ${slotOf('good:empty-host')} :${b.port}`,
    'good:ask-empty-host': `ASK ${slotOf('good:ask-empty-host')} :${b.port}`,
  });

  before(async function () {
    b = await FakeNode.start({ slotsOwner: () => a, handler: (args) => (args[0].toUpperCase() === 'GET' ? bulk(`right:${args[1]}`) : '-ERR fake node b\r\n') });
    a = await FakeNode.start({
      handler: (args) => {
        if (args[0].toUpperCase() !== 'GET') return '-ERR fake node a\r\n';
        if (args[1] === 'plain') return bulk('plain-value');
        const line = redirects()[args[1]];
        return line ? `-${line}\r\n` : '$-1\r\n';
      },
    });
    proxy = await startProxy(a.address, { SLOTPROXY_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS), SLOTPROXY_REFRESH_MS: '1000' });
  });

  after(async function () {
    await proxy?.stop();
    await a?.close();
    await b?.close();
  });

  it('each gets an error or the right value; no crash, no prototype pollution', async function () {
    const protoBefore = Object.getOwnPropertyNames(Object.prototype).sort();
    const base = await snapshot();
    const keys = Object.keys(redirects());
    const conn = await RawConn.connect(proxy.port);
    const cmds: string[][] = [];
    for (const k of keys) cmds.push(['GET', k], ['ECHO', `after:${k}`]);
    const t0 = performance.now();
    const got = await conn.send(cmds);
    const report: string[] = [];
    const problems: string[] = [];
    keys.forEach((k, i) => {
      const o = got[2 * i];
      const echo = got[2 * i + 1];
      const ms = Math.round(o.at - t0);
      report.push(`${k}: ${o.ok ? JSON.stringify(o.value) : (o.error ?? '').slice(0, 90)} (${ms} ms)`);
      if (echo.value !== `after:${k}`) problems.push(`${k}: reply out of order (ECHO answered ${JSON.stringify(echo.value ?? echo.error)})`);
      if (o.noReply) problems.push(`${k}: no reply (${o.error})`);
      else if (o.ok && o.value !== `right:${k}`) problems.push(`${k}: a wrong value ${JSON.stringify(o.value)}`);
      else if (k.startsWith('good:') && !o.ok) problems.push(`${k}: an error where the redirect was valid: ${o.error}`);
      if (ms > REQUEST_TIMEOUT_MS + 3000) problems.push(`${k}: answered after ${ms} ms`);
    });
    console.log(`      [malformed redirects]\n${report.map((l) => `        ${l}`).join('\n')}`);
    assert.deepEqual(problems, []);

    // still serving, and nothing leaked onto Object.prototype
    const plain = await conn.call('GET', 'plain');
    assert.equal(plain.value, 'plain-value');
    assert.equal((await conn.call('PING')).value, 'PONG');
    conn.destroy();
    assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), protoBefore);
    const probe = {} as Record<string, unknown>;
    for (const name of ['host', 'port', 'slot', 'address', String(a.port), `${a.port}`]) assert.equal(probe[name], undefined, `Object.prototype.${name}`);
    assert.equal(Object.getPrototypeOf(probe), Object.prototype);
    // nodes named after bogus hosts are dropped once a refresh no longer lists them
    await until(() => proxy.proxy.router.allNodes().every((n) => n.address === a.address || n.address === b.address), 'only real nodes are left', 15_000);
    console.log(`        nodes left: ${proxy.proxy.router.allNodes().map((n) => n.address).join(', ')}`);
    const res = await compareToBaseline(base);
    console.log(`        resources: ${res.line}`);
    assert.deepEqual(res.problems, []);
  });
});

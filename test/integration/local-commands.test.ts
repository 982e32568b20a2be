// Commands the proxy answers itself, and the errors it gives, byte for byte where Redis has them.
import assert from 'node:assert/strict';
import Redis from 'ioredis';
import { startStandalone } from '../../lib/localcluster/local-cluster';
import { sharedCluster } from '../harness/mocha-hooks';
import { startProxy, type RunningProxy } from '../harness/proxy';
import { exchange } from '../harness/raw-client';
import { command } from '../../lib/protocol/resp';

describe('commands the proxy answers itself', function () {
  let proxy: RunningProxy;
  let client: Redis;
  let clusterPort: number;
  let standalone: { port: number; stop(): Promise<void> };

  before(async function () {
    const cluster = await sharedCluster();
    clusterPort = cluster.nodes[0].port;
    proxy = await startProxy(cluster.seeds());
    standalone = await startStandalone();
    client = new Redis({ port: proxy.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
  });

  after(async function () {
    client?.disconnect();
    await proxy?.stop();
    await standalone?.stop();
  });

  /** The same bytes to the proxy and to a cluster node (or a standalone server): the same answer. */
  async function sameAs(port: number, input: string | Buffer): Promise<string> {
    const [mine, theirs] = await Promise.all([exchange(proxy.port, input), exchange(port, input)]);
    assert.equal(mine.data.toString('latin1'), theirs.data.toString('latin1'), `reply to ${JSON.stringify(String(input))}`);
    assert.equal(mine.closed, theirs.closed, `connection closed after ${JSON.stringify(String(input))}`);
    return mine.data.toString('latin1');
  }

  it('PING and ECHO', async function () {
    assert.equal(await sameAs(clusterPort, 'PING\r\n'), '+PONG\r\n');
    assert.equal(await sameAs(clusterPort, command(['PING', 'hi'])), '$2\r\nhi\r\n');
    await sameAs(clusterPort, command(['PING', 'a', 'b']));
    assert.equal(await sameAs(clusterPort, command(['ECHO', 'x\r\ny'])), '$4\r\nx\r\ny\r\n');
    await sameAs(clusterPort, command(['ECHO']));
  });

  it('QUIT replies +OK and closes, after earlier replies', async function () {
    const r = await exchange(proxy.port, 'PING\r\nQUIT\r\nPING\r\n');
    assert.equal(r.data.toString(), '+PONG\r\n+OK\r\n');
    assert.equal(r.closed, true);
  });

  it('SELECT answers as a cluster node does', async function () {
    for (const db of ['0', '1', 'abc', '-1', '99999999999', '007', ' 1']) await sameAs(clusterPort, command(['SELECT', db]));
  });

  it('HELLO 2 describes the one-node cluster CLUSTER SLOTS names; versions other than 2 and 3 are refused', async function () {
    const hello = (await client.call('HELLO', '2')) as unknown[];
    const map = new Map<string, unknown>();
    for (let i = 0; i < hello.length; i += 2) map.set(String(hello[i]), hello[i + 1]);
    assert.equal(map.get('server'), 'redis');
    assert.equal(map.get('proto'), 2);
    assert.equal(map.get('mode'), 'cluster');
    assert.equal(map.get('role'), 'master');
    assert.equal(map.get('version'), proxy.proxy.clusterVersion);
    assert.equal(map.get('id'), await client.client('ID'));
    await assert.rejects(client.call('HELLO', '4'), /NOPROTO unsupported protocol version/);
    await assert.rejects(client.call('HELLO', 'x'), /Protocol version is not an integer or out of range/);
    await assert.rejects(client.call('HELLO', '2', 'FOO'), /Syntax error in HELLO option 'FOO'/);
    await client.call('HELLO', '2', 'SETNAME', 'via-hello');
    assert.equal(await client.client('GETNAME'), 'via-hello');
    await client.call('HELLO', '2', 'AUTH', 'default', 'anything');
  });

  it('CLIENT SETNAME / GETNAME / ID / SETINFO', async function () {
    assert.equal(await client.client('SETNAME', 'worker-1'), 'OK');
    assert.equal(await client.client('GETNAME'), 'worker-1');
    await assert.rejects(client.client('SETNAME', 'bad name'), /Client names cannot contain spaces, newlines or special characters/);
    assert.equal(typeof (await client.client('ID')), 'number');
    assert.equal(await client.call('CLIENT', 'SETINFO', 'lib-name', 'mylib'), 'OK');
    assert.equal(await client.call('CLIENT', 'SETINFO', 'LIB-VER', '1.2.3'), 'OK');
    await assert.rejects(client.call('CLIENT', 'SETINFO', 'lib-foo', 'x'), /Unrecognized option 'lib-foo'/);
    await sameAs(clusterPort, command(['CLIENT', 'NOSUCH']));
    await sameAs(clusterPort, command(['client', 'setname']));
  });

  it('COMMAND DOCS comes from the cluster, including replies deeper than hiredis reads', async function () {
    const count = await client.call('COMMAND', 'COUNT');
    const direct = new Redis({ port: clusterPort, host: '127.0.0.1' });
    try {
      // the cluster's commands and the proxy's own PROXY (test/integration/one-server/cluster-clients)
      assert.equal(count, Number(await direct.call('COMMAND', 'COUNT')) + 1);
      // a map in a RESP2 array, in each node's own hash order: compare it as a map
      const asMap = (reply: unknown): Map<string, string> => {
        const list = reply as unknown[];
        const m = new Map<string, string>();
        for (let i = 0; i < list.length; i += 2) m.set(String(list[i]), JSON.stringify(list[i + 1]));
        return m;
      };
      const docs = asMap(await client.call('COMMAND', 'DOCS'));
      const theirs = asMap(await direct.call('COMMAND', 'DOCS'));
      assert.ok(docs.size > 200);
      assert.deepEqual([...docs.keys()].sort(), [...theirs.keys()].sort());
      for (const name of ['get', 'xread', 'geosearch']) assert.equal(docs.get(name), theirs.get(name));
      const total = (m: Map<string, string>): number => [...m.values()].reduce((n, v) => n + v.length, 0);
      assert.equal(total(docs), total(theirs), 'nested subcommand maps differ only in order');
      assert.deepEqual(await client.call('COMMAND', 'INFO', 'get', 'blpop'), await direct.call('COMMAND', 'INFO', 'get', 'blpop'));
      // the shared connection is still fine after a deep reply
      assert.equal(await client.set('cmd:after-docs', 1), 'OK');
    } finally {
      direct.disconnect();
    }
  });

  it('INFO is the proxy’s own, with the fields clients look for', async function () {
    const info = (await client.info()) as string;
    assert.match(info, /# Server\r\nredis_version:\d+\.\d+/);
    assert.match(info, /loading:0/);
    assert.match(info, /connected_clients:\d+/);
    assert.match(info, /slotproxy_version:/);
    const clients = (await client.info('clients')) as string;
    assert.doesNotMatch(clients, /# Server/);
  });

  it('unknown commands, wrong arity and CROSSSLOT get Redis’s exact errors', async function () {
    await sameAs(clusterPort, command(['FOO', 'a', 'b']));
    await sameAs(clusterPort, command(['FOO']));
    await sameAs(clusterPort, command(['FOO', 'x'.repeat(300), 'y']));
    await sameAs(clusterPort, command(['GET']));
    await sameAs(clusterPort, command(['GET', 'a', 'b']));
    await sameAs(clusterPort, command(['msetnx', 'a', '1', 'b', '2']));
    await sameAs(clusterPort, command(['SORT', '{a}src', 'STORE', '{b}dst']));
    // (MIGRATE's CROSSSLOT, with admin commands on: security-admin-commands.test.ts)
    await sameAs(clusterPort, 'gEt\r\n');
    await sameAs(clusterPort, 'set "a b\r\n');
  });

  it('commands not supported yet say so', async function () {
    await assert.rejects(client.call('MONITOR'), /MONITOR is not supported by slotproxy yet/);
    await assert.rejects(client.call('SHUTDOWN'), /admin command/);
    assert.equal(await client.ping(), 'PONG');
  });

  it('inline commands work like multibulk ones', async function () {
    const r = await exchange(proxy.port, 'SET inline:k "hello world"\r\nGET inline:k\r\n');
    assert.equal(r.data.toString(), '+OK\r\n$11\r\nhello world\r\n');
  });
});

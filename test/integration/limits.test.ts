// Limits: maxclients, the query buffer, backpressure on unanswered commands, the output buffer of
// a client that never reads, the idle timeout. Each closes or slows the one client alone.
import assert from 'node:assert/strict';
import net from 'node:net';
import Redis from 'ioredis';
import { sharedCluster } from '../harness/mocha-hooks';
import { startProxy, type RunningProxy } from '../harness/proxy';
import { exchange } from '../harness/raw-client';
import { sleep, until } from '../harness/wait';

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1' }, () => resolve(s));
    s.on('error', reject);
  });
}

const closed = (s: net.Socket): Promise<void> => new Promise((resolve) => (s.destroyed ? resolve() : s.once('close', () => resolve())));

describe('limits', function () {
  this.timeout(120_000);
  let seeds: string;
  const proxies: RunningProxy[] = [];
  const start = async (env: Record<string, string>): Promise<RunningProxy> => {
    const p = await startProxy(seeds, env);
    proxies.push(p);
    return p;
  };

  before(async function () {
    seeds = (await sharedCluster()).seeds();
  });

  after(async function () {
    for (const p of proxies) await p.stop();
  });

  it('maxclients: one client too many gets Redis’s error and is closed; the others go on', async function () {
    const p = await start({ SLOTPROXY_MAX_CLIENTS: '3' });
    const keep = await Promise.all([connect(p.port), connect(p.port), connect(p.port)]);
    await until(() => p.proxy.sessions.size === 3, 'three sessions');
    const r = await exchange(p.port, '');
    assert.equal(r.data.toString(), '-ERR max number of clients reached\r\n');
    assert.equal(r.closed, true);
    const c = new Redis({ port: p.port, host: '127.0.0.1', lazyConnect: true });
    keep[0].destroy();
    await until(() => p.proxy.sessions.size === 2, 'a place is free again');
    await c.connect();
    assert.equal(await c.ping(), 'PONG');
    c.disconnect();
    for (const s of keep) s.destroy();
  });

  it('query buffer: a command larger than the limit closes the connection', async function () {
    const p = await start({ SLOTPROXY_MAX_QUERY_BUFFER: '1mb' });
    const s = await connect(p.port);
    s.write(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${4 * 1024 * 1024}\r\n`);
    s.write(Buffer.alloc(2 * 1024 * 1024, 120));
    await closed(s);
    assert.equal((await exchange(p.port, 'PING\r\n')).data.toString(), '+PONG\r\n');
  });

  it('backpressure: past SLOTPROXY_MAX_PENDING unanswered commands the client is not read; replies stay complete and in order', async function () {
    const p = await start({ SLOTPROXY_MAX_PENDING: '100' });
    const s = await connect(p.port);
    // A blocked BLPOP holds every later command of this client, so none is answered meanwhile.
    const n = 20_000;
    const cmds: string[] = ['*3\r\n$5\r\nBLPOP\r\n$10\r\nlim:bplist\r\n$1\r\n0\r\n'];
    for (let i = 0; i < n; i++) cmds.push(`*2\r\n$4\r\nECHO\r\n$${String(i).length}\r\n${i}\r\n`);
    const expected =
      '*2\r\n$10\r\nlim:bplist\r\n$1\r\nv\r\n' + Array.from({ length: n }, (_, i) => `$${String(i).length}\r\n${i}\r\n`).join('');
    const chunks: Buffer[] = [];
    let got = 0;
    const done = new Promise<void>((resolve) =>
      s.on('data', (c: Buffer) => {
        chunks.push(c);
        got += c.length;
        if (got >= expected.length) resolve();
      }),
    );
    s.write(cmds.join(''));
    const session = [...p.proxy.sessions][0];
    await until(() => session.pending >= 100, 'the client reaches the limit');
    await sleep(300);
    // the proxy stopped reading: what it holds is the limit plus at most one socket read
    assert.ok(session.pending < 100 + 16384, `pending ${session.pending} stays near the limit`);
    assert.ok(session.pending < n + 1, 'not everything was read');
    const pusher = new Redis({ port: p.port, host: '127.0.0.1' });
    await pusher.rpush('lim:bplist', 'v');
    await done;
    assert.equal(Buffer.concat(chunks).toString(), expected);
    pusher.disconnect();
    s.destroy();
  });

  it('output buffer: a client that never reads is closed alone', async function () {
    const p = await start({ SLOTPROXY_CLIENT_OUTPUT_LIMIT: '2mb' });
    const writer = new Redis({ port: p.port, host: '127.0.0.1' });
    await writer.set('lim:big', 'x'.repeat(256 * 1024));
    const s = await connect(p.port);
    s.pause(); // never reads: a paused socket does not even see the close, so watch the proxy
    await until(() => p.proxy.sessions.size === 2, 'both clients connected');
    const get = '*2\r\n$3\r\nGET\r\n$7\r\nlim:big\r\n';
    for (let i = 0; i < 200; i++) s.write(get);
    await until(() => p.proxy.sessions.size === 1, 'the proxy closed the client that does not read');
    s.destroy();
    assert.equal(await writer.strlen('lim:big'), 256 * 1024, 'the other client is unaffected');
    writer.disconnect();
  });

  it('idle timeout: idle clients are closed, blocked ones are not', async function () {
    const p = await start({ SLOTPROXY_TIMEOUT: '1' });
    const idle = await connect(p.port);
    const blocked = new Redis({ port: p.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    const popped = blocked.blpop('lim:list', 0);
    await closed(idle);
    await sleep(1500);
    const pusher = new Redis({ port: p.port, host: '127.0.0.1' });
    await pusher.lpush('lim:list', 'v');
    assert.deepEqual(await popped, ['lim:list', 'v'], 'the blocked client was spared');
    pusher.disconnect();
    blocked.disconnect();
  });
});

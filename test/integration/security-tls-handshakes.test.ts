// TLS handshake exhaustion: TCP connections that never start a handshake must not pile up. They
// count against SLOTPROXY_MAX_CLIENTS (beyond it they are closed at once) and are closed when the
// handshake is not done within the handshake timeout (SLOTPROXY_TIMEOUT, at most 10 s); clients
// already connected keep working throughout, and real TLS clients get in once the idle ones are gone.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import Redis from 'ioredis';
import { makeCerts, type TestCerts } from '../harness/certs';
import { sharedCluster } from '../harness/mocha-hooks';
import { startProxy, type RunningProxy } from '../harness/proxy';
import { until } from '../harness/wait';

describe('security: TLS handshakes count against the client limit and time out', function () {
  this.timeout(120_000);
  let certs: TestCerts;
  let proxy: RunningProxy;
  const idle: net.Socket[] = [];

  before(async function () {
    certs = makeCerts();
    proxy = await startProxy((await sharedCluster()).seeds(), {
      SLOTPROXY_TLS_CERT: certs.serverCert,
      SLOTPROXY_TLS_KEY: certs.serverKey,
      SLOTPROXY_MAX_CLIENTS: '40',
      SLOTPROXY_TIMEOUT: '2',
    });
  });

  after(async function () {
    for (const s of idle) s.destroy();
    await proxy?.stop();
    certs?.remove();
  });

  /** PING from a new TLS client: true when it is answered. */
  const served = async (): Promise<boolean> => {
    const c = tlsClient();
    c.on('error', () => {});
    try {
      return (await c.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      c.disconnect();
    }
  };

  const tlsClient = (): Redis => new Redis({ port: proxy.port, host: '127.0.0.1', tls: { ca: fs.readFileSync(certs.ca) }, maxRetriesPerRequest: 1, retryStrategy: () => null });

  it('300 idle TCP connections: those over the limit are closed at once, the rest after the handshake timeout; TLS clients are served', async function () {
    const early = tlsClient();
    try {
      assert.equal(await early.set('tls:hs', 'before'), 'OK');
      let closed = 0;
      await Promise.all(
        Array.from(
          { length: 300 },
          () =>
            new Promise<void>((resolve, reject) => {
              const s = net.connect({ port: proxy.port, host: '127.0.0.1' }, () => resolve());
              s.on('error', () => {});
              s.on('close', () => closed++);
              s.once('error', reject);
              idle.push(s);
            }),
        ),
      );
      // one client is connected: 39 handshakes may wait, the other 261 are refused (closed without waiting for a timeout)
      await until(() => proxy.proxy.stats.connectionsRejected >= 261, `connections over SLOTPROXY_MAX_CLIENTS refused (${proxy.proxy.stats.connectionsRejected})`);
      // the client already connected is served meanwhile, backend connections included
      assert.equal(await early.get('tls:hs'), 'before');
      // the idle ones never handshake: closed after SLOTPROXY_TIMEOUT (2 s), not Node's 120 s
      await until(() => closed === 300, `idle handshakes closed (${closed} of 300)`, 15_000);
      const late = tlsClient();
      try {
        assert.equal(await late.ping(), 'PONG');
        assert.equal(await late.get('tls:hs'), 'before');
      } finally {
        late.disconnect();
      }
    } finally {
      early.disconnect();
    }
  });

  it('a handshake in progress holds a place: at the limit a new TLS client is refused, and gets in once a place is free', async function () {
    const held = Array.from({ length: 40 }, () => net.connect({ port: proxy.port, host: '127.0.0.1' }).on('error', () => {}));
    idle.push(...held);
    await until(() => held.every((s) => !s.connecting), 'the idle connections are open');
    assert.equal(await served(), false, 'no place for a new client while 40 handshakes wait');
    for (const s of held) s.destroy();
    await until(served, 'a place is free again');
  });
});

// TLS on both sides: a cluster that speaks only TLS behind the proxy, and clients that must
// connect to the proxy with TLS (optionally with a client certificate).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import Redis from 'ioredis';
import { LocalCluster } from '../../lib/localcluster/local-cluster';
import { makeCerts, type TestCerts } from '../harness/certs';
import { startProxy, type RunningProxy } from '../harness/proxy';

describe('TLS', function () {
  this.timeout(120_000);
  let certs: TestCerts;
  let cluster: LocalCluster;

  before(async function () {
    certs = makeCerts();
    cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 1, tls: { ca: certs.ca, cert: certs.serverCert, key: certs.serverKey } });
  });

  after(async function () {
    await cluster?.stop();
    certs?.remove();
  });

  const backendEnv = (): Record<string, string> => ({
    SLOTPROXY_REDIS_TLS: 'yes',
    SLOTPROXY_REDIS_TLS_CA: certs.ca,
    SLOTPROXY_REDIS_TLS_CERT: certs.clientCert,
    SLOTPROXY_REDIS_TLS_KEY: certs.clientKey,
  });

  it('to a TLS-only cluster: shared, dedicated and fan-out connections all use TLS', async function () {
    const proxy = await startProxy(cluster.seeds(), backendEnv());
    const a = new Redis({ port: proxy.port, host: '127.0.0.1' });
    const b = new Redis({ port: proxy.port, host: '127.0.0.1' });
    try {
      await a.mset('tls:a', 1, 'tls:b', 2, 'tls:c', 3);
      assert.deepEqual(await a.mget('tls:a', 'tls:b', 'tls:c'), ['1', '2', '3']);
      const popped = b.blpop('tls:list', 0);
      await a.rpush('tls:list', 'x');
      assert.deepEqual(await popped, ['tls:list', 'x']);
      assert.ok((await a.dbsize()) >= 3);
      assert.ok(await proxy.proxy.refresher.refresh('test'));
    } finally {
      a.disconnect();
      b.disconnect();
      await proxy.stop();
    }
  });

  it('without TLS the proxy cannot reach a TLS-only cluster, and says so', async function () {
    await assert.rejects(startProxy(cluster.seeds()), /no cluster node answered CLUSTER SLOTS/);
  });

  describe('clients over TLS', function () {
    let proxy: RunningProxy;

    it('serves TLS clients; a plain TCP client gets nothing', async function () {
      proxy = await startProxy(cluster.seeds(), { ...backendEnv(), SLOTPROXY_TLS_CERT: certs.serverCert, SLOTPROXY_TLS_KEY: certs.serverKey });
      const c = new Redis({ port: proxy.port, host: '127.0.0.1', tls: { ca: fs.readFileSync(certs.ca) } });
      try {
        assert.equal(await c.set('tls:client', 'v'), 'OK');
        assert.equal(await c.get('tls:client'), 'v');
      } finally {
        c.disconnect();
      }
      const plain = await new Promise<string>((resolve) => {
        const s = net.connect({ port: proxy.port, host: '127.0.0.1' }, () => s.write('PING\r\n'));
        let got = '';
        s.on('data', (d) => (got += d.toString('latin1')));
        s.on('close', () => resolve(got));
        s.on('error', () => {});
      });
      assert.doesNotMatch(plain, /PONG/);
      await proxy.stop();
    });

    it('with SLOTPROXY_TLS_AUTH_CLIENTS, only clients with a certificate of the CA get in', async function () {
      proxy = await startProxy(cluster.seeds(), {
        ...backendEnv(),
        SLOTPROXY_TLS_CERT: certs.serverCert,
        SLOTPROXY_TLS_KEY: certs.serverKey,
        SLOTPROXY_TLS_CA: certs.ca,
        SLOTPROXY_TLS_AUTH_CLIENTS: 'yes',
      });
      const withCert = new Redis({
        port: proxy.port,
        host: '127.0.0.1',
        tls: { ca: fs.readFileSync(certs.ca), cert: fs.readFileSync(certs.clientCert), key: fs.readFileSync(certs.clientKey) },
      });
      try {
        assert.equal(await withCert.ping(), 'PONG');
      } finally {
        withCert.disconnect();
      }
      const refused = await new Promise<string>((resolve) => {
        const s = tls.connect({ port: proxy.port, host: '127.0.0.1', ca: fs.readFileSync(certs.ca) }, () => s.write('PING\r\n'));
        let got = '';
        s.on('data', (d) => (got += d.toString('latin1')));
        s.on('close', () => resolve(got));
        s.on('error', () => resolve(got));
      });
      assert.doesNotMatch(refused, /PONG/);
      await proxy.stop();
    });

    it('a missing key file stops start-up with a clear message', async function () {
      await assert.rejects(startProxy(cluster.seeds(), { SLOTPROXY_TLS_CERT: certs.serverCert }), /SLOTPROXY_TLS_CERT needs SLOTPROXY_TLS_KEY/);
      await assert.rejects(
        startProxy(cluster.seeds(), { ...backendEnv(), SLOTPROXY_REDIS_TLS_CA: '/nonexistent/ca.pem' }),
        /cannot read the CA certificate for the cluster/,
      );
    });
  });
});

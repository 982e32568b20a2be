// Every kind of bad input Redis 7 answers with a protocol error or by closing, sent to the proxy and to a standalone redis-server in the
// same test: the bytes on the wire and whether the connection closes must match.
import assert from 'node:assert/strict';
import { startStandalone } from '../../lib/localcluster/local-cluster';
import { sharedCluster } from '../harness/mocha-hooks';
import { startProxy, type RunningProxy } from '../harness/proxy';
import { exchange } from '../harness/raw-client';

const BIG = 70 * 1024;

const ROWS: [string, string | Buffer, { sentinel?: boolean }?][] = [
  ['non-numeric multibulk count', '*abc\r\n'],
  ['negative multibulk count', '*-10\r\n'],
  ['zero multibulk count', '*0\r\n'],
  ['empty line', '\r\n'],
  ["element not starting with '$'", '*1\r\nfooz\r\n'],
  ['bulk length -1', '*1\r\n$-1\r\n'],
  ['bulk length -10', '*1\r\n$-10\r\n'],
  ['non-numeric bulk length', '*1\r\n$abc\r\n'],
  ['bulk length above proto-max-bulk-len', '*1\r\n$600000000\r\n'],
  ['count line over 64 KiB', '*' + '1'.repeat(BIG), { sentinel: false }],
  ['bulk-length line over 64 KiB', '*1\r\n$' + '1'.repeat(BIG), { sentinel: false }],
  ['inline request over 64 KiB', 'GET ' + 'a'.repeat(BIG), { sentinel: false }],
  ['unbalanced quotes', 'set "a b\r\n'],
  ['unknown command', '*3\r\n$3\r\nfoo\r\n$1\r\na\r\n$1\r\nb\r\n'],
  ['wrong arity', '*1\r\n$3\r\nget\r\n'],
  ['valid commands before garbage', 'PING\r\n*1\r\n$4\r\nPING\r\n*abc\r\n'],
  ['HTTP POST', 'POST / HTTP/1.1\r\nHost: example\r\n\r\n'],
  ['Host: header', 'Host: example\r\n'],
];

describe('bad input: the proxy answers byte for byte as Redis 7', function () {
  let proxy: RunningProxy;
  let standalone: { port: number; stop(): Promise<void> };

  before(async function () {
    const cluster = await sharedCluster();
    proxy = await startProxy(cluster.seeds());
    standalone = await startStandalone();
  });

  after(async function () {
    await proxy?.stop();
    await standalone?.stop();
  });

  for (const [what, input, opts] of ROWS) {
    it(what, async function () {
      const [mine, redis] = await Promise.all([exchange(proxy.port, input, opts), exchange(standalone.port, input, opts)]);
      assert.equal(mine.data.toString('latin1'), redis.data.toString('latin1'));
      assert.equal(mine.closed, redis.closed, redis.closed ? 'Redis closes the connection' : 'Redis keeps the connection open');
    });
  }

  it('a multibulk count above 1,048,576 is refused (Redis 6.2 capped it; 7.0 only at INT_MAX)', async function () {
    const r = await exchange(proxy.port, '*2000000\r\n');
    assert.equal(r.data.toString(), '-ERR Protocol error: invalid multibulk length\r\n');
    assert.equal(r.closed, true);
  });

  it('other clients are unaffected by one client’s garbage', async function () {
    const r = await exchange(proxy.port, 'SET bad:k v\r\nGET bad:k\r\n');
    assert.equal(r.data.toString(), '+OK\r\n$1\r\nv\r\n');
  });
});

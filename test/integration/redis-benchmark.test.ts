// redis-benchmark's usual workloads through the proxy complete without errors (small -n: this
// checks behaviour, not speed; speed is measured in bench/).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { sharedCluster } from '../harness/mocha-hooks';
import { startProxy, type RunningProxy } from '../harness/proxy';

const run = promisify(execFile);
const TESTS = ['set', 'get', 'incr', 'lpush', 'rpush', 'lpop', 'rpop', 'sadd', 'hset', 'spop', 'zadd', 'lrange_100'];

describe('redis-benchmark through the proxy', function () {
  let proxy: RunningProxy;

  before(async function () {
    proxy = await startProxy((await sharedCluster()).seeds());
  });

  after(async function () {
    await proxy?.stop();
  });

  it('the full default test set (MSET of 10 keys included) completes without errors', async function () {
    const { stdout, stderr } = await run('redis-benchmark', ['-h', '127.0.0.1', '-p', String(proxy.port), '-q', '-n', '2000', '-c', '20'], { timeout: 120_000 });
    const text = stdout.replace(/\r/g, '\n');
    assert.doesNotMatch(text + stderr, /error/i, 'no error reply');
    const done = text.split('\n').filter((l) => /requests per second/.test(l)).map((l) => l.trim().split(':')[0]);
    for (const name of ['PING_INLINE', 'PING_MBULK', 'SET', 'GET', 'INCR', 'ZPOPMIN', 'LRANGE_600 (first 600 elements)', 'MSET (10 keys)']) {
      assert.ok(done.includes(name), `${name} finished: ${done.join(' | ')}`);
    }
  });

  for (const pipeline of ['1', '16']) {
    it(`-P ${pipeline}: every test completes without errors`, async function () {
      const { stdout, stderr } = await run(
        'redis-benchmark',
        ['-h', '127.0.0.1', '-p', String(proxy.port), '-t', TESTS.join(','), '-P', pipeline, '-q', '-n', '3000', '-c', '20', '-r', '10000'],
        { timeout: 120_000 },
      );
      const text = stdout.replace(/\r/g, '\n');
      assert.doesNotMatch(text + stderr, /error/i, 'no error reply');
      const done = text.split('\n').filter((l) => /requests per second/.test(l));
      for (const name of ['SET', 'GET', 'INCR', 'LPUSH', 'RPUSH', 'LPOP', 'RPOP', 'SADD', 'HSET', 'SPOP', 'ZADD', 'LRANGE_100']) {
        assert.ok(done.some((l) => l.trim().startsWith(`${name}:`) || l.trim().startsWith(`${name} `)), `${name} finished: ${done.join(' | ')}`);
      }
    });
  }
});

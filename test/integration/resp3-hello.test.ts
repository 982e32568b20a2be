// HELLO through the proxy against a standalone Redis 7.0 configured the same way: the same bytes
// for every error (bad version, bad option, AUTH failures, NOAUTH before AUTH), and the same map
// in the same protocol for every success, except the fields that must differ: `id` (the proxy's
// own client ids) and `mode` (the proxy is a one-node cluster wherever it describes itself, as
// CLUSTER SLOTS and INFO say; docs/compatibility.md).
import assert from 'node:assert/strict';
import { startStandalone, type StandaloneRedis } from '../../lib/localcluster/local-cluster';
import { sharedCluster } from '../harness/mocha-hooks';
import { startProxy, type RunningProxy } from '../harness/proxy';
import { Resp3Conn } from '../harness/resp3-conn';

/** What may differ between the proxy and a standalone Redis: the id, and mode cluster/standalone. */
function normalized(frame: string): string {
  return frame.replace(/(\$2\r\nid\r\n):\d+\r\n/, '$1:<id>\r\n').replace(/(\$4\r\nmode\r\n)\$(7\r\ncluster|10\r\nstandalone)\r\n/, '$1<mode>\r\n');
}

/** Each line a pipeline on a fresh connection; what follows HELLO shows the protocol it left. */
const SEQUENCES: string[][][] = [
  [['HELLO'], ['HGETALL', 'nokey']],
  [['HELLO', '2'], ['CLIENT', 'GETNAME']],
  [['HELLO', '3'], ['CLIENT', 'GETNAME'], ['HELLO'], ['HELLO', '2'], ['CLIENT', 'GETNAME']],
  [['HELLO', '4'], ['CLIENT', 'GETNAME']],
  [['HELLO', '1']],
  [['HELLO', '-1']],
  [['HELLO', 'abc']],
  [['HELLO', '03']],
  [['HELLO', '3.0']],
  [['HELLO', ' 3']],
  [['HELLO', '99999999999999999999']],
  [['HELLO', '3', 'foo'], ['CLIENT', 'GETNAME']],
  [['HELLO', '3', 'AUTH', 'a'], ['CLIENT', 'GETNAME']],
  [['HELLO', '3', 'SETNAME']],
  [['HELLO', '2', 'AUTH']],
  [['HELLO', '3', 'SETNAME', 'a b'], ['CLIENT', 'GETNAME']],
  [['HELLO', '3', 'SETNAME', 'nm', 'foo']],
  [['HELLO', '3', 'setname', 'x', 'SETNAME', 'y'], ['CLIENT', 'GETNAME']],
  [['HELLO', '3', 'SETNAME', ''], ['CLIENT', 'GETNAME']],
  [['HELLO', '3', 'SETNAME', 'nm'], ['CLIENT', 'GETNAME']],
];

/** With a password: before AUTH, and with HELLO's own AUTH. */
const WITH_PASSWORD: string[][][] = [
  [['HELLO']],
  [['HELLO', '3']],
  [['HELLO', '3', 'SETNAME', 'x'], ['PING']],
  [['HELLO', '3', 'AUTH', 'default', 'wrong'], ['PING']],
  [['HELLO', '3', 'AUTH', 'nobody', 'secret'], ['PING']],
  [['HELLO', '3', 'AUTH', 'default', 'secret'], ['PING'], ['CLIENT', 'GETNAME']],
  [['HELLO', '2', 'AUTH', 'default', 'secret', 'SETNAME', 'me'], ['CLIENT', 'GETNAME']],
  [['HELLO', '3', 'AUTH', 'default', 'secret', 'SETNAME', 'bad name'], ['PING'], ['CLIENT', 'GETNAME']],
  [['AUTH', 'secret'], ['HELLO', '3'], ['HGETALL', 'nokey']],
];

describe('HELLO as Redis 7.0 answers it', function () {
  this.timeout(60_000);
  let proxy: RunningProxy;
  let locked: RunningProxy;
  let redis: StandaloneRedis;
  let lockedRedis: StandaloneRedis;

  before(async function () {
    const seeds = (await sharedCluster()).seeds();
    [proxy, locked, redis, lockedRedis] = await Promise.all([
      startProxy(seeds),
      startProxy(seeds, { SLOTPROXY_PASSWORD: 'secret' }),
      startStandalone(),
      startStandalone({ extraArgs: ['--requirepass', 'secret'] }),
    ]);
  });

  after(async function () {
    await Promise.all([proxy?.stop(), locked?.stop(), redis?.stop(), lockedRedis?.stop()]);
  });

  async function replies(port: number, commands: string[][]): Promise<string[]> {
    const c = await Resp3Conn.connect(port);
    try {
      return (await c.call(...commands)).map(normalized);
    } finally {
      c.close();
    }
  }

  async function compare(proxyPort: number, redisPort: number, sequences: string[][][]): Promise<void> {
    for (const commands of sequences) {
      const [got, want] = await Promise.all([replies(proxyPort, commands), replies(redisPort, commands)]);
      assert.deepEqual(got, want, commands.map((c) => c.join(' ')).join(' | '));
    }
  }

  it('every version, option and name, byte for byte (id and mode aside)', async function () {
    await compare(proxy.port, redis.port, SEQUENCES);
  });

  it('with a password: NOAUTH before authentication, HELLO AUTH, its failures', async function () {
    await compare(locked.port, lockedRedis.port, WITH_PASSWORD);
  });

  it('the map names the cluster version and the mode CLUSTER SLOTS and INFO describe', async function () {
    const c = await Resp3Conn.connect(proxy.port);
    try {
      const [hello, info, id] = await c.call(['HELLO', '3'], ['INFO', 'server'], ['CLIENT', 'ID']);
      assert.match(hello, /^%7\r\n\$6\r\nserver\r\n\$5\r\nredis\r\n\$7\r\nversion\r\n\$6\r\n7\.0\.\d+\r\n\$5\r\nproto\r\n:3\r\n/);
      assert.ok(hello.includes('$4\r\nmode\r\n$7\r\ncluster\r\n'), hello);
      assert.ok(info.includes('redis_mode:cluster'), 'INFO says cluster too');
      assert.ok(hello.includes(`$2\r\nid\r\n${id}`), 'the id is CLIENT ID');
    } finally {
      c.close();
    }
  });
});

// CLIENT TRACKING through the proxy, compared with a standalone Redis 7.0 given the same commands:
// its errors for bad combinations, CLIENT TRACKINGINFO / GETREDIR, and the invalidations of each
// mode (default, BCAST with prefixes, OPTIN + CACHING, OPTOUT, NOLOOP, REDIRECT to a RESP2
// subscriber, FLUSHALL's "flush everything"), byte for byte, for keys on every master of the
// cluster. RESP2 and RESP3 clients side by side on one proxy.
import assert from 'node:assert/strict';
import { startStandalone, type StandaloneRedis } from '../../../lib/localcluster/local-cluster';
import { sharedCluster } from '../../harness/mocha-hooks';
import { startProxy, type RunningProxy } from '../../harness/proxy';
import { Resp3Conn } from '../../harness/resp3-conn';
import { tagPerMaster } from '../../harness/slot-tags';
import { sleep } from '../../harness/wait';

const RUN = `trk${process.pid}`;

describe('CLIENT TRACKING through the proxy, against a standalone Redis 7.0', function () {
  this.timeout(60_000);
  let proxy: RunningProxy;
  let redis: StandaloneRedis;
  /** a hash tag on each master */
  let tags: string[];

  before(async function () {
    [proxy, redis] = await Promise.all([startProxy((await sharedCluster()).seeds()), startStandalone()]);
    tags = tagPerMaster(proxy, RUN);
  });

  after(async function () {
    await Promise.all([proxy?.stop(), redis?.stop()]);
  });

  /** Runs `script` on the proxy and on Redis at once; returns both results. */
  async function both<T>(script: (port: number) => Promise<T>): Promise<[T, T]> {
    return Promise.all([script(proxy.port), script(redis.port)]);
  }

  /** Frames of `commands` sent one at a time on a fresh connection (RESP3 unless `resp2`); `$me` is its id. */
  async function oneByOne(port: number, commands: string[][], resp2 = false): Promise<string[]> {
    const c = resp2 ? await Resp3Conn.connect(port) : await Resp3Conn.resp3(port);
    try {
      const [id] = await c.call(['CLIENT', 'ID']);
      const me = id.slice(1).trim();
      const out: string[] = [];
      for (const cmd of commands) out.push(...(await c.call(cmd.map((a) => (a === '$me' ? me : a)))));
      return out;
    } finally {
      c.close();
    }
  }

  it('bad combinations get Redis 7.0’s exact errors; TRACKINGINFO and GETREDIR as Redis answers them', async function () {
    const commands = [
      ['CLIENT', 'TRACKING'],
      ['CLIENT', 'TRACKING', 'maybe'],
      ['CLIENT', 'TRACKING', 'on', 'PREFIX', 'a'],
      ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'a', 'PREFIX', 'ab'],
      ['CLIENT', 'TRACKING', 'on', 'BCAST', 'OPTIN'],
      ['CLIENT', 'TRACKING', 'on', 'OPTIN', 'OPTOUT'],
      ['CLIENT', 'TRACKING', 'on', 'REDIRECT', 'abc'],
      ['CLIENT', 'TRACKING', 'on', 'REDIRECT', '987654'],
      ['CLIENT', 'TRACKING', 'on', 'REDIRECT', '$me', 'REDIRECT', '$me'],
      ['CLIENT', 'TRACKING', 'on', 'NOLOOP', 'extra'],
      ['CLIENT', 'TRACKING', 'on', 'PREFIX'],
      ['CLIENT', 'CACHING', 'yes'],
      ['CLIENT', 'GETREDIR'],
      ['CLIENT', 'TRACKINGINFO'],
      ['CLIENT', 'TRACKING', 'on', 'OPTIN', 'NOLOOP'],
      ['CLIENT', 'TRACKINGINFO'],
      ['CLIENT', 'GETREDIR'],
      ['CLIENT', 'CACHING', 'no'],
      ['CLIENT', 'CACHING', 'maybe'],
      ['CLIENT', 'CACHING', 'yes'],
      ['CLIENT', 'TRACKINGINFO'],
      ['CLIENT', 'TRACKING', 'on', 'OPTOUT'],
      ['CLIENT', 'TRACKING', 'on', 'BCAST'],
      ['CLIENT', 'TRACKING', 'off'],
      ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'b', 'PREFIX', 'a'],
      ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'bc'],
      ['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'c'],
      ['CLIENT', 'TRACKINGINFO'],
      ['CLIENT', 'TRACKING', 'on'],
      ['CLIENT', 'TRACKING', 'off'],
      ['CLIENT', 'TRACKINGINFO'],
      ['CLIENT', 'GETREDIR'],
    ];
    for (const resp2 of [false, true]) {
      const [got, want] = await both((port) => oneByOne(port, commands, resp2));
      commands.forEach((c, i) => assert.equal(got[i], want[i], `${resp2 ? 'RESP2' : 'RESP3'}: ${c.join(' ')}`));
    }
  });

  /**
   * A tracking client reads a key of each master, another client writes them: the frames the
   * tracking client gets, in order (replies and pushes), once the writes are done.
   */
  async function readThenWritten(port: number, tracking: string[], keys: string[], wait = 0): Promise<string[]> {
    const reader = await Resp3Conn.resp3(port);
    const writer = await Resp3Conn.connect(port);
    try {
      await reader.call(tracking);
      await writer.call(...keys.map((k) => ['SET', k, 'old']));
      await reader.call(...keys.map((k) => ['GET', k]));
      await writer.call(...keys.map((k) => ['SET', k, 'new']));
      const frames = await reader.take(wait || keys.length);
      await sleep(100);
      frames.push(...(await reader.take(reader.waiting)));
      return frames;
    } finally {
      reader.close();
      writer.close();
    }
  }

  it('default mode: a key read on each master is invalidated when another client writes it', async function () {
    const keys = tags.map((t) => `${t}dflt`);
    const [got, want] = await both((port) => readThenWritten(port, ['CLIENT', 'TRACKING', 'on'], keys));
    assert.deepEqual(got.sort(), want.sort());
    assert.equal(got.length, keys.length);
    for (const k of keys) assert.ok(got.includes(`>2\r\n$10\r\ninvalidate\r\n*1\r\n$${k.length}\r\n${k}\r\n`), k);
  });
});

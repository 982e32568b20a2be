// CLIENT TRACKING through the proxy, compared with a standalone Redis 7.0 given the same commands:
// its errors for bad combinations, CLIENT TRACKINGINFO / GETREDIR, and the invalidations of each
// mode (default, BCAST with prefixes, OPTIN + CACHING, OPTOUT, NOLOOP, REDIRECT to a RESP2
// subscriber, FLUSHALL's "flush everything"), byte for byte, for keys on every master of the
// cluster. RESP2 and RESP3 clients side by side on one proxy.
import assert from 'node:assert/strict';
import { sharedCluster } from '../../harness/mocha-hooks';
import { proxyBesideRedis } from '../../harness/beside-redis';
import { startProxy } from '../../harness/proxy';
import { Resp3Conn } from '../../harness/resp3-conn';
import { tagPerMaster } from '../../harness/slot-tags';
import { sleep } from '../../harness/wait';

const RUN = `trk${process.pid}`;

describe('CLIENT TRACKING through the proxy, against a standalone Redis 7.0', function () {
  this.timeout(60_000);
  const pair = proxyBesideRedis();
  /** a hash tag on each master */
  let tags: string[];

  before(function () {
    tags = tagPerMaster(pair.proxy, RUN);
  });

  /** Runs `script` on the proxy and on Redis at once; returns both results. */
  async function both<T>(script: (port: number) => Promise<T>): Promise<[T, T]> {
    return Promise.all([script(pair.proxy.port), script(pair.redis.port)]);
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
   * `run` with a tracking client (`reader`: RESP3 unless `resp2Reader`) and a RESP2 `writer`, on
   * the proxy and on Redis at once; checks that nothing more came to the reader; both sides' frames.
   */
  function scene(run: (reader: Resp3Conn, writer: Resp3Conn, port: number) => Promise<string[]>, resp2Reader = false): Promise<[string[], string[]]> {
    return both(async (port) => {
      const reader = resp2Reader ? await Resp3Conn.connect(port) : await Resp3Conn.resp3(port);
      const writer = await Resp3Conn.connect(port);
      try {
        const frames = await run(reader, writer, port);
        await sleep(100);
        assert.equal(reader.waiting, 0, `nothing more for the tracking client (${port})`);
        return frames;
      } finally {
        reader.close();
        writer.close();
      }
    });
  }

  it('default mode: a key read on each master (GET, then a split MGET) is invalidated when another client writes it, and only for its reader', async function () {
    const keys = tags.map((t) => `${t}dflt`);
    const [got, want] = await scene(async (reader, writer, port) => {
      // another tracking client that reads none of them hears of none
      const other = await Resp3Conn.resp3(port);
      try {
        await other.call(['CLIENT', 'TRACKING', 'on']);
        await reader.call(['CLIENT', 'TRACKING', 'on']);
        await writer.call(...keys.map((k) => ['SET', k, 'old']));
        await reader.call(...keys.map((k) => ['GET', k]));
        await writer.call(...keys.map((k) => ['SET', k, 'new']));
        const frames = await reader.take(keys.length);
        // MGET across the masters (split by the proxy): every key it read
        await reader.call(['MGET', ...keys]);
        await writer.call(...keys.map((k) => ['SET', k, 'newer']));
        frames.push(...(await reader.take(keys.length)));
        await sleep(100);
        assert.equal(other.waiting, 0, 'nothing for a client that read none of them');
        return frames;
      } finally {
        other.close();
      }
    });
    assert.deepEqual(got.sort(), want.sort());
    for (const k of keys) assert.equal(got.filter((f) => f === `>2\r\n$10\r\ninvalidate\r\n*1\r\n$${k.length}\r\n${k}\r\n`).length, 2, k);
  });

  it('BCAST with prefixes: every write under a prefix, on any master, and nothing else', async function () {
    const [got, want] = await scene(async (reader, writer) => {
      await reader.call(['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', `${RUN}:a:`, 'PREFIX', `${RUN}:b:`]);
      const frames: string[] = [];
      // one write at a time: the masters' pushes would otherwise come in any order
      for (const t of tags) {
        for (const k of [`${RUN}:a:${t}`, `${RUN}:c:${t}`, `${RUN}:b:${t}`]) {
          await writer.call(['SET', k, 'v']);
          if (!k.includes(':c:')) frames.push(...(await reader.take(1)));
        }
      }
      await sleep(100);
      frames.push(...(await reader.call(['CLIENT', 'TRACKINGINFO'])));
      return frames;
    });
    assert.deepEqual(got, want);
    assert.equal(got.length, tags.length * 2 + 1);
  });

  it('OPTIN: only the read after CLIENT CACHING yes is tracked; OPTOUT: all but the one after CACHING no', async function () {
    for (const [mode, caching] of [['OPTIN', 'yes'], ['OPTOUT', 'no']]) {
      const [got, want] = await scene(async (reader, writer) => {
        await reader.call(['CLIENT', 'TRACKING', 'on', mode]);
        const frames: string[] = [];
        for (const t of tags) {
          const [k1, k2] = [`${t}${mode}1`, `${t}${mode}2`];
          frames.push(...(await reader.call(['GET', k1], ['CLIENT', 'CACHING', caching], ['GET', k2])));
          await writer.call(['SET', k1, 'v'], ['SET', k2, 'v']);
          frames.push(...(await reader.take(1)));
        }
        return frames;
      });
      assert.deepEqual(got, want, mode);
    }
  });

  it('NOLOOP: the client is not told of its own writes, but of the others’', async function () {
    const [got, want] = await scene(async (reader, writer) => {
      await reader.call(['CLIENT', 'TRACKING', 'on', 'NOLOOP']);
      const frames: string[] = [];
      for (const t of tags) {
        const [mine, theirs] = [`${t}loop1`, `${t}loop2`];
        frames.push(...(await reader.call(['GET', mine], ['GET', theirs])));
        frames.push(...(await reader.call(['SET', mine, 'v'])));
        await writer.call(['SET', theirs, 'v']);
        frames.push(...(await reader.take(1)));
      }
      return frames;
    });
    assert.deepEqual(got, want);
  });

  it('REDIRECT from a RESP2 client to a RESP2 subscriber of __redis__:invalidate; tracking-redir-broken once it is gone', async function () {
    const [got, want] = await scene(async (reader, writer, port) => {
      const sub = await Resp3Conn.connect(port);
      try {
        const id = (await sub.call(['CLIENT', 'ID']))[0].slice(1).trim();
        const hideId = (f: string): string => f.replace(`:${id}\r\n`, ':<id>\r\n');
        const frames = await sub.call(['SUBSCRIBE', '__redis__:invalidate']);
        frames.push(...(await reader.call(['CLIENT', 'TRACKING', 'on', 'REDIRECT', id])));
        frames.push(...(await reader.call(['CLIENT', 'GETREDIR'])).map(hideId));
        for (const t of tags) {
          frames.push(...(await reader.call(['GET', `${t}redir`])));
          await writer.call(['SET', `${t}redir`, 'v']);
          frames.push(...(await sub.take(1)));
        }
        // FLUSHALL: "flush everything" (one, whatever the number of masters)
        frames.push(...(await reader.call(['GET', `${tags[0]}redir`])));
        await writer.call(['FLUSHALL']);
        frames.push(...(await sub.take(1)));
        // the subscriber gone, a RESP3 client redirecting to it is told
        sub.close();
        await sleep(100);
        frames.push(...(await reader.call(['HELLO', '3'])).map(() => 'hello'));
        frames.push(...(await reader.call(['GET', `${tags[1]}redir`])));
        await writer.call(['SET', `${tags[1]}redir`, 'v']);
        frames.push(...(await reader.take(1)).map(hideId));
        frames.push(...(await reader.call(['CLIENT', 'TRACKINGINFO'])).map(hideId));
        return frames;
      } finally {
        sub.close();
      }
    }, true);
    assert.deepEqual(got, want);
  });

  it('RESP2 and RESP3 clients side by side: a RESP2 client’s replies stay RESP2 while RESP3 clients track', async function () {
    const k = `${tags[0]}side`;
    const [got, want] = await scene(async (r3, r2) => {
      await r3.call(['CLIENT', 'TRACKING', 'on']);
      await r2.call(['DEL', `${k}h`]);
      const frames = await r2.call(['HSET', `${k}h`, 'f', 'v'], ['HGETALL', `${k}h`], ['GET', k]);
      frames.push(...(await r3.call(['HGETALL', `${k}h`], ['GET', k])));
      frames.push(...(await r2.call(['HSET', `${k}h`, 'f', 'w'])));
      frames.push(...(await r3.take(1)));
      return frames;
    });
    assert.deepEqual(got, want);
  });

  it('the key table is bounded: past SLOTPROXY_TRACKING_TABLE_MAX_KEYS the oldest key is invalidated; INFO shows size and limit', async function () {
    const small = await startProxy((await sharedCluster()).seeds(), { SLOTPROXY_TRACKING_TABLE_MAX_KEYS: '2' });
    const reader = await Resp3Conn.resp3(small.port);
    try {
      await reader.call(['CLIENT', 'TRACKING', 'on']);
      const keys = tags.map((t) => `${t}bound`).slice(0, 3);
      await reader.call(['GET', keys[0]], ['GET', keys[1]]);
      assert.equal(reader.waiting, 0);
      // the third read's key is noted when it is sent: the first key goes, and its reader is told
      const frames = await reader.call(['GET', keys[2]]);
      frames.push(...(await reader.take(1)));
      assert.deepEqual(frames.sort(), ['_\r\n', `>2\r\n$10\r\ninvalidate\r\n*1\r\n$${keys[0].length}\r\n${keys[0]}\r\n`].sort());
      const [info] = await reader.call(['INFO']);
      for (const line of ['tracking_clients:1', 'tracking_total_keys:2', 'tracking_total_items:2', 'tracking_table_max_keys:2']) assert.ok(info.includes(`${line}\r\n`), line);
    } finally {
      reader.close();
      await small.stop();
    }
  });
});

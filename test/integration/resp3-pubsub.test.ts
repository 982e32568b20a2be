// Pub/sub for RESP3 clients, against a standalone Redis 7.0 given the same commands: confirmations
// and messages are push frames, PING answers as usual while subscribed, any command runs while
// subscribed (Redis 7), sharded channels likewise, HELLO 2 while subscribed brings back RESP2's
// frames and rules. Pushes are written between replies, never inside one, and never take a
// command's reply.
import assert from 'node:assert/strict';
import { proxyBesideRedis } from '../harness/beside-redis';
import { Resp3Conn } from '../harness/resp3-conn';
import { tagPerMaster } from '../harness/slot-tags';

const RUN = `r3s${process.pid}`;

describe('RESP3 pub/sub through the proxy, against a standalone Redis 7.0', function () {
  this.timeout(60_000);
  const pair = proxyBesideRedis();
  /** a hash tag on each master */
  let tags: string[];

  before(function () {
    tags = tagPerMaster(pair.proxy, RUN);
  });

  /**
   * A subscriber's session on `port`: each step is [commands to pipeline, publications made by
   * another client once their frames are in, frames then expected]. Returns every frame, in order.
   */
  async function session(port: number, steps: [string[][], string[][], number][]): Promise<string[]> {
    const sub = await Resp3Conn.resp3(port);
    const pub = await Resp3Conn.connect(port);
    const frames: string[] = [];
    try {
      for (const [commands, publish, expect] of steps) {
        sub.send(...commands);
        if (publish.length) await pub.call(...publish);
        frames.push(...(await sub.take(expect)));
      }
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(sub.waiting, 0, `no frame beyond those expected on ${port}`);
      return frames;
    } finally {
      sub.close();
      pub.close();
    }
  }

  it('subscribe, messages, PING and other commands while subscribed, unsubscribe: the same frames', async function () {
    const [a, b] = tags;
    const ch = (n: string): string => `${a}ch:${n}`;
    const steps: [string[][], string[][], number][] = [
      [[['UNSUBSCRIBE']], [], 1],
      [[['SUBSCRIBE', ch('1'), ch('2')]], [], 2],
      [[['PSUBSCRIBE', `${a}pat:*`]], [], 1],
      // one at a time: a client's PUBLISHes are spread over the masters (keyless), and the
      // cluster bus may then deliver two of them in either order
      [[], [['PUBLISH', ch('1'), 'hello']], 1],
      [[], [['PUBLISH', `${a}pat:x`, 'pattern']], 1],
      [[['PING'], ['PING', 'x'], ['SET', `${b}k`, 'v'], ['GET', `${b}k`], ['HSET', `${a}h`, 'f', 'v'], ['HGETALL', `${a}h`]], [], 6],
      [[['SSUBSCRIBE', `${b}sch`]], [], 1],
      [[], [['SPUBLISH', `${b}sch`, 'sharded']], 1],
      [[['SUNSUBSCRIBE', `${b}sch`], ['SUNSUBSCRIBE']], [], 2],
      [[['PUNSUBSCRIBE']], [], 1],
      [[['UNSUBSCRIBE', ch('1')]], [], 1],
      // back to RESP2 while subscribed: RESP2's frames, and its rules
      [[['HELLO', '2']], [], 1],
      [[], [['PUBLISH', ch('2'), 'in resp2']], 1],
      [[['PING'], ['GET', `${b}k`], ['UNSUBSCRIBE']], [], 3],
      [[['GET', `${b}k`]], [], 1],
    ];
    const [got, want] = await Promise.all([session(pair.proxy.port, steps), session(pair.redis.port, steps)]);
    const hello = (f: string): string => f.replace(/(\$2\r\nid\r\n):\d+/, '$1<id>').replace(/(\$4\r\nmode\r\n)\$(7\r\ncluster|10\r\nstandalone)/, '$1<mode>');
    assert.deepEqual(got.map(hello), want.map(hello));
    assert.ok(got.includes(`>3\r\n$7\r\nmessage\r\n$${ch('1').length}\r\n${ch('1')}\r\n$5\r\nhello\r\n`), 'a message is a push');
    assert.ok(got.includes(`*3\r\n$7\r\nmessage\r\n$${ch('2').length}\r\n${ch('2')}\r\n$8\r\nin resp2\r\n`), 'after HELLO 2, an array');
  });

  it('channels on every master: one RESP3 link per master, messages as pushes, PUBLISH counts the subscriber', async function () {
    // one channel per master: the proxy subscribes each on its slot's master (pubsub-state.ts)
    const steps: [string[][], string[][], number][] = [[[['SUBSCRIBE', ...tags.map((t) => `${t}every`)]], [], tags.length]];
    for (const t of tags) steps.push([[], [['PUBLISH', `${t}every`, `to ${t}`]], 1]);
    // by name: UNSUBSCRIBE without names follows Redis's dict order, which the proxy does not copy
    steps.push([[['UNSUBSCRIBE', ...tags.map((t) => `${t}every`)]], [], tags.length]);
    const [got, want] = await Promise.all([session(pair.proxy.port, steps), session(pair.redis.port, steps)]);
    assert.deepEqual(got, want);
    assert.ok(got.every((f) => f.startsWith('>3\r\n')), 'every frame a push');
    // PUBLISH answers 1 through the proxy as on one server, whichever master holds the channel
    const sub = await Resp3Conn.resp3(pair.proxy.port);
    const pub = await Resp3Conn.resp3(pair.proxy.port);
    try {
      sub.send(['SUBSCRIBE', ...tags.map((t) => `${t}count`)]);
      await sub.take(tags.length);
      assert.deepEqual(await pub.call(...tags.map((t) => ['PUBLISH', `${t}count`, 'x'])), tags.map(() => ':1\r\n'));
    } finally {
      sub.close();
      pub.close();
    }
  });

  it('pushes never land inside a reply, nor take a command\u2019s reply, under load', async function () {
    const [a, b] = tags;
    const sub = await Resp3Conn.resp3(pair.proxy.port);
    const pub = await Resp3Conn.connect(pair.proxy.port);
    try {
      const big = 'x'.repeat(200_000);
      await sub.call(['SET', `${b}big`, big]);
      // sharded: one master publishes them all, so they reach the subscriber in order (a client's
      // PUBLISHes, keyless, are spread over the masters and may arrive in any order)
      assert.equal((await sub.call(['SSUBSCRIBE', `${a}load`]))[0], `>3\r\n$10\r\nssubscribe\r\n$${`${a}load`.length}\r\n${a}load\r\n:1\r\n`);
      const rounds = 40;
      const publishing = (async () => {
        for (let i = 0; i < rounds; i++) await pub.call(...Array.from({ length: 25 }, (_, j) => ['SPUBLISH', `${a}load`, `m${i}-${j}`]));
      })();
      const commands: string[][] = [];
      for (let i = 0; i < rounds; i++) commands.push(['GET', `${b}big`], ['ECHO', `e${i}`], ['HGETALL', `${a}none`]);
      sub.send(...commands);
      await publishing;
      const replies: string[] = [];
      const messages: string[] = [];
      while (replies.length < commands.length || messages.length < rounds * 25) {
        const [f] = await sub.take(1);
        if (f.startsWith('>')) messages.push(f);
        else replies.push(f);
      }
      assert.equal(sub.protocolErrors, 0);
      replies.forEach((r, i) => {
        const want = i % 3 === 0 ? `$${big.length}\r\n${big}\r\n` : i % 3 === 1 ? `$${String((i - 1) / 3).length + 1}\r\ne${(i - 1) / 3}\r\n` : '%0\r\n';
        assert.ok(r === want, `reply ${i} is its command's: ${r.slice(0, 30)}`);
      });
      const order = messages.map((m) => /\r\n(m\d+-\d+)\r\n$/.exec(m)![1]);
      assert.deepEqual(order, Array.from({ length: rounds * 25 }, (_, k) => `m${Math.floor(k / 25)}-${k % 25}`), 'every message once, in order');
    } finally {
      sub.close();
      pub.close();
    }
  });

  it('a RESP3 subscriber blocked in BLPOP still gets its messages, then the BLPOP reply', async function () {
    const [a] = tags;
    const sub = await Resp3Conn.resp3(pair.proxy.port);
    const pub = await Resp3Conn.connect(pair.proxy.port);
    try {
      await sub.call(['SUBSCRIBE', `${a}blk`]);
      sub.send(['BLPOP', `${a}list`, '5'], ['ECHO', 'after']);
      await new Promise((r) => setTimeout(r, 100));
      await pub.call(['PUBLISH', `${a}blk`, 'while blocked']);
      const [message] = await sub.take(1);
      assert.equal(message, `>3\r\n$7\r\nmessage\r\n$${`${a}blk`.length}\r\n${a}blk\r\n$13\r\nwhile blocked\r\n`);
      await pub.call(['RPUSH', `${a}list`, 'v']);
      assert.deepEqual(await sub.take(2), [`*2\r\n$${`${a}list`.length}\r\n${a}list\r\n$1\r\nv\r\n`, '$5\r\nafter\r\n']);
    } finally {
      sub.close();
      pub.close();
    }
  });
});

// Pub/sub through the proxy: classic channels on a dedicated connection to their slot's master
// (any node sees every PUBLISH of the cluster; there PUBLISH counts them), shard channels on the
// nodes of their slots, confirmations counted as one
// Redis counts them, subscribed mode byte for byte as a standalone server, PUBSUB introspection of
// the whole cluster, no leaked connections, and a slow subscriber closed alone.
import assert from 'node:assert/strict';
import net from 'node:net';
import Redis from 'ioredis';
import { LocalCluster, startStandalone, type StandaloneRedis } from '../../lib/localcluster/local-cluster';
import { slotOf } from '../../lib/protocol/crc16';
import { command } from '../../lib/protocol/resp';
import { sharedCluster, type SharedCluster } from '../harness/mocha-hooks';
import { startProxy, type RunningProxy } from '../harness/proxy';
import { exchange } from '../harness/raw-client';
import { ReplyReader } from '../harness/resp-frames';
import { giveEmptySlot } from '../harness/fault-cluster';
import { until } from '../harness/wait';

type Args = string[];

/** The commands, then QUIT; everything received until the server closes. */
async function conversation(port: number, commands: Args[]): Promise<string> {
  const input = Buffer.concat([...commands.map((c) => command(c)), command(['QUIT'])]);
  const r = await exchange(port, input, { sentinel: false });
  assert.equal(r.closed, true);
  return r.data.toString('latin1');
}

const portOf = (address: string): number => Number(address.slice(address.lastIndexOf(':') + 1));

describe('pub/sub', function () {
  let cluster: SharedCluster;
  let proxy: RunningProxy;
  let standalone: StandaloneRedis;
  const clients: Redis[] = [];
  const client = (port = proxy.port): Redis => {
    const c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    clients.push(c);
    return c;
  };
  const dedicatedOpen = (): number => proxy.proxy.router.allNodes().reduce((n, node) => n + node.dedicatedOpen, 0);
  const owner = (channel: string): string => proxy.proxy.router.slotMap.owner(slotOf(channel))!;

  /** The same commands to the proxy and to a standalone Redis: the same bytes back. */
  async function sameAsStandalone(commands: Args[]): Promise<string> {
    const [mine, theirs] = await Promise.all([conversation(proxy.port, commands), conversation(standalone.port, commands)]);
    assert.equal(mine, theirs, `replies to ${JSON.stringify(commands)}`);
    return mine;
  }

  /** Two shard channels whose slots belong to different masters. */
  function channelsOnTwoMasters(prefix: string): [string, string] {
    const first = `${prefix}:0`;
    for (let i = 1; ; i++) if (owner(`${prefix}:${i}`) !== owner(first)) return [first, `${prefix}:${i}`];
  }

  before(async function () {
    cluster = await sharedCluster();
    proxy = await startProxy(cluster.seeds());
    standalone = await startStandalone();
  });

  afterEach(function () {
    for (const c of clients.splice(0)) c.disconnect();
  });

  after(async function () {
    await proxy?.stop();
    await standalone?.stop();
  });

  it('SUBSCRIBE through the proxy receives what is published on every node of the cluster', async function () {
    const sub = client();
    const got: string[] = [];
    sub.on('message', (channel: string, message: string) => got.push(`${channel}=${message}`));
    assert.equal(await sub.subscribe('ps:news'), 1);
    const expected: string[] = [];
    for (const node of cluster.nodes) {
      await client(node.port).publish('ps:news', `from ${node.port}`);
      expected.push(`ps:news=from ${node.port}`);
    }
    await until(() => got.length === expected.length, `${expected.length} messages arrived (got ${got.length})`);
    assert.deepEqual([...got].sort(), expected.sort());
  });

  it('PUBLISH counts every client subscribed to the channel through the proxy, as one server counts them', async function () {
    const [a, b] = channelsOnTwoMasters('ps:count');
    const [one, two, publisher] = [client(), client(), client()];
    await one.subscribe(a, b);
    await two.subscribe(b);
    // the same counts as one server holding the three subscriptions
    const solo = [client(standalone.port), client(standalone.port), client(standalone.port)];
    await solo[0].subscribe(a, b);
    await solo[1].subscribe(b);
    const counts = async (pub: Redis): Promise<number[]> => [await pub.publish(a, 'm'), await pub.publish(b, 'm'), await pub.publish('ps:count:none', 'm')];
    assert.deepEqual(await counts(publisher), await counts(solo[2]));
    assert.deepEqual(await counts(publisher), [1, 2, 0]);
    await two.unsubscribe(b);
    assert.equal(await publisher.publish(b, 'm'), 1);
  });

  it('PSUBSCRIBE receives pmessages for matching channels only', async function () {
    const sub = client();
    const got: string[] = [];
    sub.on('pmessage', (pattern: string, channel: string, message: string) => got.push(`${pattern}|${channel}|${message}`));
    assert.equal(await sub.psubscribe('ps:p:*'), 1);
    const pub = client();
    await pub.publish('ps:p:one', 'via proxy');
    await pub.publish('ps:other', 'not matching');
    await client(cluster.nodes[2].port).publish('ps:p:two', 'direct');
    await until(() => got.length === 2, 'two pmessages arrived');
    assert.deepEqual([...got].sort(), ['ps:p:*|ps:p:one|via proxy', 'ps:p:*|ps:p:two|direct']);
  });

  it('confirmations count the client\'s subscriptions as one Redis does, byte for byte', async function () {
    await sameAsStandalone([['UNSUBSCRIBE'], ['PUNSUBSCRIBE'], ['SUNSUBSCRIBE'], ['UNSUBSCRIBE', 'x', 'y'], ['PING']]);
    const bytes = await sameAsStandalone([
      ['SUBSCRIBE', 'ps:a', 'ps:b', 'ps:c', 'ps:a'],
      ['PSUBSCRIBE', 'ps:p*', 'ps:q*'],
      ['SSUBSCRIBE', 'ps:s1'],
      ['SSUBSCRIBE', 'ps:s2'],
      ['UNSUBSCRIBE', 'ps:b', 'ps:zz'],
      ['PUNSUBSCRIBE', 'ps:q*'],
      ['SUNSUBSCRIBE', 'ps:s1'],
      ['UNSUBSCRIBE', 'ps:a', 'ps:c'],
      ['PUNSUBSCRIBE'],
      ['UNSUBSCRIBE'],
      ['PING'],
      ['SUNSUBSCRIBE'],
      ['PING'],
    ]);
    // shard channels are counted apart; PING says whether the client is still subscribed
    assert.match(bytes, /ssubscribe\r\n\$5\r\nps:s2\r\n:2\r\n/);
    assert.ok(bytes.endsWith('*3\r\n$12\r\nsunsubscribe\r\n$5\r\nps:s2\r\n:0\r\n+PONG\r\n+OK\r\n'));
  });

  it('subscribed mode refuses other commands and answers PING as Redis does', async function () {
    await sameAsStandalone([
      ['SUBSCRIBE', 'ps:mode'],
      ['PING'],
      ['PING', 'hello'],
      ['PING', 'a', 'b'],
      ['GET', 'k'],
      ['SET', 'k', 'v'],
      ['PUBSUB', 'NUMSUB', 'ps:mode'],
      ['CLIENT', 'INFO'],
      ['nosuchcommand', 'x'],
      ['GET'],
      ['UNSUBSCRIBE'],
      ['GET', 'ps:never-set'],
    ]);
    // RESET leaves subscribed mode too, and the connections go with it
    const before = dedicatedOpen();
    await sameAsStandalone([['SUBSCRIBE', 'ps:mode'], ['PSUBSCRIBE', 'ps:m*'], ['SSUBSCRIBE', 'ps:ms'], ['RESET'], ['GET', 'ps:never-set']]);
    await until(() => dedicatedOpen() === before, 'the dedicated connections are closed');
  });

  it('sharded pub/sub: one client with shard channels on two masters, SPUBLISH through the proxy and directly', async function () {
    const [a, b] = channelsOnTwoMasters('ps:shard');
    const before = dedicatedOpen();
    const sub = client();
    const got: string[] = [];
    sub.on('smessage', (channel: string, message: string) => got.push(`${channel}=${message}`));
    assert.equal(await sub.ssubscribe(a), 1);
    assert.equal(await sub.ssubscribe(b), 2);
    assert.equal(dedicatedOpen(), before + 2, 'one dedicated connection per node');
    const pub = client();
    assert.equal(await pub.spublish(a, 'a via proxy'), 1);
    assert.equal(await pub.spublish(b, 'b via proxy'), 1);
    assert.equal(await client(portOf(owner(a))).spublish(a, 'a direct'), 1);
    await until(() => got.length === 3, 'three smessages arrived');
    assert.deepEqual([...got].sort(), [`${a}=a direct`, `${a}=a via proxy`, `${b}=b via proxy`]);
    assert.equal(await sub.sunsubscribe(a), 1);
    await until(() => dedicatedOpen() === before + 1, "the first node's connection is closed");
    assert.equal(await sub.sunsubscribe(b), 0);
    await until(() => dedicatedOpen() === before, 'no dedicated connection is left');
    assert.equal(await sub.get('ps:shard:unset'), null, 'out of subscribed mode');
    // channels of one SSUBSCRIBE must share a slot, as in a cluster
    const raw = await conversation(proxy.port, [['SSUBSCRIBE', a, b], ['SSUBSCRIBE', '{t}x', '{t}y']]);
    assert.ok(raw.startsWith("-CROSSSLOT Keys in request don't hash to the same slot\r\n*3\r\n$10\r\nssubscribe\r\n$4\r\n{t}x\r\n:1\r\n"), raw);
  });

  it('PUBSUB NUMSUB, CHANNELS, NUMPAT, SHARDCHANNELS and SHARDNUMSUB answer for the whole cluster', async function () {
    const q = client();
    // patterns of earlier tests go once the proxy has seen their clients leave
    await until(async () => (await q.call('PUBSUB', 'NUMPAT')) === 0, 'no pattern is subscribed anywhere');
    await client().subscribe('ps:intro:1');
    await client().subscribe('ps:intro:1', 'ps:intro:2');
    await client().psubscribe('ps:intro:*');
    // replicas are asked once the proxy's slot map lists them: a new cluster lists them late
    await until(async () => {
      await proxy.proxy.refresher.refresh('pubsub test wants the replicas');
      return proxy.proxy.router.slotMap.allNodes().length === cluster.nodes.length;
    }, 'the slot map lists every replica');
    const replica = cluster.nodes.find((n) => !proxy.proxy.router.slotMap.masters.includes(`${n.host}:${n.port}`))!;
    await client(replica.port).subscribe('ps:intro:2'); // directly on a replica
    const [s1, s2] = channelsOnTwoMasters('ps:intro:s');
    await client().ssubscribe(s1);
    const both = client();
    await both.ssubscribe(s2);
    await both.ssubscribe(s1);
    assert.deepEqual(await q.pubsub('NUMSUB', 'ps:intro:1', 'ps:intro:2', 'ps:intro:none'), ['ps:intro:1', 2, 'ps:intro:2', 2, 'ps:intro:none', 0]);
    assert.deepEqual(((await q.pubsub('CHANNELS', 'ps:intro:[0-9]')) as string[]).sort(), ['ps:intro:1', 'ps:intro:2']);
    assert.equal(await q.call('PUBSUB', 'NUMPAT'), 1);
    assert.deepEqual(((await q.pubsub('SHARDCHANNELS', 'ps:intro:s*')) as string[]).sort(), [s1, s2].sort());
    assert.deepEqual(await q.call('PUBSUB', 'SHARDNUMSUB', s1, 'ps:intro:none', s2), [s1, 2, 'ps:intro:none', 0, s2, 1]);
    assert.deepEqual(await q.call('PUBSUB', 'SHARDNUMSUB'), []);
  });

  it('a subscribed client that disconnects frees its dedicated connections', async function () {
    const before = dedicatedOpen();
    const [a, b] = channelsOnTwoMasters('ps:leave');
    const socket = net.connect({ port: proxy.port, host: '127.0.0.1' });
    await new Promise((r) => socket.once('connect', r));
    const received = new ReplyReader(socket);
    socket.write(Buffer.concat([command(['SUBSCRIBE', 'ps:leave:c']), command(['PSUBSCRIBE', 'ps:leave:*']), command(['SSUBSCRIBE', a]), command(['SSUBSCRIBE', b])]));
    await until(() => received.replies.length === 4, 'four confirmations');
    // the channel on its slot's master, the pattern on a link of its own, a shard channel on each master
    assert.equal(dedicatedOpen(), before + 4);
    socket.destroy();
    await until(() => dedicatedOpen() === before, 'the dedicated connections are closed');
    const q = client();
    await until(async () => {
      const numsub = (await q.pubsub('NUMSUB', 'ps:leave:c')) as unknown[];
      const shard = (await q.call('PUBSUB', 'SHARDNUMSUB', a, b)) as unknown[];
      return numsub[1] === 0 && shard[1] === 0 && shard[3] === 0;
    }, 'the nodes no longer count the subscriptions');
  });

  it('a subscriber that never reads is closed by the output limit while another keeps receiving', async function () {
    const slow = net.connect({ port: proxy.port, host: '127.0.0.1' });
    await new Promise((r) => slow.once('connect', r));
    slow.write(Buffer.concat([command(['CLIENT', 'SETNAME', 'ps-slow']), command(['SUBSCRIBE', 'ps:big'])]));
    const slowSession = (): boolean => [...proxy.proxy.sessions].some((s) => s.name === 'ps-slow');
    await until(() => [...proxy.proxy.sessions].some((s) => s.name === 'ps-slow' && s.mode !== null), 'the slow client is subscribed');
    slow.pause(); // and never reads again
    const good = client();
    let count = 0;
    let bytes = 0;
    good.on('messageBuffer', (_channel: Buffer, message: Buffer) => {
      count++;
      bytes += message.length;
    });
    await good.subscribe('ps:big');
    const publisher = client(cluster.nodes[1].port);
    const message = Buffer.alloc(1024 * 1024, 'm');
    for (let i = 0; i < 60; i++) await publisher.publish('ps:big', message); // 60 MB in all
    await until(() => count === 60, `the reading subscriber got all 60 messages (got ${count})`, 60_000);
    assert.equal(bytes, 60 * message.length);
    await until(() => !slowSession(), 'the slow subscriber was closed');
    slow.destroy();
  });
});

describe('pub/sub while the topology changes', function () {
  this.timeout(180_000);
  let cluster: LocalCluster;
  let proxy: RunningProxy;
  const clients: Redis[] = [];

  before(async function () {
    cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 0 });
    // No periodic refresh: the proxy must follow the MOVED of a stale SSUBSCRIBE by itself.
    proxy = await startProxy(cluster.seeds(), { SLOTPROXY_REFRESH_MS: '600000' });
  });

  after(async function () {
    for (const c of clients) c.disconnect();
    await proxy?.stop();
    await cluster?.stop();
  });

  it('a shard channel whose slot moves away is unsubscribed for the client; SSUBSCRIBE again follows the MOVED', async function () {
    const channel = 'ps:moving';
    const slot = slotOf(channel);
    const nodes = await cluster.clusterNodes();
    const source = nodes.find((n) => n.role === 'master' && n.slots.some(([lo, hi]) => lo <= slot && slot <= hi))!;
    const target = nodes.find((n) => n.role === 'master' && n.id !== source.id)!;
    const socket = net.connect({ port: proxy.port, host: '127.0.0.1' });
    await new Promise((r) => socket.once('connect', r));
    const received = new ReplyReader(socket);
    socket.write(Buffer.concat([command(['SUBSCRIBE', 'ps:stay']), command(['SSUBSCRIBE', channel])]));
    await until(() => received.replies.length === 2, 'subscribed');
    // an empty slot moves: every master learns the new owner
    await giveEmptySlot(cluster, nodes, slot, target);
    const pushed = `*3\r\n$12\r\nsunsubscribe\r\n$${channel.length}\r\n${channel}\r\n:0\r\n`;
    await until(() => received.text().includes(pushed), 'the client is told its shard channel is gone');
    received.clear();
    socket.write(command(['SSUBSCRIBE', channel]));
    await until(() => received.replies.length === 1, 'SSUBSCRIBE answered');
    assert.equal(received.text(), `*3\r\n$10\r\nssubscribe\r\n$${channel.length}\r\n${channel}\r\n:1\r\n`);
    assert.ok(proxy.proxy.router.stats.moved > 0, 'the stale slot map met a MOVED');
    received.clear();
    assert.equal(await cluster.cli(target.port, 'SPUBLISH', channel, 'after the move'), '1');
    await until(() => received.text().includes('after the move'), 'the message from the new owner arrived');
    socket.destroy();
  });

  it('a lost pub/sub connection closes the client, whose library subscribes again', async function () {
    const sub = new Redis({ port: proxy.port, host: '127.0.0.1' });
    clients.push(sub);
    const got: string[] = [];
    let reconnects = 0;
    sub.on('message', (_c: string, m: string) => got.push(m));
    sub.on('reconnecting', () => reconnects++);
    await sub.subscribe('ps:resilient');
    for (const n of await cluster.masters()) await cluster.cli(n, 'CLIENT', 'KILL', 'TYPE', 'pubsub');
    await until(() => reconnects > 0, 'the client was disconnected');
    const pub = new Redis({ port: proxy.port, host: '127.0.0.1' });
    clients.push(pub);
    await until(async () => {
      await pub.publish('ps:resilient', 'again');
      return got.length > 0;
    }, 'messages arrive again after the client resubscribed');
  });
});

// Replies to a pipeline that went to several masters leave the proxy in one write, as Redis
// answers what it read in one go, unless they could wait long (a blocking command follows) or
// many bytes of them are ready.
import assert from 'node:assert/strict';
import net from 'node:net';
import { slotOf } from '../../lib/protocol/crc16';
import { command } from '../../lib/protocol/resp';
import { sharedCluster, type SharedCluster } from '../harness/mocha-hooks';
import { startProxy, type RunningProxy } from '../harness/proxy';
import { sleep, until } from '../harness/wait';

/** A raw connection that keeps every byte received, to look at what arrived when. */
class Wire {
  readonly socket: net.Socket;
  received = Buffer.alloc(0);

  constructor(port: number) {
    this.socket = net.connect({ host: '127.0.0.1', port });
    this.socket.on('data', (c) => (this.received = Buffer.concat([this.received, c])));
  }

  send(...commands: string[][]): void {
    this.socket.write(Buffer.concat(commands.map((c) => command(c))));
  }

  text(): string {
    return this.received.toString('latin1');
  }

  /** Waits until as many bytes as `expected` arrived, then checks they are exactly those. */
  async receives(expected: string, what: string): Promise<void> {
    await until(() => this.received.length >= expected.length, what);
    assert.equal(this.text(), expected, what);
  }

  close(): void {
    this.socket.destroy();
  }
}

describe('replies to a pipeline over several masters', function () {
  let cluster: SharedCluster;
  let proxy: RunningProxy;
  let paused: number | null = null;

  /** a key (with `prefix`) on the master at `port`, or on any other master when `other` */
  function keyOn(port: number, prefix: string, other = false): string {
    for (let i = 0; ; i++) {
      const key = `${prefix}:${i}`;
      const owner = proxy.proxy.router.slotMap.owner(slotOf(key))!;
      if ((Number(owner.split(':')[1]) === port) !== other) return key;
    }
  }

  function masterPort(i: number): number {
    return Number(proxy.proxy.router.slotMap.masters[i].split(':')[1]);
  }

  async function pause(port: number): Promise<void> {
    // Writes only: with ALL, Redis would hold the UNPAUSE too. Long enough never to end by
    // itself during the test: every test unpauses.
    assert.equal(await cluster.cli(port, 'CLIENT', 'PAUSE', '20000', 'WRITE'), 'OK');
    paused = port;
  }

  async function unpause(): Promise<void> {
    if (paused !== null) await cluster.cli(paused, 'CLIENT', 'UNPAUSE');
    paused = null;
  }

  before(async function () {
    cluster = await sharedCluster();
    proxy = await startProxy(cluster.seeds());
  });

  afterEach(unpause);

  after(async function () {
    await proxy?.stop();
  });

  it('are held until the slowest master answers, then written together', async function () {
    const slow = masterPort(1);
    const fast = keyOn(slow, 'batch:fast', true);
    const late = keyOn(slow, 'batch:late');
    await cluster.cli(slow, 'SET', late, '41');
    const wire = new Wire(proxy.port);
    try {
      await new Promise((r) => wire.socket.once('connect', r));
      await pause(slow);
      wire.send(['SET', fast, 'fast-value'], ['GET', fast], ['INCR', late]);
      // the fast master answers within a millisecond; its replies must still wait
      await sleep(300);
      assert.equal(wire.text(), '', 'nothing is written while the batch is incomplete');
      await unpause();
      await wire.receives('+OK\r\n$10\r\nfast-value\r\n:42\r\n', 'all three replies');
    } finally {
      wire.close();
    }
  });

  it('before a blocking command are written at once, not held until it returns', async function () {
    const node = masterPort(0);
    const key = keyOn(node, 'batch:plain');
    const list = keyOn(node, 'batch:list');
    await cluster.cli(node, 'DEL', list);
    const wire = new Wire(proxy.port);
    try {
      wire.send(['SET', key, 'v'], ['GET', key], ['BLPOP', list, '0']);
      await until(() => wire.text() === '+OK\r\n$1\r\nv\r\n', 'the replies before BLPOP while it blocks');
      await cluster.cli(node, 'RPUSH', list, 'item');
      await wire.receives(`+OK\r\n$1\r\nv\r\n*2\r\n$${list.length}\r\n${list}\r\n$4\r\nitem\r\n`, 'the BLPOP reply');
    } finally {
      wire.close();
    }
  });

  it('are written without waiting once 64 KiB of them are ready', async function () {
    const slow = masterPort(2);
    const big = keyOn(slow, 'batch:big', true);
    const late = keyOn(slow, 'batch:late');
    const value = 'x'.repeat(100_000);
    const wire = new Wire(proxy.port);
    try {
      wire.send(['SET', big, value], ['SET', late, 'late']);
      await until(() => wire.text() === '+OK\r\n+OK\r\n', 'the two SETs');
      await pause(slow);
      wire.send(['GET', big], ['APPEND', late, '-more']);
      const first = `$${value.length}\r\n${value}\r\n`;
      await wire.receives('+OK\r\n+OK\r\n' + first, 'only the ready reply, while the other master is paused');
      await unpause();
      await wire.receives('+OK\r\n+OK\r\n' + first + ':9\r\n', 'the last reply');
    } finally {
      wire.close();
    }
  });
});

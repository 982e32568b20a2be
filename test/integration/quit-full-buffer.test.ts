// QUIT after a pipeline whose replies the client does not read yet: everything before QUIT's +OK
// is still delivered, +OK last, then the connection closes, byte for byte as Redis does it. The
// replies fill the kernel's buffers, so the proxy's writes are partial and the rest waits in the
// socket's stream; the end of the connection must come after all of it. Compared with a
// standalone Redis given the same bytes.
// (Not reached here: a last +OK queued in the io_uring batch while the stream is empty and the
// kernel's buffer full, for which ClientSession.flush submits the batch before closeAfterWrites.
// Checked: these cases pass with that submit removed; once the buffers fill, the +OK goes
// through the stream.)
import assert from 'node:assert/strict';
import net from 'node:net';
import { command } from '../../lib/protocol/resp';
import { proxyBesideRedis } from '../harness/beside-redis';
import { until } from '../harness/wait';

/** Connects, sends `input`, reads nothing until `ready()` resolves, then everything until the peer closes. */
async function readLate(port: number, input: Buffer, ready: () => Promise<void>): Promise<{ data: Buffer; closed: boolean }> {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.pause();
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  try {
    socket.write(input);
    await ready();
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    const closed = await new Promise<boolean>((resolve) => {
      socket.once('end', () => resolve(true));
      socket.once('error', () => resolve(false));
      // bounded: a connection the proxy never closes fails the test instead of hanging it
      setTimeout(() => resolve(false), 30_000).unref();
      socket.resume();
    });
    return { data: Buffer.concat(chunks), closed };
  } finally {
    socket.destroy();
  }
}

describe('QUIT after replies the client has not read: all of them, +OK, then the close (as Redis)', function () {
  this.timeout(180_000);
  const pair = proxyBesideRedis();

  // reply sizes: below the batch's 4 KiB (queued sends), above it (direct sends), and one large
  for (const [size, count] of [
    [100, 120_000],
    [3_000, 10_000],
    [20_000, 1_500],
    [1_000_000, 30],
  ] as const) {
    it(`${count} GETs of ${size} bytes, then QUIT, read only once the proxy has answered them all`, async function () {
      const key = `quitfull:${size}`;
      const value = Buffer.alloc(size, 'v');
      value.write(`${size}:`, 0);
      const set = command(['SET', key, value]);
      const get = command(['GET', key]);
      const input = Buffer.concat([set, ...Array.from({ length: count }, () => get), Buffer.from('QUIT\r\n')]);
      const expected = Buffer.concat([
        Buffer.from('+OK\r\n'),
        ...Array.from({ length: count }, () => Buffer.concat([Buffer.from(`$${size}\r\n`), value, Buffer.from('\r\n')])),
        Buffer.from('+OK\r\n'),
      ]);
      // more than the kernel's buffers between the proxy and the client hold
      assert.ok(expected.length > 10_000_000);
      const { proxy, redis } = pair;
      const stats = proxy.proxy.stats;
      const before = stats.commandsProcessed;
      const answered = (): boolean => {
        const sessions = [...proxy.proxy.sessions];
        return stats.commandsProcessed - before === count + 2 && sessions.length === 1 && sessions[0]!.pending === 0;
      };
      const [mine, theirs] = await Promise.all([
        readLate(proxy.port, input, async () => {
          // every command read and answered (QUIT too), what the kernel did not take waiting in
          // the proxy: the close is due once that is written
          await until(answered, 'the proxy answers every command', 90_000);
        }),
        readLate(redis.port, input, async () => undefined),
      ]);
      assert.equal(theirs.data.length, expected.length, 'Redis sent every reply');
      assert.ok(theirs.data.equals(expected) && theirs.closed, 'Redis: the replies, +OK, then the close');
      assert.equal(mine.data.length, expected.length, 'the proxy sent every reply and +OK');
      assert.ok(mine.data.equals(expected), 'the proxy sent the same bytes as Redis');
      assert.ok(mine.closed, 'the proxy closed the connection after +OK');
      await until(() => proxy.proxy.sessions.size === 0, 'the session is gone');
    });
  }
});

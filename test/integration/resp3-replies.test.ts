// What a real Redis 7.0.15 sends in RESP3, for every type it emits (HELLO 3, DEBUG PROTOCOL's
// attribute, big number, booleans, verbatim, map, set, double, null and push, HGETALL, SMEMBERS,
// ZSCORE, pub/sub and tracking pushes), is exactly what test/unit/protocol/reply-resp3-cases.ts
// wrote down, and both reply scanners frame those bytes exactly: as the socket delivered them,
// whole, byte by byte and split at random.
import assert from 'node:assert/strict';
import net from 'node:net';
import { startStandalone, type StandaloneRedis } from '../../lib/localcluster/local-cluster';
import { command } from '../../lib/protocol/resp';
import { KINDS, Rng, abbreviate, scannersFor } from '../unit/protocol/helpers';
import { collectReplies, replyChunks } from '../unit/protocol/reply-gen';
import { redis70Resp3Cases } from '../unit/protocol/reply-resp3-cases';

/** Sends `input` on `socket` and collects what arrives, read by read, until `until(data)` or 10 s. */
function collect(socket: net.Socket, input: Buffer, until: (data: Buffer) => boolean): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const reads: Buffer[] = [];
    const done = (err?: Error): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', done);
      if (err) reject(err);
      else resolve(reads);
    };
    const timer = setTimeout(() => done(new Error(`no complete reply in 10 s; got ${abbreviate(Buffer.concat(reads).toString('latin1'))}`)), 10_000);
    const onData = (chunk: Buffer): void => {
      reads.push(chunk);
      if (until(Buffer.concat(reads))) done();
    };
    socket.on('data', onData);
    socket.on('error', done);
    socket.write(input);
  });
}

describe('real Redis 7.0 RESP3 replies, framed by both scanners', function () {
  let redis: StandaloneRedis;
  let socket: net.Socket;

  before(async function () {
    redis = await startStandalone({ extraArgs: ['--enable-debug-command', 'yes'] });
    socket = net.connect({ host: redis.host, port: redis.port });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  });

  after(async function () {
    socket?.destroy();
    await redis?.stop();
  });

  it('every RESP3 type Redis 7.0 sends, byte for byte as written down, and framed exactly', async function () {
    const idReply = Buffer.concat(await collect(socket, command(['CLIENT', 'ID']), (d) => d.includes('\r\n'))).toString('latin1');
    assert.match(idReply, /^:\d+\r\n$/);
    const cases = redis70Resp3Cases(Number(idReply.slice(1, -2)));
    const expect = cases.slice(1).flatMap((c) => c.replies);
    const expected = expect.map((f) => f.frame).join('');
    const input = Buffer.concat(cases.slice(1).map((c) => command(c.command)));
    const reads = await collect(socket, input, (d) => d.length >= expected.length);
    const data = Buffer.concat(reads);
    // The server's bytes first: a reply that changed would make the framing check meaningless.
    for (let i = 0, at = 0; i < expect.length; at += expect[i].frame.length, i++) {
      const got = data.toString('latin1', at, at + expect[i].frame.length);
      assert.equal(got, expect[i].frame, `reply #${i} differs from reply-resp3-cases.ts`);
    }
    assert.equal(data.length, expected.length);
    for (const kind of KINDS) {
      const s = scannersFor(kind);
      const splits: [string, Buffer[]][] = [
        [`${reads.length} socket reads`, reads],
        ['whole', [data]],
        ['byte by byte', Array.from({ length: data.length }, (_, i) => data.subarray(i, i + 1))],
      ];
      const rng = new Rng(7);
      for (let k = 0; k < 20; k++) splits.push([`random split #${k}`, replyChunks(rng, data)]);
      for (const [label, chunks] of splits) {
        const got = collectReplies(s, chunks);
        assert.equal(got.protocolErrors, 0, `${kind}, ${label}: protocol error`);
        assert.deepEqual(got.frames, expect, `${kind}, ${label}`);
      }
    }
  });
});

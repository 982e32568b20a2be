// Push frames on backend connections: a RESP3 connection to a real Redis 7.0 with CLIENT TRACKING
// on gets invalidation pushes between the replies of its pipelined commands. Each push goes to
// the connection's push handler (or is dropped and counted when there is none) and never takes
// the place of a reply in the in-flight FIFO: every command still gets its own reply.
import assert from 'node:assert/strict';
import { BackendConnection, ConnState, type ConnectionHooks } from '../../lib/backend/backend-connection';
import type { WireCommand } from '../../lib/backend/wire-command';
import { startStandalone, type StandaloneRedis } from '../../lib/localcluster/local-cluster';
import { callOnce } from '../../lib/backend/control-connection';
import { createScanners } from '../../lib/protocol/scanners';
import { command } from '../../lib/protocol/resp';
import { until } from '../harness/wait';

/** A command that records its reply. */
class Probe implements WireCommand {
  readonly frameStart = 0;
  readonly frameEnd: number;
  readonly head = null;
  asking = false;
  readonly deadline = Infinity;
  reply: string | null = null;
  failure: string | null = null;
  readonly frame: Buffer;
  constructor(args: string[]) {
    this.frame = command(args);
    this.frameEnd = this.frame.length;
  }
  bytes(): Buffer {
    return this.frame;
  }
  onReplyRange(buf: Buffer, start: number, end: number): void {
    this.reply = buf.toString('latin1', start, end);
  }
  onFailure(message: string): void {
    this.failure = message;
  }
}

const hooks = (): ConnectionHooks<Probe> => ({ onOrphaned: () => undefined, onLost: () => undefined, onReadDone: () => undefined });

describe('backend connections: push frames', function () {
  this.timeout(60_000);
  let redis: StandaloneRedis;
  const open: BackendConnection<Probe>[] = [];

  before(async function () {
    redis = await startStandalone();
  });

  after(async function () {
    for (const c of open) c.close('test over');
    await redis?.stop();
  });

  function connect(): BackendConnection<Probe> {
    const handshake = [command(['HELLO', '3']), command(['CLIENT', 'TRACKING', 'on'])];
    const conn = new BackendConnection<Probe>(redis.host, redis.port, `${redis.host}:${redis.port}`, createScanners('auto'), { connectTimeoutMs: 2000, reconnect: false, handshake, resp3: true }, hooks());
    open.push(conn);
    return conn;
  }

  /** Reads `keys` on `conn` (tracking them), then has another client write them. */
  async function invalidate(conn: BackendConnection<Probe>, keys: string[]): Promise<void> {
    const reads = keys.map((k) => new Probe(['GET', k]));
    for (const r of reads) conn.send(r);
    await until(() => reads.every((r) => r.reply !== null), 'the tracked reads are answered', 5000);
    for (const k of keys) await callOnce(redis.host, redis.port, ['SET', k, 'changed']);
  }

  it('a push goes to the push handler; the replies around it stay with their commands', async function () {
    const conn = connect();
    await until(() => conn.state === ConnState.Ready, 'connected', 5000);
    const pushes: string[] = [];
    conn.pushHandler = (frame) => void pushes.push(frame.toString('latin1'));
    for (const k of ['k1', 'k2', 'k3']) await callOnce(redis.host, redis.port, ['SET', k, `v-${k}`]);
    await invalidate(conn, ['k1', 'k2']);
    // pipelined while the invalidations arrive: each reply must be its own command's
    const probes: Probe[] = [];
    for (let i = 0; i < 200; i++) probes.push(new Probe(['ECHO', `e${i}`]), new Probe(['GET', 'k3']));
    for (const p of probes) conn.send(p);
    await callOnce(redis.host, redis.port, ['SET', 'k3', 'changed']);
    await until(() => probes.every((p) => p.reply !== null), 'every probe answered', 5000);
    probes.forEach((p, i) => {
      const want = i % 2 === 0 ? `$${String(i / 2).length + 1}\r\ne${i / 2}\r\n` : null;
      if (want) assert.equal(p.reply, want, `probe ${i}`);
      else assert.match(p.reply!, /^\$(4\r\nv-k3|7\r\nchanged)\r\n$/, `probe ${i}`);
    });
    await until(() => pushes.length >= 3, 'three invalidations', 5000);
    assert.deepEqual(pushes.slice(0, 2), ['>2\r\n$10\r\ninvalidate\r\n*1\r\n$2\r\nk1\r\n', '>2\r\n$10\r\ninvalidate\r\n*1\r\n$2\r\nk2\r\n']);
    assert.ok(pushes.includes('>2\r\n$10\r\ninvalidate\r\n*1\r\n$2\r\nk3\r\n'), 'the read of k3 among the probes was invalidated');
    assert.equal(conn.strayPushes, 0);
    assert.equal(conn.inFlight, 0, 'no entry of the FIFO was used up by a push');
  });

  it('without a handler a push is dropped and counted, and the FIFO is untouched', async function () {
    const conn = connect();
    await until(() => conn.state === ConnState.Ready, 'connected', 5000);
    await invalidate(conn, ['j1']);
    await until(() => conn.strayPushes === 1, 'the invalidation came and was dropped', 5000);
    const after = new Probe(['ECHO', 'still-in-step']);
    conn.send(after);
    await until(() => after.reply !== null, 'answered', 5000);
    assert.equal(after.reply, '$13\r\nstill-in-step\r\n');
    assert.equal(conn.state, ConnState.Ready, 'a stray push does not cost the connection');
  });
});

// The reply queue with fake requests: per-client order, batches, holds, barriers, close-after,
// abandon and backpressure, with no socket and no proxy.
import assert from 'node:assert/strict';
import { ImmediateReply, type ClientRequest } from '../../../lib/proxy/client-request';
import { ClientLimits, type LimitedSocket } from '../../../lib/proxy/client-limits';
import { HOLD_BYTES, ReplyQueue, type ReplyQueueOwner, type ReplyWriter } from '../../../lib/proxy/reply-queue';

/** A request answered when the test says so. */
class FakeRequest implements ClientRequest {
  next: ClientRequest | null = null;
  done = false;
  endsBatch = true;
  reply: Buffer | null = null;
  slab = null;
  replySlab = null;
  started = false;
  abandoned = false;
  constructor(
    readonly text: string,
    readonly holds = false,
    readonly barrier = false,
  ) {}
  start(): void {
    this.started = true;
  }
  abandon(): void {
    this.abandoned = true;
  }
}

class FakeSocket implements LimitedSocket {
  writableLength = 0;
  paused = false;
  isPaused(): boolean {
    return this.paused;
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
}

interface Harness {
  queue: ReplyQueue;
  /** each write, as the text of its replies */
  writes: string[];
  /** the requests collected, in the order the queue handed them over */
  collected: ClientRequest[];
  socket: FakeSocket;
  /** answers `req` with `text` (a simple string reply by default) */
  answer(req: FakeRequest, reply?: string): void;
}

function harness(maxPending = 1000): Harness {
  const writes: string[] = [];
  const collected: ClientRequest[] = [];
  const writer: ReplyWriter = {
    writeReplies(first, last, bytes) {
      const parts: Buffer[] = [];
      for (let r: ClientRequest | null = first; ; r = r.next) {
        assert.ok(r, 'the run from first to last is linked');
        if (r.reply) parts.push(r.reply);
        if (r === last) break;
      }
      const out = Buffer.concat(parts);
      assert.equal(out.length, bytes, 'bytes announced = bytes written');
      writes.push(out.toString('latin1'));
    },
  };
  const owner: ReplyQueueOwner = {
    replyCollected: (req) => void collected.push(req),
    repliesCollected: () => {},
  };
  const socket = new FakeSocket();
  const limits = new ClientLimits(socket, { config: { maxPending, maxQueryBuffer: 1 << 30 }, normalOutputLimits: null });
  const queue = new ReplyQueue(owner, writer, limits);
  return {
    queue,
    writes,
    collected,
    socket,
    answer(req, reply = `+${req.text}\r\n`) {
      req.reply = Buffer.from(reply, 'latin1');
      req.done = true;
      queue.requestDone(req);
    },
  };
}

/** `n` requests enqueued as one read's commands: the last one ends the batch. */
function batch(h: Harness, ...names: string[]): FakeRequest[] {
  const reqs = names.map((n) => new FakeRequest(n));
  for (const r of reqs) {
    r.endsBatch = false;
    h.queue.enqueue(r);
  }
  h.queue.endBatch();
  return reqs;
}

/** A seeded generator (mulberry32): the same sequence on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('reply queue', function () {
  it('writes replies in the order the requests were enqueued, whatever order they finish in', function () {
    const h = harness();
    const [a, b, c] = [new FakeRequest('a'), new FakeRequest('b'), new FakeRequest('c')];
    for (const r of [a, b, c]) h.queue.enqueue(r);
    h.answer(c);
    h.answer(b);
    assert.deepEqual(h.collected, [], 'nothing before the first is answered');
    h.answer(a);
    assert.deepEqual(h.collected, [a, b, c]);
    h.queue.flush();
    assert.deepEqual(h.writes, ['+a\r\n+b\r\n+c\r\n']);
    assert.equal(h.queue.pending, 0);
  });

  it('keeps order and batch ends over random completion orders', function () {
    const next = random(21);
    for (let round = 0; round < 200; round++) {
      const h = harness();
      const reqs: FakeRequest[] = [];
      const n = 1 + Math.floor(next() * 30);
      for (let i = 0; i < n; i++) {
        const r = new FakeRequest(`r${i}`);
        r.endsBatch = next() < 0.3;
        reqs.push(r);
        h.queue.enqueue(r);
      }
      h.queue.endBatch();
      const order = reqs.slice();
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      for (const r of order) {
        h.answer(r);
        if (next() < 0.5) h.queue.flush();
      }
      h.queue.flush();
      assert.equal(h.writes.join(''), reqs.map((r) => `+${r.text}\r\n`).join(''));
      // each write ends where a batch ends (replies are far below the 64 KiB hold)
      for (const w of h.writes) {
        const lastName = /\+(r\d+)\r\n$/.exec(w)![1];
        assert.ok(reqs.find((r) => r.text === lastName)!.endsBatch, `write "${w}" ends inside a batch`);
      }
    }
  });

  it('holds a batch\'s replies until its last one is in, then writes them in one write', function () {
    const h = harness();
    const [a, b, c] = batch(h, 'a', 'b', 'c');
    h.answer(a);
    h.queue.flush();
    h.answer(b);
    h.queue.flush();
    assert.deepEqual(h.writes, [], 'a and b wait for c');
    h.answer(c);
    h.queue.flush();
    assert.deepEqual(h.writes, ['+a\r\n+b\r\n+c\r\n']);
  });

  it('writes a finished batch while the next one is still arriving', function () {
    const h = harness();
    const [a, b] = batch(h, 'a', 'b');
    const [c, d] = batch(h, 'c', 'd');
    h.answer(a);
    h.answer(b);
    h.answer(c);
    h.queue.flush();
    assert.deepEqual(h.writes, ['+a\r\n+b\r\n'], 'c waits for d');
    h.answer(d);
    h.queue.flush();
    assert.deepEqual(h.writes, ['+a\r\n+b\r\n', '+c\r\n+d\r\n']);
  });

  it('writes held replies once 64 KiB of them wait', function () {
    const h = harness();
    const [a, b, c] = batch(h, 'a', 'b', 'c');
    const big = (ch: string, n: number): string => `$${n}\r\n${ch.repeat(n)}\r\n`;
    h.answer(a, big('a', 40 * 1024));
    h.queue.flush();
    assert.equal(h.writes.length, 0, '40 KiB wait for the rest of the batch');
    h.answer(b, big('b', HOLD_BYTES - 40 * 1024));
    h.queue.flush();
    assert.equal(h.writes.length, 1, 'past 64 KiB they go');
    assert.equal(h.writes[0], big('a', 40 * 1024) + big('b', HOLD_BYTES - 40 * 1024));
    h.answer(c);
    h.queue.flush();
    assert.deepEqual(h.writes.slice(1), ['+c\r\n']);
  });

  it('starts a barrier only once every earlier request is answered, and holds later ones until then', function () {
    const h = harness();
    const a = new FakeRequest('a');
    const barrier = new FakeRequest('multi', false, true);
    const c = new FakeRequest('c');
    for (const r of [a, barrier, c]) h.queue.enqueue(r);
    assert.ok(a.started);
    assert.ok(!barrier.started && !c.started, 'the barrier waits for a, and c waits behind it');
    assert.ok(h.queue.blocked);
    h.answer(a);
    assert.ok(barrier.started && c.started, 'once a is answered both start (the barrier does not hold)');
    assert.ok(!h.queue.blocked);
    h.answer(c);
    h.answer(barrier);
    h.queue.flush();
    assert.deepEqual(h.writes, ['+a\r\n+multi\r\n+c\r\n']);
  });

  it('a barrier first in line starts at once', function () {
    const h = harness();
    const barrier = new FakeRequest('multi', false, true);
    h.queue.enqueue(barrier);
    assert.ok(barrier.started);
    assert.ok(!h.queue.blocked);
  });

  it('a blocking request holds the later ones until it is answered', function () {
    const h = harness();
    const blpop = new FakeRequest('blpop', true);
    const [b, c] = [new FakeRequest('b'), new FakeRequest('c')];
    for (const r of [blpop, b, c]) h.queue.enqueue(r);
    assert.ok(blpop.started);
    assert.ok(!b.started && !c.started);
    assert.ok(h.queue.blocked);
    h.answer(blpop);
    assert.ok(b.started && c.started, 'started in order once it is answered');
    assert.ok(!h.queue.blocked);
    h.answer(b);
    h.answer(c);
    h.queue.flush();
    assert.deepEqual(h.writes, ['+blpop\r\n+b\r\n+c\r\n']);
  });

  it('a blocking barrier waits for the earlier replies, then holds the later requests until answered', function () {
    const h = harness();
    const a = new FakeRequest('a');
    const blocking = new FakeRequest('blmove', true, true);
    const c = new FakeRequest('c');
    for (const r of [a, blocking, c]) h.queue.enqueue(r);
    h.answer(a);
    assert.ok(blocking.started && !c.started);
    h.answer(blocking);
    assert.ok(c.started);
  });

  it('nothing after a close-after reply runs or is written, and the queue is then finished', function () {
    const h = harness();
    const a = new FakeRequest('a');
    h.queue.enqueue(a);
    h.queue.enqueue(new ImmediateReply(Buffer.from('+OK\r\n'), true));
    assert.ok(h.queue.closing);
    const later = new FakeRequest('later');
    h.queue.enqueue(later);
    h.queue.enqueue(new ImmediateReply(Buffer.from('+message\r\n')));
    assert.ok(!later.started && later.abandoned, 'what follows QUIT is not run');
    assert.ok(!h.queue.finished);
    h.answer(a);
    h.queue.flush();
    assert.deepEqual(h.writes, ['+a\r\n+OK\r\n']);
    assert.ok(h.queue.finished);
  });

  it('a message arriving after a collected QUIT, before the write, is not written', function () {
    const h = harness();
    h.queue.enqueue(new ImmediateReply(Buffer.from('+OK\r\n'), true));
    h.queue.enqueue(new ImmediateReply(Buffer.from('*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n')));
    h.queue.flush();
    assert.deepEqual(h.writes, ['+OK\r\n']);
    assert.ok(h.queue.finished);
  });

  it('once the client is closing, collected replies are written without waiting for their batch', function () {
    const h = harness();
    const a = new FakeRequest('a');
    const b = new FakeRequest('b');
    a.endsBatch = b.endsBatch = false;
    h.queue.enqueue(a);
    h.queue.enqueue(b);
    h.queue.enqueue(new ImmediateReply(Buffer.from('-ERR Protocol error\r\n'), true));
    h.answer(a);
    h.queue.flush();
    assert.deepEqual(h.writes, ['+a\r\n'], 'a does not wait for b');
    h.answer(b);
    h.queue.flush();
    assert.deepEqual(h.writes, ['+a\r\n', '+b\r\n-ERR Protocol error\r\n']);
    assert.ok(h.queue.finished);
  });

  it('abandons what is not answered when the client goes', function () {
    const h = harness();
    const blpop = new FakeRequest('blpop', true);
    const [b, c] = [new FakeRequest('b'), new FakeRequest('c')];
    for (const r of [blpop, b, c]) h.queue.enqueue(r);
    const done = new FakeRequest('done');
    done.done = true;
    done.reply = Buffer.from('+x\r\n');
    h.queue.enqueue(done);
    h.queue.abandon();
    assert.ok(blpop.abandoned && b.abandoned && c.abandoned, 'the running and the held ones');
    assert.ok(!done.abandoned, 'an answered one needs nothing');
    assert.ok(!b.started, 'held requests are not started by the abandon');
    h.answer(blpop);
    h.queue.flush();
    assert.deepEqual(h.writes, []);
    assert.deepEqual(h.collected, []);
  });

  it('pauses reading at maxPending unanswered requests and resumes below half of it', function () {
    const h = harness(4);
    const reqs = ['a', 'b', 'c', 'd', 'e'].map((n) => new FakeRequest(n));
    for (const r of reqs.slice(0, 3)) h.queue.enqueue(r);
    assert.ok(!h.socket.paused, '3 < 4');
    h.queue.enqueue(reqs[3]);
    assert.ok(h.socket.paused, '4 pending');
    h.queue.enqueue(reqs[4]);
    h.answer(reqs[0]);
    h.answer(reqs[1]);
    assert.equal(h.queue.pending, 3);
    assert.ok(h.socket.paused, '3 is not below half of 4');
    h.answer(reqs[2]);
    h.answer(reqs[3]);
    assert.equal(h.queue.pending, 1);
    assert.ok(!h.socket.paused, '1 < 2');
  });

  it('does not resume reading a client that is closing', function () {
    const h = harness(2);
    const a = new FakeRequest('a');
    h.queue.enqueue(a);
    h.queue.enqueue(new ImmediateReply(Buffer.from('+OK\r\n'), true));
    assert.ok(h.socket.paused);
    h.answer(a);
    assert.ok(h.socket.paused);
  });
});

describe('reply queue: push frames (ReplyQueue.push)', function () {
  const push = (h: Harness, text: string): void => h.queue.push(Buffer.from(`>1\r\n$${text.length}\r\n${text}\r\n`, 'latin1'));
  const pushed = (text: string): string => `>1\r\n$${text.length}\r\n${text}\r\n`;

  it('with nothing outstanding, goes out at once and is no request', function () {
    const h = harness();
    push(h, 'p');
    assert.equal(h.queue.pending, 0, 'not pending');
    assert.deepEqual(h.collected, [], 'not handed to the statistics as a command');
    h.queue.flush();
    assert.deepEqual(h.writes, [pushed('p')]);
  });

  it('goes after the replies of the requests already started, never inside or before them', function () {
    const h = harness();
    const [a, b] = batch(h, 'a', 'b');
    push(h, 'p');
    const c = new FakeRequest('c');
    h.queue.enqueue(c);
    h.answer(b);
    h.answer(c);
    h.queue.flush();
    assert.deepEqual(h.writes, [], 'a is still outstanding');
    h.answer(a);
    h.queue.flush();
    assert.equal(h.writes.join(''), `+a\r\n+b\r\n${pushed('p')}+c\r\n`);
    assert.deepEqual(h.collected, [a, b, c], 'only the requests are collected');
    assert.equal(h.queue.pending, 0);
  });

  it('does not wait behind a blocked command: it goes before its reply, and before what is held behind it', function () {
    const h = harness();
    const a = new FakeRequest('a');
    h.queue.enqueue(a);
    h.answer(a);
    const blocked = new FakeRequest('blpop', true, true);
    h.queue.enqueue(blocked);
    assert.ok(blocked.started && h.queue.blocked);
    const held = new FakeRequest('held');
    h.queue.enqueue(held);
    push(h, 'p1');
    push(h, 'p2');
    h.queue.flush();
    assert.equal(h.writes.join(''), `+a\r\n${pushed('p1')}${pushed('p2')}`, 'the pushes are out while the client is blocked');
    assert.ok(!held.started, 'what is held behind the blocked command stays held');
    h.answer(blocked);
    assert.ok(held.started);
    h.answer(held);
    h.queue.flush();
    assert.equal(h.writes.join(''), `+a\r\n${pushed('p1')}${pushed('p2')}+blpop\r\n+held\r\n`);
  });

  it('before a barrier that waits for earlier replies: after those replies, before the barrier and what it holds', function () {
    const h = harness();
    const [a, b] = batch(h, 'a', 'b');
    const barrier = new FakeRequest('info', false, true);
    h.queue.enqueue(barrier);
    const later = new FakeRequest('later');
    h.queue.enqueue(later);
    assert.ok(!barrier.started && !later.started);
    push(h, 'p1');
    push(h, 'p2');
    h.answer(b);
    h.answer(a);
    assert.ok(barrier.started, 'the barrier starts once a and b are answered');
    h.answer(barrier);
    h.answer(later);
    h.queue.flush();
    assert.equal(h.writes.join(''), `+a\r\n+b\r\n${pushed('p1')}${pushed('p2')}+info\r\n+later\r\n`);
    assert.deepEqual(h.collected, [a, b, barrier, later]);
  });

  it('keeps its place over random completion orders, pushes and holds', function () {
    const next = random(5);
    for (let round = 0; round < 300; round++) {
      const h = harness();
      // the expected output: each push after every request enqueued and not held before it
      const events: (FakeRequest | string)[] = [];
      const reqs: FakeRequest[] = [];
      /**
       * for each push: the requests started when it came (it goes after them), and those not
       * started or blocked (it goes before them: never behind a blocked command)
       */
      const place = new Map<string, { after: FakeRequest[]; before: FakeRequest[] }>();
      for (let i = 0; i < 25; i++) {
        const roll = next();
        if (roll < 0.25) {
          const text = `p${i}`;
          const blocked = (r: FakeRequest): boolean => r.started && r.holds && !r.done;
          place.set(text, { after: reqs.filter((r) => r.started && !blocked(r)), before: reqs.filter((r) => !r.started || blocked(r)) });
          push(h, text);
          events.push(text);
        } else {
          const r = new FakeRequest(`r${i}`, roll > 0.9, roll > 0.85);
          reqs.push(r);
          h.queue.enqueue(r);
          events.push(r);
        }
        if (next() < 0.4) {
          const ready = reqs.filter((r) => r.started && !r.done);
          if (ready.length) h.answer(ready[Math.floor(next() * ready.length)]);
        }
        if (next() < 0.3) h.queue.flush();
      }
      for (let guard = 0; reqs.some((r) => !r.done) && guard < 1000; guard++) {
        const ready = reqs.filter((r) => r.started && !r.done);
        h.answer(ready[Math.floor(next() * ready.length)]);
      }
      h.queue.flush();
      const out = h.writes.join('');
      // every request's reply, in order
      const replies = out.split(/>1\r\n\$\d+\r\np\d+\r\n/).join('');
      assert.equal(replies, reqs.map((r) => `+${r.text}\r\n`).join(''), `round ${round}`);
      // every push once, in the order pushed, and never inside a reply
      const pushes = [...out.matchAll(/>1\r\n\$\d+\r\n(p\d+)\r\n/g)].map((m) => m[1]);
      assert.deepEqual(pushes, events.filter((e): e is string => typeof e === 'string'), `round ${round}`);
      assert.deepEqual(h.collected, reqs, `round ${round}: the statistics see the requests only`);
      assert.equal(h.queue.pending, 0);
      for (const [text, { after, before }] of place) {
        const at = out.indexOf(`\r\n${text}\r\n`);
        for (const r of after) assert.ok(out.indexOf(`+${r.text}\r\n`) < at, `round ${round}: ${text} after ${r.text}, started before it`);
        for (const r of before) assert.ok(out.indexOf(`+${r.text}\r\n`) > at, `round ${round}: ${text} before ${r.text}, held when it came`);
      }
    }
  });

  it('is dropped once the client is closing', function () {
    const h = harness();
    const a = new FakeRequest('a');
    h.queue.enqueue(a);
    h.queue.enqueue(new ImmediateReply(Buffer.from('+OK\r\n'), true));
    push(h, 'late');
    h.answer(a);
    h.queue.flush();
    assert.equal(h.writes.join(''), '+a\r\n+OK\r\n');
  });
});

// The turn's write queue (lib/io/flush-queue.ts): early writers (client replies) go out when
// flushEarly() is called, also in the middle of the read poller's batch of a turn (after each
// node read: leaving them to the batch's end saved ~0.1 io_uring_enter per request at GET -P1
// but cost 2-8% of req/s: bench/results/hot-path-figures.md, "early replies, batched reads");
// the others wait for the turn's end, or the batch's, which flushes them in the order they were
// queued, with what the flushes themselves queue.
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { beginReads, endReads, flushEarly, scheduleFlush, type Flushable } from '../../../lib/io/flush-queue';

function writer(name: string, early: boolean, log: string[], then?: () => void): Flushable {
  return {
    flushQueued: false,
    early,
    flush() {
      log.push(name);
      then?.();
    },
  };
}

describe('flush queue', function () {
  it('flushEarly() flushes the early writers now and leaves the others to the turn\'s end', async function () {
    const log: string[] = [];
    scheduleFlush(writer('node', false, log));
    scheduleFlush(writer('client', true, log));
    flushEarly();
    assert.deepEqual(log, ['client']);
    await nextTurn();
    assert.deepEqual(log, ['client', 'node']);
  });

  it('during the poller\'s batch, early writers go out at each flushEarly(), the others at its end', async function () {
    const log: string[] = [];
    const client = writer('client', true, log);
    beginReads();
    try {
      scheduleFlush(writer('node', false, log));
      scheduleFlush(client);
      scheduleFlush(client);
      flushEarly();
      assert.deepEqual(log, ['client'], 'queued once, flushed once');
      scheduleFlush(client);
      flushEarly();
      assert.deepEqual(log, ['client', 'client']);
    } finally {
      endReads();
    }
    assert.deepEqual(log, ['client', 'client', 'node']);
    await nextTurn();
    assert.deepEqual(log, ['client', 'client', 'node'], 'nothing was left for a later turn');
  });

  it('what a flush at the batch\'s end queues is flushed before it returns', function () {
    const log: string[] = [];
    const late = writer('late', true, log);
    beginReads();
    try {
      scheduleFlush(writer('first', false, log, () => scheduleFlush(late)));
    } finally {
      endReads();
    }
    assert.deepEqual(log, ['first', 'late']);
  });
});

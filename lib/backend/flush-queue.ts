// Coalesces writes: whatever is queued for a node's connection during one event-loop turn goes
// out in one write, after every read of that turn was processed. This batching is what lets the
// proxy pipeline many clients' commands into one backend write.
//
// Replies to clients are written sooner: at the end of each read of a node's replies
// (flushReplies), not after the turn's other reads. A reply then reaches its client one
// poll-phase earlier, and the client's next request comes sooner; the number of client writes
// stays the same, because a client's pipeline still waits for all of its replies
// (ClientSession.flush). Against end-of-turn replies (bench/ab.sh, bench/results/
// standing-2026-11-27.md): req/s 1.02 and 1.02 at SET -P1, 1.03 at GET -P1, within ±1% at split
// MSET / MGET -P1, and 0.98 at SET -P16 with 2% less CPU; no more syscalls per request.

export interface Flushable {
  flushQueued: boolean;
  /** a client's replies: also written by flushReplies(), not only at the turn's end */
  readonly repliesToClient: boolean;
  flush(): void;
}

let queue: Flushable[] = [];
let spare: Flushable[] = [];
let scheduled = false;

function flushAll(): void {
  scheduled = false;
  // Flushing a client can queue more (a reply completes a redirect...): loop until quiet.
  while (queue.length) {
    const batch = queue;
    queue = spare;
    for (let i = 0; i < batch.length; i++) {
      const f = batch[i];
      f.flushQueued = false;
      f.flush();
    }
    batch.length = 0;
    spare = batch;
  }
}

/**
 * Writes the client replies queued so far and keeps the writes to nodes for the turn's end. Not
 * to be called while a gather is being filled (the client's write uses the shared one).
 */
export function flushReplies(): void {
  let kept = 0;
  // (flushing a client can queue more: the length is read again each time)
  for (let i = 0; i < queue.length; i++) {
    const f = queue[i];
    if (f.repliesToClient) {
      f.flushQueued = false;
      f.flush();
    } else {
      queue[kept++] = f;
    }
  }
  if (kept !== queue.length) queue.length = kept;
}

export function scheduleFlush(f: Flushable): void {
  if (f.flushQueued) return;
  f.flushQueued = true;
  queue.push(f);
  if (!scheduled) {
    scheduled = true;
    setImmediate(flushAll);
  }
}

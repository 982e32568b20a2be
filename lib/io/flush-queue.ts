// The turn's writes: whatever a writer queues during one event-loop turn goes out in one write,
// after every read of that turn was processed. This batching is what lets the proxy pipeline
// many clients' commands into one backend write.
//
// Some writers go out sooner: those marked `early` are flushed by flushEarly() too, which the
// layer that owns them calls where it wants them written (the proxy: client replies at the end
// of each read of a node's replies, see lib/proxy/reply-writes.ts). This module only keeps the
// two lanes; it decides nothing about clients or nodes.

export interface Flushable {
  flushQueued: boolean;
  /** also flushed by flushEarly(), not only at the turn's end */
  readonly early: boolean;
  flush(): void;
}

let queue: Flushable[] = [];
let spare: Flushable[] = [];
let scheduled = false;

function flushAll(): void {
  scheduled = false;
  // Flushing one writer can queue more (a reply completes a redirect...): loop until quiet.
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
 * Flushes the early writers queued so far and keeps the others for the turn's end. Not to be
 * called while a gather is being filled (a client's write uses the shared one).
 */
export function flushEarly(): void {
  let kept = 0;
  // (flushing a writer can queue more: the length is read again each time)
  for (let i = 0; i < queue.length; i++) {
    const f = queue[i];
    if (f.early) {
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

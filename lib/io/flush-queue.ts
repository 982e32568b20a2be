// The turn's writes: whatever a writer queues during one event-loop turn goes out in one write,
// after every read of that turn was processed. This batching is what lets the proxy pipeline
// many clients' commands into one backend write.
//
// Some writers go out sooner: those marked `early` are flushed by flushEarly() too, which the
// layer that owns them calls where it wants them written (the proxy: client replies at the end
// of each read of a node's replies, see lib/proxy/reply-writes.ts). This module only keeps the
// two lanes; it decides nothing about clients or nodes. Client sends queued during a flush
// (lib/io/send-batch.ts) are submitted at its end.
import { submitSends } from './send-batch';

export interface Flushable {
  flushQueued: boolean;
  /** also flushed by flushEarly(), not only at the turn's end */
  readonly early: boolean;
  flush(): void;
}

// The queue is the first `count` entries of an array that is never shortened (setting an
// array's length is a runtime call and gives up its store, to be grown again: per turn). A flush
// of the turn's writes works on the array it took; what is queued meanwhile goes to the other.
let queue: Flushable[] = [];
let count = 0;
let spare: Flushable[] = [];
const NONE: Flushable = { flushQueued: false, early: false, flush() {} };
let scheduled = false;
/** the socket reads of this turn are being handled (lib/io/read-poller.ts): it flushes after them */
let batching = false;

function flushAll(): void {
  scheduled = false;
  try {
    // Flushing one writer can queue more (a reply completes a redirect...): loop until quiet.
    while (count > 0) {
      const batch = queue;
      const n = count;
      queue = spare;
      count = 0;
      for (let i = 0; i < n; i++) {
        const f = batch[i];
        batch[i] = NONE;
        f.flushQueued = false;
        f.flush();
      }
      spare = batch;
    }
  } finally {
    submitSends();
  }
}

/**
 * Flushes the early writers queued so far and keeps the others for the turn's end. Not to be
 * called while a gather is being filled (a client's write uses the shared one).
 */
export function flushEarly(): void {
  try {
    let kept = 0;
    // (flushing a writer can queue more: the count is read again each time)
    for (let i = 0; i < count; i++) {
      const f = queue[i];
      if (f.early) {
        f.flushQueued = false;
        f.flush();
      } else {
        queue[kept++] = f;
      }
    }
    for (let i = kept; i < count; i++) queue[i] = NONE;
    count = kept;
  } finally {
    submitSends();
  }
}

export function scheduleFlush(f: Flushable): void {
  if (f.flushQueued) return;
  f.flushQueued = true;
  queue[count++] = f;
  if (!scheduled && !batching) {
    scheduled = true;
    setImmediate(flushAll);
  }
}

/**
 * The turn's reads are handled from here to endReads() (by the poller, after the loop's poll
 * phase), which then writes what they queued: no setImmediate per turn for it.
 */
export function beginReads(): void {
  batching = true;
}

export function endReads(): void {
  batching = false;
  flushAll();
}

// Coalesces writes: whatever is queued for a socket during one event-loop turn goes out in one
// write, after every read of that turn was processed. This batching is what lets the proxy
// pipeline many clients' commands into one backend write.

export interface Flushable {
  flushQueued: boolean;
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

export function scheduleFlush(f: Flushable): void {
  if (f.flushQueued) return;
  f.flushQueued = true;
  queue.push(f);
  if (!scheduled) {
    scheduled = true;
    setImmediate(flushAll);
  }
}

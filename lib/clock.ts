// A millisecond clock read once per turn's socket reads (the poller's batch, or each read through
// Node's handle) and once per timer tick instead of once per request: deadlines only need to be
// right to within a tick.
import { performance } from 'node:perf_hooks';

let now = performance.now();
let wallNow = Date.now();

export function tick(): number {
  now = performance.now();
  wallNow = Date.now();
  return now;
}

/** Date.now() at the last tick (what a client's idle time is counted from) */
export function cachedWallNow(): number {
  return wallNow;
}

export function cachedNow(): number {
  return now;
}

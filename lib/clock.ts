// A millisecond clock read once per socket read and once per timer tick instead of once per
// request: deadlines only need to be right to within a tick.
import { performance } from 'node:perf_hooks';

let now = performance.now();

export function tick(): number {
  now = performance.now();
  return now;
}

export function cachedNow(): number {
  return now;
}

// Resource checks for fault tests: the proxy runs in the test process, so its memory and open
// handles are the process's. A baseline is taken once the proxy is warm; after the fault and the
// load are over both must come back near it (after a GC when one can be forced).
import v8 from 'node:v8';
import vm from 'node:vm';
import { sleep } from './wait';

type GcFn = () => void;
let gcFn: GcFn | null | undefined;

/** global.gc, or one obtained by turning --expose-gc on at run time; null when neither works. */
function gcFunction(): GcFn | null {
  if (gcFn !== undefined) return gcFn;
  const g = (globalThis as { gc?: GcFn }).gc;
  if (typeof g === 'function') return (gcFn = g);
  try {
    v8.setFlagsFromString('--expose-gc');
    gcFn = vm.runInNewContext('gc') as GcFn;
  } catch {
    gcFn = null;
  }
  return gcFn;
}

export interface ResourceSnapshot {
  rss: number;
  heapUsed: number;
  handles: number;
  gc: boolean;
}

export function activeHandles(): number {
  return (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length;
}

export async function snapshot(): Promise<ResourceSnapshot> {
  const gc = gcFunction();
  if (gc) {
    // a few rounds: weak callbacks and finalizers free more on the second pass
    for (let i = 0; i < 3; i++) {
      gc();
      await sleep(20);
    }
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, handles: activeHandles(), gc: gc !== null };
}

const MB = 1024 * 1024;

export interface ResourceBounds {
  /** extra open handles tolerated (timers, a reconnecting socket) */
  handleSlack?: number;
  /** RSS growth tolerated after a GC, in MB */
  rssSlackMb?: number;
  /** RSS growth tolerated when no GC can be forced, in MB */
  rssSlackNoGcMb?: number;
  /** how long handles may take to drain */
  waitMs?: number;
}

/**
 * Waits until the open handles are back near `base`, then compares memory. Returns a line for
 * the log and the problems found (empty when fine).
 */
export async function compareToBaseline(base: ResourceSnapshot, bounds: ResourceBounds = {}): Promise<{ line: string; problems: string[] }> {
  const handleSlack = bounds.handleSlack ?? 8;
  const end = Date.now() + (bounds.waitMs ?? 15_000);
  let now = await snapshot();
  while (now.handles > base.handles + handleSlack && Date.now() < end) {
    await sleep(200);
    now = await snapshot();
  }
  const problems: string[] = [];
  if (now.handles > base.handles + handleSlack) problems.push(`open handles ${now.handles}, baseline ${base.handles} (+${handleSlack} tolerated)`);
  const slack = (now.gc ? (bounds.rssSlackMb ?? 64) : (bounds.rssSlackNoGcMb ?? 192)) * MB;
  if (now.rss > base.rss + slack) problems.push(`RSS ${(now.rss / MB).toFixed(1)} MB, baseline ${(base.rss / MB).toFixed(1)} MB (+${slack / MB} MB tolerated)`);
  const line =
    `RSS ${(base.rss / MB).toFixed(1)} -> ${(now.rss / MB).toFixed(1)} MB, heap ${(base.heapUsed / MB).toFixed(1)} -> ${(now.heapUsed / MB).toFixed(1)} MB, ` +
    `handles ${base.handles} -> ${now.handles}${now.gc ? ' (after GC)' : ' (no GC available)'}`;
  return { line, problems };
}

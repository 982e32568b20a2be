// Per-command counters and latency histograms, recorded when a reply is handed to its client
// (so latency is what the client waits for the proxy, from the read of its command). Arrays
// indexed by command-table row id: recording is a few array writes, no allocation.

import { redactArgs } from './slowlog-reply';

/** Latency histogram buckets: bucket b holds latencies in [2^(b-1), 2^b) microseconds. */
export const LATENCY_BUCKETS = 40;

export interface SlowEntry {
  id: number;
  /** unix seconds */
  time: number;
  micros: number;
  args: Buffer[];
  client: string;
  name: string;
}

export class CommandStats {
  calls: Float64Array;
  errors: Float64Array;
  micros: Float64Array;
  histogram: Uint32Array;
  /** requests answered, errors included, since start or the last reset */
  total = 0;
  totalErrors = 0;

  constructor(rows: number) {
    this.calls = new Float64Array(rows);
    this.errors = new Float64Array(rows);
    this.micros = new Float64Array(rows);
    this.histogram = new Uint32Array(rows * LATENCY_BUCKETS);
  }

  record(row: number, error: boolean, micros: number): void {
    this.calls[row]++;
    this.micros[row] += micros;
    this.total++;
    if (error) {
      this.errors[row]++;
      this.totalErrors++;
    }
    const us = micros < 1 ? 1 : micros > 0x7fffffff ? 0x7fffffff : micros | 0;
    this.histogram[row * LATENCY_BUCKETS + (32 - Math.clz32(us))]++;
  }

  /** The p-th percentile (0..100) of a row's latency in microseconds (upper bucket bound), 0 if none. */
  percentile(row: number, p: number): number {
    const n = this.calls[row];
    if (n === 0) return 0;
    const want = Math.ceil((p / 100) * n);
    let seen = 0;
    for (let b = 0; b < LATENCY_BUCKETS; b++) {
      seen += this.histogram[row * LATENCY_BUCKETS + b];
      if (seen >= want) return 2 ** b;
    }
    return 2 ** LATENCY_BUCKETS;
  }

  reset(): void {
    this.calls.fill(0);
    this.errors.fill(0);
    this.micros.fill(0);
    this.histogram.fill(0);
    this.total = 0;
    this.totalErrors = 0;
  }
}

/** SLOWLOG: the most recent requests slower than a threshold, newest first, bounded. */
export class SlowLog {
  entries: SlowEntry[] = [];
  private nextId = 0;

  constructor(
    public thresholdMicros: number,
    public maxLen: number,
  ) {}

  add(micros: number, given: Buffer[], client: string, name: string): void {
    // passwords are dropped before they are kept, not only when shown
    const frameArgs = redactArgs(given);
    // Redis keeps at most 32 arguments and 128 bytes of each
    const args = frameArgs.length > 32 ? [...frameArgs.slice(0, 31), Buffer.from(`... (${frameArgs.length - 31} more arguments)`)] : frameArgs;
    const shown = args.map((a) => (a.length > 128 ? Buffer.concat([a.subarray(0, 128), Buffer.from(`... (${a.length - 128} more bytes)`)]) : Buffer.from(a)));
    this.entries.unshift({ id: this.nextId++, time: Math.floor(Date.now() / 1000), micros: Math.round(micros), args: shown, client, name });
    if (this.entries.length > this.maxLen) this.entries.length = this.maxLen;
  }

  reset(): void {
    this.entries = [];
  }
}

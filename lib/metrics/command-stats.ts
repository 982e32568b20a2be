// Per-command counters and latency histograms, recorded when a reply is handed to its client
// (so latency is what the client waits for the proxy, from the read of its command). Arrays
// indexed by command-table row id: recording is a few array writes, no allocation.

/** Latency histogram buckets: bucket b holds latencies in [2^(b-1), 2^b) microseconds. */
export const LATENCY_BUCKETS = 40;

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

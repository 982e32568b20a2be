// Per-command counters and latency histograms, recorded when a reply is handed to its client
// (so latency is what the client waits for the proxy, from the read of its command). Arrays
// indexed by command-table row id: recording is a few array writes, no allocation.
import { countReplyErrors } from './error-stats';

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
  /** error replies by prefix (INFO errorstats: "WRONGTYPE", "ERR" ...) */
  readonly errorCodes = new Map<string, number>();
  constructor(
    rows: number,
    /** row of EXEC, whose array reply carries the errors of the commands it ran (-1: none) */
    readonly execRow = -1,
  ) {
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

  /**
   * Counts by prefix the errors in a reply record() was given: the reply itself when it is an
   * error, and, for EXEC, the errors among its elements (Redis counts those as each queued
   * command runs, in total_error_replies too). Only called for error and EXEC replies.
   */
  countErrors(row: number, reply: Buffer, start: number, end: number): void {
    this.totalErrors += countReplyErrors(this.errorCodes, reply, start, end < 0 ? reply.length : end, row === this.execRow);
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
    this.errorCodes.clear();
  }
}

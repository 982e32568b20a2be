// Per-command counters and latency histograms, recorded when a reply is handed to its client
// (so latency is what the client waits for the proxy, from the read of its command). Arrays
// indexed by command-table row id: recording is a few array writes, no allocation.

import { frameArgs } from '../protocol/resp';
import { redactArgs } from './slowlog-reply';

/** Latency histogram buckets: bucket b holds latencies in [2^(b-1), 2^b) microseconds. */
export const LATENCY_BUCKETS = 40;

export interface SlowEntry {
  id: number;
  /** unix seconds */
  time: number;
  micros: number;
  /** at most 32 arguments of at most 128 bytes each, as Redis keeps them; passwords redacted */
  readonly args: Buffer[];
  client: string;
  name: string;
}

/** Commands whose arguments may hold a password: decoded and redacted as they are stored. */
const SECRETS = new Set(['auth', 'hello', 'migrate', 'acl', 'config']);

/**
 * An entry keeps a copy of the request's bytes and decodes its arguments when SLOWLOG GET reads
 * them: under overload every request is slow, and decoding each as it is logged cost the proxy a
 * fifth of its time (split MSET at pipeline 16, bench --cpu-prof).
 */
class StoredEntry implements SlowEntry {
  private shown: Buffer[] | null = null;

  constructor(
    readonly id: number,
    readonly time: number,
    readonly micros: number,
    private frame: Buffer | null,
    readonly client: string,
    readonly name: string,
  ) {}

  get args(): Buffer[] {
    if (this.shown === null) {
      this.shown = shownArgs(this.frame!);
      this.frame = null;
    }
    return this.shown;
  }

  /** decodes (and redacts) now, so that no secret is kept in the copied bytes */
  seal(): this {
    void this.args;
    return this;
  }
}

/** A copy of a whole Buffer (Buffer.from(buffer) takes a slower generic path). */
function copyOf(frame: Buffer): Buffer {
  const copy = Buffer.allocUnsafe(frame.length);
  frame.copy(copy);
  return copy;
}

/** Redis keeps at most 32 arguments and 128 bytes of each. */
function shownArgs(frame: Buffer): Buffer[] {
  const all = redactArgs(frame[0] === 42 ? frameArgs(frame) : [frame]);
  const args = all.length > 32 ? [...all.slice(0, 31), Buffer.from(`... (${all.length - 31} more arguments)`)] : all;
  return args.map((a) => (a.length > 128 ? Buffer.concat([a.subarray(0, 128), Buffer.from(`... (${a.length - 128} more bytes)`)]) : Buffer.from(a)));
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

/**
 * SLOWLOG: the most recent requests slower than a threshold, newest first, bounded. Under
 * overload every request is slow, so adding is O(1): entries are appended oldest first and the
 * ones past the bound are dropped in bulk once they fill a second bound's worth (an unshift
 * moved the whole log on every add: 2% of the proxy at split MSET -P16).
 */
export class SlowLog {
  /** oldest first; only the last `maxLen` count */
  private log: SlowEntry[] = [];
  private nextId = 0;

  constructor(
    public thresholdMicros: number,
    public maxLen: number,
  ) {}

  get length(): number {
    return Math.min(this.log.length, this.maxLen);
  }

  /** The `count` newest entries, newest first. */
  newest(count: number): SlowEntry[] {
    const n = Math.min(count, this.length);
    const out: SlowEntry[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = this.log[this.log.length - 1 - i];
    return out;
  }

  /**
   * `frame` is the request as the client sent it (RESP or an inline line); `command` its table
   * name ("get", "config|set"). The bytes are copied: the client's buffer is reused.
   */
  add(micros: number, frame: Buffer, command: string, client: string, name: string): void {
    const at = command.indexOf('|');
    // a large request is decoded now rather than copied whole (only 32 x 128 bytes are kept)
    const eager = frame.length > 4096 || SECRETS.has(at < 0 ? command : command.slice(0, at));
    const entry = new StoredEntry(this.nextId++, Math.floor(Date.now() / 1000), Math.round(micros), eager ? frame : copyOf(frame), client, name);
    this.log.push(eager ? entry.seal() : entry);
    if (this.log.length >= 2 * this.maxLen + 64) this.trim();
  }

  /** Drops what is past the bound (also after the bound was lowered). */
  trim(): void {
    if (this.log.length > this.maxLen) this.log.splice(0, this.log.length - this.maxLen);
  }

  reset(): void {
    this.log = [];
  }
}

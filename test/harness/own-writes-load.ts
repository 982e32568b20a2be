// A self-checking load for reads from replicas: each worker writes keys of its own (a value that
// only grows, a counter) and reads them back three ways: in the same pipeline as the writes, in
// the next pipeline once the writes were answered, and again a few poll rounds later (when a
// replica may serve them). A read that returns a value older than the worker's last acknowledged
// write of that key is stale: read-your-writes says there are none, whatever the read policy.
// Workers write in different ways, as the proxy tracks each differently (see Style). Every error
// reply and every request left unanswered is recorded too.
import { encode, encodeInline, RawConn, type Reply, type ReplyOutcome } from './fault-conn';
import { keysAcrossSlots } from './fault-load';
import { sleep } from './wait';

/**
 * How a worker writes and reads: `resp`, SET / INCR / GET; `inline`, the same as inline commands
 * (the proxy learns their command only once it re-scans them); `split`, MSET and MGET across
 * slots (one request, a part per slot), counters by EVAL and by MULTI/INCR/EXEC (writes no
 * `write` flag announces).
 */
export type Style = 'resp' | 'inline' | 'split';

export interface OwnWritesOptions {
  port: number;
  /** keys are `{<prefix><worker>-...}`, one per slot range */
  prefix: string;
  workers?: number;
  /** worker w writes the way styles[w % styles.length] says */
  styles?: readonly Style[];
  keysPerWorker?: number;
  /** pause before the late reads (ms) */
  lateMs?: number;
  /** a pipeline not answered within this is a hang: recorded, and the worker stops */
  hangMs?: number;
  /**
   * `split` workers count half their keys with MULTI/INCR/EXEC (true), or all with EVAL (false:
   * a transaction a failover interrupts fails, by design, whatever the reads do)
   */
  transactions?: boolean;
}

export interface OwnWritesResult {
  batches: number;
  reads: number;
  /** reads older than the worker's own acknowledged write, described */
  stale: string[];
  /** error replies and requests without a reply, described */
  errors: string[];
}

/** One command of a pipeline and what its reply means. */
interface Step {
  frame: Buffer;
  what: string;
  then(o: ReplyOutcome): void;
}

const INCR_SCRIPT = "return redis.call('INCR', KEYS[1])";

export class OwnWritesLoad {
  private stopping = false;
  private loops: Promise<void>[] = [];
  private readonly conns = new Set<RawConn>();
  private readonly result: OwnWritesResult = { batches: 0, reads: 0, stale: [], errors: [] };
  private readonly opts: Required<OwnWritesOptions>;

  constructor(options: OwnWritesOptions) {
    this.opts = { workers: 4, styles: ['resp', 'inline', 'split'], keysPerWorker: 16, lateMs: 40, hangMs: 30_000, transactions: true, ...options };
  }

  start(): this {
    for (let w = 0; w < this.opts.workers; w++) this.loops.push(this.worker(w, this.opts.styles[w % this.opts.styles.length]));
    return this;
  }

  /** What was seen so far (the load keeps running). */
  get seen(): Readonly<OwnWritesResult> {
    return this.result;
  }

  async stop(): Promise<OwnWritesResult> {
    this.stopping = true;
    await Promise.all(this.loops);
    for (const c of this.conns) c.destroy();
    this.conns.clear();
    return this.result;
  }

  private async worker(w: number, style: Style): Promise<void> {
    const keys = keysAcrossSlots(`${this.opts.prefix}${w}-`, this.opts.keysPerWorker);
    /** per key: the last value acknowledged (SET or MSET), the last count acknowledged (INCR) */
    const acked = new Map<string, number>();
    const counted = new Map<string, number>();
    let conn: RawConn;
    try {
      conn = await RawConn.connect(this.opts.port);
    } catch (err) {
      this.result.errors.push(`worker ${w}: cannot connect: ${(err as Error).message}`);
      return;
    }
    this.conns.add(conn);
    const tag = `worker ${w} (${style})`;
    const frame = style === 'inline' ? encodeInline : encode;
    /** a read of each key's value and counter, each checked against the last acknowledged */
    const reads = (label: string): Step[] => {
      if (style === 'split') {
        return [
          this.readMany(tag, `${label}MGET of the values`, keys.map((k) => `${k}:v`), acked, keys),
          this.readMany(tag, `${label}MGET of the counters`, keys.map((k) => `${k}:n`), counted, keys),
        ];
      }
      return keys.flatMap((k) => [this.read(tag, `${label}GET ${k}:v`, frame(['GET', `${k}:v`]), () => acked.get(k)), this.read(tag, `${label}GET ${k}:n`, frame(['GET', `${k}:n`]), () => counted.get(k))]);
    };
    for (let b = 1; !this.stopping; b++) {
      // 1. writes, each followed by its read in the same pipeline
      const first: Step[] = [];
      if (style === 'split') {
        // scripts first: no write flagged `write` before them in the pipeline to hold its reads
        const inMulti = this.opts.transactions ? keys.filter((_, i) => i % 2 === 1) : [];
        const byScript = keys.filter((k) => !inMulti.includes(k));
        const count = (k: string, n: Reply | undefined): void => void counted.set(k, Number(n));
        for (const k of byScript) {
          first.push({ frame: encode(['EVAL', INCR_SCRIPT, '1', `${k}:n`]), what: `EVAL INCR ${k}:n`, then: (o) => o.ok && count(k, o.value) });
          first.push(this.read(tag, `GET ${k}:n behind its EVAL`, encode(['GET', `${k}:n`]), () => counted.get(k)));
        }
        for (const k of inMulti) {
          first.push({ frame: encode(['MULTI']), what: 'MULTI', then: () => {} }, { frame: encode(['INCR', `${k}:n`]), what: `INCR ${k}:n in MULTI`, then: () => {} });
          first.push({ frame: encode(['EXEC']), what: `EXEC of INCR ${k}:n`, then: (o) => o.ok && Array.isArray(o.value) && count(k, o.value[0]) });
          first.push(this.read(tag, `GET ${k}:n behind its EXEC`, encode(['GET', `${k}:n`]), () => counted.get(k)));
        }
        first.push({ frame: encode(['MSET', ...keys.flatMap((k) => [`${k}:v`, String(b)])]), what: 'MSET', then: (o) => o.ok && keys.forEach((k) => acked.set(k, b)) });
        first.push(reads('behind its MSET: ')[0]);
      } else {
        for (const k of keys) {
          first.push({ frame: frame(['SET', `${k}:v`, String(b)]), what: `SET ${k}:v`, then: (o) => o.ok && acked.set(k, b) });
          first.push(this.read(tag, `GET ${k}:v behind its SET`, frame(['GET', `${k}:v`]), () => acked.get(k)));
          first.push({ frame: frame(['INCR', `${k}:n`]), what: `INCR ${k}:n`, then: (o) => o.ok && counted.set(k, Number(o.value)) });
          first.push(this.read(tag, `GET ${k}:n behind its INCR`, frame(['GET', `${k}:n`]), () => counted.get(k)));
        }
      }
      if (!(await this.run(conn, first, tag))) return;
      // 2. reads once the writes were answered, 3. the same a few poll rounds later
      if (!(await this.run(conn, reads(''), tag))) return;
      await sleep(this.opts.lateMs);
      if (this.stopping) break;
      if (!(await this.run(conn, reads('late '), tag))) return;
      this.result.batches++;
    }
  }

  /**
   * One pipeline, its replies handed to its steps in order; false (and the worker stops) when it
   * hangs or the connection is gone.
   */
  private async run(conn: RawConn, steps: Step[], tag: string): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), this.opts.hangMs)));
    const got = await Promise.race([conn.sendFrames(steps.map((s) => s.frame)), hang]);
    clearTimeout(timer);
    if (got === null) {
      this.result.errors.push(`${tag}: ${conn.outstanding} of ${steps.length} requests unanswered after ${this.opts.hangMs} ms`);
      return false;
    }
    got.forEach((o, i) => {
      if (!o.ok) this.result.errors.push(`${tag}: ${steps[i].what}: ${o.error}`);
      steps[i].then(o);
    });
    if (conn.closed) {
      this.result.errors.push(`${tag}: the proxy closed the connection (${conn.closeReason})`);
      return false;
    }
    return true;
  }

  /** A read of a value that only grows, which must not be older than the last one acknowledged. */
  private read(tag: string, what: string, frame: Buffer, floor: () => number | undefined): Step {
    return { frame, what, then: (o) => o.ok && this.check(tag, what, o.value, floor()) };
  }

  /** An MGET of `names` (one per key of `keys`), each checked against `floors`. */
  private readMany(tag: string, what: string, names: string[], floors: Map<string, number>, keys: string[]): Step {
    return {
      frame: encode(['MGET', ...names]),
      what,
      then: (o) => {
        if (!o.ok) return;
        const values = o.value as Reply[];
        keys.forEach((k, i) => this.check(tag, `${what}: ${names[i]}`, values[i], floors.get(k)));
      },
    };
  }

  private check(tag: string, what: string, read: Reply | undefined, floor: number | undefined): void {
    this.result.reads++;
    const value = read === null ? 0 : Number(read);
    if (floor !== undefined && !(value >= floor)) this.result.stale.push(`${tag}: ${what} read ${JSON.stringify(read)}, older than its acknowledged ${floor}`);
  }
}

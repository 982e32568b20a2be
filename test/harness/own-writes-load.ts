// A self-checking load for reads from replicas: each worker writes keys of its own (SET with a
// value that only grows, INCR) and reads them back three ways: in the same pipeline as the
// writes, in the next pipeline once the writes were answered, and again a few poll rounds later
// (when a replica may serve them). A read that returns a value older than the worker's last
// acknowledged write of that key is stale: read-your-writes says there are none, whatever the
// read policy. Every error reply and every request left unanswered is recorded too.
import { RawConn, type ReplyOutcome } from './fault-conn';
import { keysAcrossSlots } from './fault-load';
import { sleep } from './wait';

export interface OwnWritesOptions {
  port: number;
  /** keys are `{<prefix><worker>-...}`, one per slot range */
  prefix: string;
  workers?: number;
  keysPerWorker?: number;
  /** pause before the late reads (ms) */
  lateMs?: number;
  /** a pipeline not answered within this is a hang: recorded, and the worker stops */
  hangMs?: number;
}

export interface OwnWritesResult {
  batches: number;
  reads: number;
  /** reads older than the worker's own acknowledged write, described */
  stale: string[];
  /** error replies and requests without a reply, described */
  errors: string[];
}

export class OwnWritesLoad {
  private stopping = false;
  private loops: Promise<void>[] = [];
  private readonly conns = new Set<RawConn>();
  private readonly result: OwnWritesResult = { batches: 0, reads: 0, stale: [], errors: [] };
  private readonly opts: Required<OwnWritesOptions>;

  constructor(options: OwnWritesOptions) {
    this.opts = { workers: 4, keysPerWorker: 16, lateMs: 40, hangMs: 30_000, ...options };
  }

  start(): this {
    for (let w = 0; w < this.opts.workers; w++) this.loops.push(this.worker(w));
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

  private async worker(w: number): Promise<void> {
    const keys = keysAcrossSlots(`${this.opts.prefix}${w}-`, this.opts.keysPerWorker);
    /** per key: the last value whose SET was acknowledged, and the INCR count acknowledged */
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
    for (let b = 1; !this.stopping; b++) {
      // 1. writes, each followed by its read in the same pipeline
      const first: string[][] = [];
      for (const k of keys) first.push(['SET', `${k}:v`, String(b)], ['GET', `${k}:v`], ['INCR', `${k}:n`], ['GET', `${k}:n`]);
      const got1 = await this.send(conn, first, w);
      if (!got1) return;
      for (let i = 0; i < keys.length; i++) {
        const [set, get, incr, getN] = got1.slice(i * 4, i * 4 + 4);
        const k = keys[i];
        if (set.ok) acked.set(k, b);
        if (incr.ok) counted.set(k, Number(incr.value));
        this.check(w, `GET ${k}:v behind its SET`, get, acked.get(k));
        this.check(w, `GET ${k}:n behind its INCR`, getN, counted.get(k));
      }
      // 2. reads once the writes were answered, 3. the same a few poll rounds later
      for (const late of [false, true]) {
        if (late) await sleep(this.opts.lateMs);
        if (this.stopping && late) break;
        const reads: string[][] = [];
        for (const k of keys) reads.push(['GET', `${k}:v`], ['GET', `${k}:n`]);
        const got = await this.send(conn, reads, w);
        if (!got) return;
        for (let i = 0; i < keys.length; i++) {
          this.check(w, `${late ? 'late ' : ''}GET ${keys[i]}:v`, got[i * 2], acked.get(keys[i]));
          this.check(w, `${late ? 'late ' : ''}GET ${keys[i]}:n`, got[i * 2 + 1], counted.get(keys[i]));
        }
      }
      this.result.batches++;
    }
  }

  /** One pipeline; null (and the worker stops) when it hangs or the connection is gone. */
  private async send(conn: RawConn, cmds: string[][], w: number): Promise<ReplyOutcome[] | null> {
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), this.opts.hangMs)));
    const got = await Promise.race([conn.send(cmds), hang]);
    clearTimeout(timer);
    if (got === null) {
      this.result.errors.push(`worker ${w}: ${conn.outstanding} of ${cmds.length} requests unanswered after ${this.opts.hangMs} ms`);
      return null;
    }
    got.forEach((o, i) => {
      if (!o.ok) this.result.errors.push(`worker ${w}: ${cmds[i].join(' ')}: ${o.error}`);
    });
    if (conn.closed) {
      this.result.errors.push(`worker ${w}: the proxy closed the connection (${conn.closeReason})`);
      return null;
    }
    return got;
  }

  /** A read of a value that only grows must not be older than the last one acknowledged. */
  private check(w: number, what: string, read: ReplyOutcome, floor: number | undefined): void {
    if (!read.ok) return;
    this.result.reads++;
    const value = read.value === null ? 0 : Number(read.value);
    if (floor !== undefined && !(value >= floor)) this.result.stale.push(`worker ${w}: ${what} read ${JSON.stringify(read.value)}, older than its acknowledged ${floor}`);
  }
}

// Bounded client load for fault tests. Several raw connections each send pipelined batches of
// RPUSH/INCR/SET/GET/ECHO over keys in every slot range, and every request's outcome (reply or
// error, when it was sent and answered) is recorded in order, so a test can check that each
// request got exactly one reply or error, in order, within a bound, and that no acknowledged
// write went missing.
import { performance } from 'node:perf_hooks';
import { slotOf } from '../../lib/protocol/crc16';
import { RawConn, type Reply } from './fault-conn';
import { sleep } from './wait';

export type Op = 'rpush' | 'incr' | 'set' | 'get' | 'echo';

export interface RequestRecord {
  worker: number;
  batch: number;
  op: Op;
  /** the base key (one hash tag) the request is about */
  base: string;
  slot: number;
  value: string;
  sentAt: number;
  doneAt: number;
  ok: boolean;
  reply?: Reply;
  error?: string;
}

export interface FaultLoadOptions {
  port: number;
  /** base keys, each with its own hash tag: `${base}:list`, `${base}:ctr`, `${base}:w<worker>` */
  keys: string[];
  workers?: number;
  /** pause between a worker's batches */
  pauseMs?: number;
  /** a batch not fully answered within this is a hang: the worker records it and stops */
  hangMs?: number;
  ops?: Op[];
  /** worker numbers start here (two loads on one proxy keep their RPUSH values apart) */
  firstWorker?: number;
}

/** Base keys `{<prefix><n>}` whose slots fall in `count` equal ranges covering 0..16383. */
export function keysAcrossSlots(prefix: string, count = 16): string[] {
  const width = Math.ceil(16384 / count);
  const out: string[] = [];
  for (let r = 0; r < count; r++) {
    for (let i = 0; ; i++) {
      const key = `{${prefix}${r}-${i}}`;
      const s = slotOf(key);
      if (s >= r * width && s < (r + 1) * width) {
        out.push(key);
        break;
      }
    }
  }
  return out;
}

export interface PhaseSummary {
  phase: string;
  ok: number;
  errors: number;
  maxLatencyMs: number;
  sampleErrors: string[];
}

export class FaultLoad {
  readonly records: RequestRecord[] = [];
  readonly violations: string[] = [];
  readonly phases: { name: string; at: number }[] = [];
  private stopping = false;
  private loops: Promise<void>[] = [];
  private conns = new Set<RawConn>();
  private readonly opts: Required<FaultLoadOptions>;

  constructor(options: FaultLoadOptions) {
    this.opts = { workers: 4, pauseMs: 2, hangMs: 30_000, ops: ['rpush', 'incr', 'set', 'get', 'echo'], firstWorker: 0, ...options };
  }

  start(phase = 'before'): this {
    this.mark(phase);
    for (let w = 0; w < this.opts.workers; w++) this.loops.push(this.worker(this.opts.firstWorker + w));
    return this;
  }

  /** Starts a new phase: requests sent from now on are counted under `name`. */
  mark(name: string): number {
    const at = performance.now();
    this.phases.push({ name, at });
    return at;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
    for (const c of this.conns) c.destroy();
    this.conns.clear();
  }

  /** Drops the records (so a memory comparison does not count the test's own bookkeeping). */
  release(): void {
    this.records.length = 0;
  }

  get okCount(): number {
    return this.records.filter((r) => r.ok).length;
  }

  errors(filter: (r: RequestRecord) => boolean = () => true): RequestRecord[] {
    return this.records.filter((r) => !r.ok && filter(r));
  }

  /**
   * When requests matching `filter` last failed after `after`; the first success after that.
   * ECHO (answered by the proxy itself) says nothing about a node and is left out.
   */
  recoveredAt(filter: (r: RequestRecord) => boolean, after: number): number | null {
    let lastError = after;
    for (const r of this.records) if (!r.ok && r.op !== 'echo' && filter(r) && r.doneAt > lastError) lastError = r.doneAt;
    let first: number | null = null;
    for (const r of this.records) {
      if (r.ok && r.op !== 'echo' && filter(r) && r.sentAt >= lastError && (first === null || r.doneAt < first)) first = r.doneAt;
    }
    return first;
  }

  /** Some keyed request matching `filter` sent after `after` succeeded (ECHO left out). */
  succeededSince(filter: (r: RequestRecord) => boolean, after: number): boolean {
    for (let i = this.records.length - 1; i >= 0; i--) {
      const r = this.records[i];
      if (r.sentAt < after) return false;
      if (r.ok && r.op !== 'echo' && filter(r)) return true;
    }
    return false;
  }

  maxLatency(filter: (r: RequestRecord) => boolean = () => true): number {
    let max = 0;
    for (const r of this.records) if (filter(r)) max = Math.max(max, r.doneAt - r.sentAt);
    return max;
  }

  summary(): PhaseSummary[] {
    const out: PhaseSummary[] = this.phases.map((p) => ({ phase: p.name, ok: 0, errors: 0, maxLatencyMs: 0, sampleErrors: [] }));
    for (const r of this.records) {
      let i = this.phases.length - 1;
      while (i > 0 && this.phases[i].at > r.sentAt) i--;
      const s = out[i];
      if (r.ok) s.ok++;
      else {
        s.errors++;
        if (s.sampleErrors.length < 3 && !s.sampleErrors.some((e) => e === r.error)) s.sampleErrors.push(r.error!);
      }
      s.maxLatencyMs = Math.max(s.maxLatencyMs, Math.round(r.doneAt - r.sentAt));
    }
    return out;
  }

  /** Prints the per-phase counts (they go into the issue note). */
  print(title: string): void {
    console.log(`      [${title}] ${this.records.length} requests, ${this.okCount} ok, ${this.records.length - this.okCount} errors`);
    for (const s of this.summary()) {
      const sample = s.sampleErrors.length ? `; e.g. ${s.sampleErrors.map((e) => JSON.stringify(e.slice(0, 140))).join(', ')}` : '';
      console.log(`        phase ${s.phase}: ${s.ok} ok, ${s.errors} errors, max latency ${s.maxLatencyMs} ms${sample}`);
    }
  }

  private async worker(w: number): Promise<void> {
    let conn: RawConn | null = null;
    for (let b = 0; !this.stopping; b++) {
      if (!conn || conn.closed) {
        if (conn) this.conns.delete(conn);
        try {
          conn = await RawConn.connect(this.opts.port);
        } catch (err) {
          this.violations.push(`worker ${w}: cannot connect to the proxy: ${(err as Error).message}`);
          await sleep(200);
          continue;
        }
        this.conns.add(conn);
      }
      const plan: { op: Op; base: string; value: string; args: string[] }[] = [];
      for (let k = 0; k < this.opts.keys.length; k++) {
        const base = this.opts.keys[k];
        const value = `w${w}-b${b}-k${k}`;
        for (const op of this.opts.ops) {
          if (op === 'rpush') plan.push({ op, base, value, args: ['RPUSH', `${base}:list`, value] });
          else if (op === 'incr') plan.push({ op, base, value, args: ['INCR', `${base}:ctr`] });
          else if (op === 'set') plan.push({ op, base, value, args: ['SET', `${base}:w${w}`, value] });
          else if (op === 'get') plan.push({ op, base, value, args: ['GET', `${base}:w${w}`] });
          else plan.push({ op, base, value, args: ['ECHO', `echo-${value}`] });
        }
      }
      const sentAt = performance.now();
      let hangTimer: NodeJS.Timeout | undefined;
      const c = conn;
      const hang = new Promise<'hang'>((resolve) => (hangTimer = setTimeout(() => resolve('hang'), this.opts.hangMs)));
      const got = await Promise.race([c.send(plan.map((p) => p.args)), hang]);
      clearTimeout(hangTimer);
      if (got === 'hang') {
        this.violations.push(`worker ${w}: batch ${b} had ${c.outstanding} of ${plan.length} requests unanswered after ${this.opts.hangMs} ms`);
        c.destroy();
        return;
      }
      let setOk = false;
      got.forEach((o, i) => {
        const p = plan[i];
        const rec: RequestRecord = { worker: w, batch: b, op: p.op, base: p.base, slot: slotOf(p.base), value: p.value, sentAt, doneAt: o.at, ok: o.ok };
        if (o.ok) rec.reply = o.value;
        else rec.error = o.error;
        this.records.push(rec);
        if (o.noReply) this.violations.push(`worker ${w}: ${p.args.join(' ')}: ${o.error}`);
        if (!o.ok) {
          if (p.op === 'set') setOk = false;
          return;
        }
        const v = o.value;
        const bad = (what: string): void => {
          this.violations.push(`worker ${w} batch ${b}: ${p.args.join(' ')} answered ${JSON.stringify(v)} (${what})`);
        };
        if (p.op === 'echo' && v !== `echo-${p.value}`) bad('out of order');
        if ((p.op === 'rpush' || p.op === 'incr') && typeof v !== 'number') bad('expected an integer');
        if (p.op === 'set') {
          setOk = v === 'OK';
          if (!setOk) bad('expected OK');
        }
        if (p.op === 'get' && setOk && v !== p.value) bad(`expected ${p.value}`);
      });
      if (c.extraReplies) this.violations.push(`worker ${w}: ${c.extraReplies} replies nobody asked for`);
      if (this.opts.pauseMs > 0) await sleep(this.opts.pauseMs);
    }
  }
}

export interface WriteCheck {
  violations: string[];
  /** acknowledged RPUSHes missing on keys where loss was allowed */
  lostAllowed: number;
  checkedKeys: number;
}

/**
 * Reads every list and counter through the proxy and compares with what the load saw: every
 * acknowledged RPUSH present (unless `lossAllowed(base)`), none twice (a write resent), each
 * worker's pushes in its order; counters between the acknowledged INCRs and those plus the
 * failed ones (which may have run). Reads are retried for a while (the cluster may still settle).
 */
export async function checkWrites(port: number, load: FaultLoad, lossAllowed: (base: string) => boolean = () => false): Promise<WriteCheck> {
  const out: WriteCheck = { violations: [], lostAllowed: 0, checkedKeys: 0 };
  const conn = await RawConn.connect(port);
  try {
    for (const base of new Set(load.records.map((r) => r.base))) {
      const mine = load.records.filter((r) => r.base === base);
      const pushes = mine.filter((r) => r.op === 'rpush');
      const incrs = mine.filter((r) => r.op === 'incr');
      const list = (await readWithRetry(conn, ['LRANGE', `${base}:list`, '0', '-1'])) as string[];
      const ctr = Number((await readWithRetry(conn, ['GET', `${base}:ctr`])) ?? 0);
      out.checkedKeys++;
      const stored = new Set(list);
      if (stored.size !== list.length) out.violations.push(`${base}:list holds a value twice: a write was sent twice`);
      const acked = pushes.filter((r) => r.ok).map((r) => r.value);
      const sent = new Set(pushes.map((r) => r.value));
      const missing = acked.filter((v) => !stored.has(v));
      if (missing.length && lossAllowed(base)) out.lostAllowed += missing.length;
      else if (missing.length) out.violations.push(`${base}:list misses ${missing.length} acknowledged RPUSHes, e.g. ${missing.slice(0, 3).join(' ')}`);
      const alien = list.filter((v) => !sent.has(v));
      if (alien.length) out.violations.push(`${base}:list holds values never sent: ${alien.slice(0, 3).join(' ')}`);
      for (const w of new Set(pushes.map((r) => r.worker))) {
        const order = list.filter((v) => v.startsWith(`w${w}-`));
        const sentOrder = pushes.filter((r) => r.worker === w).map((r) => r.value).filter((v) => stored.has(v));
        if (order.join() !== sentOrder.join()) out.violations.push(`${base}:list: worker ${w}'s pushes are out of order`);
      }
      const ackedIncr = incrs.filter((r) => r.ok).length;
      const failedIncr = incrs.length - ackedIncr;
      if (!lossAllowed(base) && (ctr < ackedIncr || ctr > ackedIncr + failedIncr)) {
        out.violations.push(`${base}:ctr is ${ctr}, expected ${ackedIncr} acknowledged INCRs${failedIncr ? ` plus up to ${failedIncr} that failed` : ''}`);
      }
    }
  } finally {
    conn.destroy();
  }
  return out;
}

async function readWithRetry(conn: RawConn, args: string[], limitMs = 15_000): Promise<Reply | undefined> {
  const end = performance.now() + limitMs;
  for (;;) {
    const o = await conn.call(...args);
    if (o.ok) return o.value;
    if (performance.now() > end || o.noReply) throw new Error(`${args.join(' ')} through the proxy: ${o.error}`);
    await sleep(100);
  }
}

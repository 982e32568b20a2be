// Shared helpers of the protocol unit tests: a seeded PRNG, both scanner kinds with the Redis 7.0
// command table registered, RESP encoders, and record collection through the readers.
import { CommandTable, mergeCommandInfos } from '../../../lib/commands/table';
import type { ScannerRow } from '../../../lib/commands/key-spec';
import { RequestReader } from '../../../lib/protocol/request-reader';
import { createJsScanners, createScanners, type Scanners } from '../../../lib/protocol/scanners';
import { KEY_TRIPLE, REQ_HEADER, REQ_RECORD, R_ARGC, R_CMD, R_END, R_FLAGS, R_KEYIDX, R_NKEYS, R_SLOT, R_START } from '../../../lib/protocol/records';

export type Kind = 'native' | 'js';
export const KINDS: readonly Kind[] = ['native', 'js'];

/** xorshift32: tiny, seedable, good enough to generate test input. */
export class Rng {
  private s: number;
  constructor(readonly seed: number) {
    this.s = (seed >>> 0) || 0x9e3779b9;
    for (let i = 0; i < 8; i++) this.next();
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  /** integer in [0, n) */
  int(n: number): number {
    return Math.floor((this.next() / 0x100000000) * n);
  }
  /** integer in [lo, hi] */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.next() / 0x100000000 < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  bytes(n: number, alphabet?: Uint8Array): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = alphabet ? alphabet[this.int(alphabet.length)] : this.int(256);
    return b;
  }
}

/** Base seed of the randomised tests: SLOTPROXY_TEST_SEED overrides the fixed default. */
export function baseSeed(fallback: number): number {
  const env = process.env.SLOTPROXY_TEST_SEED;
  return env ? Number(env) >>> 0 : fallback;
}

/** Splits buf into chunks of random sizes in [min, max]. */
export function randomSplit(rng: Rng, buf: Buffer, min: number, max: number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < buf.length; ) {
    const n = Math.min(buf.length - at, rng.range(min, max));
    out.push(buf.subarray(at, at + n));
    at += n;
  }
  return out;
}

export const COMMAND_TABLE = new CommandTable(mergeCommandInfos(null));

export function commandId(name: string): number {
  const row = COMMAND_TABLE.get(name);
  if (!row) throw new Error(`no command ${name} in the table`);
  return row.id;
}

const cache = new Map<Kind, Scanners>();

/**
 * The scanners of a kind with the standard table registered. They are shared by the tests, so
 * the table is registered again on every call: a test that registered other rows cannot leak them.
 */
export function scannersFor(kind: Kind, rows: readonly ScannerRow[] = COMMAND_TABLE.scannerRows()): Scanners {
  let s = cache.get(kind);
  if (!s) {
    s = kind === 'native' ? createScanners('native') : createJsScanners('unit test');
    cache.set(kind, s);
  }
  s.registerCommands(rows);
  return s;
}

/** The standard rows with wantKeys set where `want(row)` says so. */
export function rowsWantingKeys(want: (row: ScannerRow) => boolean): ScannerRow[] {
  return COMMAND_TABLE.scannerRows().map((r) => ({ ...r, wantKeys: want(r) }));
}

/** A multibulk command. */
export function cmd(...args: (string | Buffer)[]): Buffer {
  return encodeCommand(args);
}

/** A multibulk command (no spread: fine for hundreds of thousands of arguments). */
export function encodeCommand(args: readonly (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a, 'latin1') : a;
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

export const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');

export interface Rec {
  start: number;
  end: number;
  cmd: number;
  argc: number;
  slot: number;
  nkeys: number;
  flags: number;
  keyidx: number;
}

export function readRecord(records: Int32Array, i: number): Rec {
  const r = REQ_HEADER + i * REQ_RECORD;
  return {
    start: records[r + R_START],
    end: records[r + R_END],
    cmd: records[r + R_CMD],
    argc: records[r + R_ARGC],
    slot: records[r + R_SLOT],
    nkeys: records[r + R_NKEYS],
    flags: records[r + R_FLAGS],
    keyidx: records[r + R_KEYIDX],
  };
}

export interface ScanResult {
  header: { count: number; consumed: number; need: number; keys: number };
  records: Rec[];
}

/** One scan() of a fresh scanner over the whole of buf. */
export function scanOnce(s: Scanners, buf: Buffer, authRequired = false): ScanResult {
  const sc = s.newRequestScanner();
  const n = sc.scan(buf, 0, buf.length, authRequired);
  const h = s.requestRecords;
  const records: Rec[] = [];
  for (let i = 0; i < n; i++) records.push(readRecord(h, i));
  return { header: { count: h[0], consumed: h[1], need: h[2], keys: h[3] }, records };
}

/** A record as content: frame bytes instead of offsets, keys as bytes instead of triple indexes. */
export interface ContentRec {
  frame: string; // latin1 bytes of the frame; for a protocol error, from the error to the read's end
  cmd: number;
  argc: number;
  slot: number;
  nkeys: number;
  flags: number;
  keyidx: 'none' | 'did-not-fit' | 'keys';
  keys: string[] | null; // "<latin1 key bytes>@<slot>"
}

/**
 * Feeds chunks through a RequestReader and returns every record delivered, as content. Every
 * other chunk is given as a range of a larger buffer, with other bytes before and after it, as
 * the proxy gives the reads of its slabs (the records must be the same).
 */
export function collectRequests(s: Scanners, chunks: readonly Buffer[], authRequired = false): ContentRec[] {
  const out: ContentRec[] = [];
  const reader = new RequestReader(s.newRequestScanner(), s);
  const sink = {
    onRequests(buf: Buffer, count: number): boolean {
      for (let i = 0; i < count; i++) {
        const r = readRecord(s.requestRecords, i);
        let keys: string[] | null = null;
        if (r.keyidx >= 0) {
          keys = [];
          for (let k = 0; k < r.nkeys; k++) {
            const t = (r.keyidx + k) * KEY_TRIPLE;
            const [ks, kl, slot] = [s.requestKeys[t], s.requestKeys[t + 1], s.requestKeys[t + 2]];
            if (ks < r.start || ks + kl > r.end) throw new Error(`key triple [${ks}, +${kl}] outside its frame [${r.start}, ${r.end})`);
            keys.push(`${buf.toString('latin1', ks, ks + kl)}@${slot}`);
          }
        }
        out.push({
          frame: buf.toString('latin1', r.start, r.end),
          cmd: r.cmd,
          argc: r.argc,
          slot: r.slot,
          nkeys: r.nkeys,
          flags: r.flags,
          keyidx: r.keyidx === -1 ? 'none' : r.keyidx === -2 ? 'did-not-fit' : 'keys',
          keys,
        });
      }
      return true;
    },
  };
  chunks.forEach((c, i) => {
    if (i % 2 === 0) {
      reader.push(c, { ...sink, authRequired });
    } else {
      const pad = 1 + (i % 7);
      const around = Buffer.concat([Buffer.from('*9\r\n$1\r\n'.slice(0, pad)), c, Buffer.from('\r\n$-1')]);
      reader.push(around, { ...sink, authRequired }, null, pad, pad + c.length);
    }
  });
  return out;
}

/** Shortens long strings in a value for assertion messages. */
export function abbreviate(v: unknown, max = 160): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    typeof x === 'string' && x.length > max ? `${x.slice(0, max)}...(${x.length} chars)` : x,
  );
}

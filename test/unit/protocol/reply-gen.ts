// Random RESP2 and RESP3 reply streams with what a reply scanner must report for each frame, and
// the collection of what a ReplyReader actually reports.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Slab } from '../../../lib/io/slabs';
import { ReplyReader } from '../../../lib/protocol/reply-reader';
import type { Scanners } from '../../../lib/protocol/scanners';
import { Rng, bytes } from './helpers';

export const REDIRECT_NONE = 0;
export const REDIRECT_MOVED = 1;
export const REDIRECT_ASK = 2;
export const REDIRECT_TRYAGAIN = 3;
export const REDIRECT_CLUSTERDOWN = 4;

/** What a scanner reports for one frame: its bytes, type, redirect, top-level element ends. */
export interface Frame {
  frame: string; // latin1
  type: string; // the reply's type byte: '+', '-', ':', '$', '*', RESP3's '%', '~', '>', '_', '#', ',', '(', '!', '='
  redirect: number;
  elems: number[] | 'none' | 'did-not-fit'; // offsets in the frame where top-level elements end
  attrib: number; // bytes of attributes ('|') the frame starts with, before the reply
}

export const ERRORS: [string, number][] = [
  ['MOVED 3999 127.0.0.1:6381', REDIRECT_MOVED],
  ['ASK 1 h:1', REDIRECT_ASK],
  ['TRYAGAIN Multiple keys request during rehashing of slot', REDIRECT_TRYAGAIN],
  ['CLUSTERDOWN The cluster is down', REDIRECT_CLUSTERDOWN],
  ['CLUSTERDOWN', REDIRECT_CLUSTERDOWN],
  ['ERR x', REDIRECT_NONE],
  ['MOVED', REDIRECT_NONE], // "MOVED " with its space is the redirect
  ['MOVEDX 1 h:1', REDIRECT_NONE],
  ['ASKING', REDIRECT_NONE],
  ['moved 1 h:1', REDIRECT_NONE],
  ['WRONGTYPE Operation against a key holding the wrong kind of value', REDIRECT_NONE],
  ['', REDIRECT_NONE],
];

export interface GenOptions {
  maxDepth: number; // deepest array nesting (1 = flat arrays)
  bigChance: number; // chance that a bulk string is 100 KB
  int64?: boolean; // also integers of 19 digits (see reply-scanner.test.ts)
  resp3?: boolean; // also every RESP3 type, and attributes before any value
}

const INTEGERS = ['0', '-5', '42', '123456789012', '-999999999999999999', '999999999999999999'];
const INTEGERS_INT64 = [...INTEGERS, '9223372036854775807', '-9223372036854775808', '1000000000000000000'];
// As Redis writes them ("%.17g", inf, libc's NaN), and the longer forms RESP3 allows.
export const DOUBLES = ['1.5', '-0', '10', '3.1415926535897931', '1.0000000000000001e-05', '1e+300', '-2.5E-3', 'inf', '-inf', 'nan', '-nan', 'NaN', 'INF',
  '0.' + '1'.repeat(40), '-1234567890123456789012345678901234567890.5e-12'];
export const BIG_NUMBERS = ['3492890328409238509324850943850943825024385', '1234567999999999999999999999999999999', '-1', '0', '9'.repeat(100)];
// A blob error may hold any bytes: some have this after the text of an ERRORS row.
const BLOB_ERROR_TAIL = '\r\n\x00 details';

/** The redirect the ERRORS row of an error reply ('-' line or '!' blob) says. */
function redirectOf(error: Buffer): number {
  let text = error.toString('latin1', 1, error.length - 2);
  if (error[0] === 33 /* ! */) {
    text = text.slice(text.indexOf('\n') + 1);
    if (text.endsWith(BLOB_ERROR_TAIL)) text = text.slice(0, -BLOB_ERROR_TAIL.length);
  }
  const e = ERRORS.find(([t]) => t === text);
  if (!e) throw new Error(`generator: unknown error ${text}`);
  return e[1];
}

/** A length-prefixed value: '$', '!' or '='. */
const blob = (type: string, payload: Buffer): Buffer => Buffer.concat([bytes(`${type}${payload.length}\r\n`), payload, bytes('\r\n')]);

function errorReply(rng: Rng, opts: GenOptions): Buffer {
  const text = rng.pick(ERRORS)[0];
  if (!opts.resp3 || rng.chance(0.5)) return bytes(`-${text}\r\n`);
  return blob('!', bytes(rng.chance(0.5) ? text : text + BLOB_ERROR_TAIL));
}

/** Text for a simple string or error: no "\r\n" inside, though lone '\r' or '\n' may appear. */
function lineText(rng: Rng): string {
  const n = rng.int(30);
  let s = '';
  for (let i = 0; i < n; i++) {
    const r = rng.int(100);
    s += r === 0 ? '\n' : r === 1 ? '\r' : String.fromCharCode(rng.range(0x20, 0x7e));
  }
  return s.replace(/\r(?=\n)|\r$/g, '.');
}

function bulk(rng: Rng, opts: GenOptions): Buffer {
  let payload: Buffer;
  if (rng.chance(opts.bigChance)) payload = rng.bytes(100 * 1024);
  else if (rng.chance(0.2)) payload = Buffer.alloc(0);
  else if (rng.chance(0.3)) payload = rng.bytes(rng.int(40), bytes('\r\n\x00$*:+-ab'));
  else payload = rng.bytes(rng.int(200));
  return Buffer.concat([bytes(`$${payload.length}\r\n`), payload, bytes('\r\n')]);
}

/** A RESP3 value that is no aggregate. */
function resp3Scalar(rng: Rng): Buffer {
  switch (rng.int(7)) {
    case 0:
      return bytes('_\r\n');
    case 1:
      return bytes(rng.chance(0.5) ? '#t\r\n' : '#f\r\n');
    case 2:
    case 3:
      return bytes(`,${rng.pick(DOUBLES)}\r\n`);
    case 4:
      return bytes(`(${rng.pick(BIG_NUMBERS)}\r\n`);
    default: {
      const text = rng.chance(0.5) ? rng.bytes(rng.int(60), bytes('\r\nab: ')) : rng.bytes(rng.int(100));
      return blob('=', Buffer.concat([bytes(rng.chance(0.5) ? 'txt:' : 'mkd:'), text]));
    }
  }
}

/** An attribute of 0 to 2 pairs, to put before a value. */
function attribute(rng: Rng, depth: number, opts: GenOptions): Buffer {
  const n = rng.int(3);
  const parts = [bytes(`|${n}\r\n`)];
  for (let i = 0; i < 2 * n; i++) parts.push(value(rng, Math.min(depth, 1), opts));
  return Buffer.concat(parts);
}

/** One value, RESP3 ones sometimes after an attribute; aggregates nest at most `depth` more levels. */
function value(rng: Rng, depth: number, opts: GenOptions): Buffer {
  if (opts.resp3 && rng.chance(0.1)) return Buffer.concat([attribute(rng, depth - 1, opts), plain(rng, depth, opts)]);
  return plain(rng, depth, opts);
}

/** One value without an attribute of its own. */
function plain(rng: Rng, depth: number, opts: GenOptions): Buffer {
  if (opts.resp3 && rng.chance(0.3)) return resp3Scalar(rng);
  const r = rng.int(depth > 0 ? 10 : 8);
  switch (r) {
    case 0:
      return bytes(`+${rng.chance(0.5) ? 'OK' : lineText(rng)}\r\n`);
    case 1:
      return errorReply(rng, opts);
    case 2:
      return bytes(`:${rng.pick(opts.int64 ? INTEGERS_INT64 : INTEGERS)}\r\n`);
    case 3:
      return bytes('$-1\r\n');
    case 4:
      if (opts.resp3 && rng.chance(0.5)) return bytes(`${rng.pick(['%', '~', '>'])}0\r\n`);
      return bytes(rng.chance(0.5) ? '*-1\r\n' : '*0\r\n');
    case 5:
    case 6:
    case 7:
      return bulk(rng, opts);
    default:
      return aggregate(rng, depth, opts, false).bytes;
  }
}

/**
 * An array (or in RESP3 a map, set or push) of depth at most `depth`; `spine` forces one element
 * to nest all the way down. `ends`: where each element ends (a map's keys and values each).
 */
function aggregate(rng: Rng, depth: number, opts: GenOptions, spine: boolean): { bytes: Buffer; ends: number[]; type: string } {
  const type = opts.resp3 ? rng.pick(['*', '*', '%', '~', '>']) : '*';
  const pairs = spine ? rng.range(1, 3) : rng.range(1, 5);
  const n = type === '%' ? 2 * pairs : pairs;
  const deepAt = spine && depth > 1 ? rng.int(n) : -1;
  const head = bytes(`${type}${pairs}\r\n`);
  const parts: Buffer[] = [head];
  const ends: number[] = [];
  let at = head.length;
  for (let i = 0; i < n; i++) {
    const v = i === deepAt ? aggregate(rng, depth - 1, opts, true).bytes : value(rng, depth - 1, opts);
    parts.push(v);
    at += v.length;
    ends.push(at);
  }
  return { bytes: Buffer.concat(parts), ends, type };
}

const AGGREGATES = '*%~>';

/** One top-level reply and what a scanner must report for it. */
export function genReply(rng: Rng, opts: GenOptions): { bytes: Buffer; expect: Frame } {
  // RESP3: attributes before the reply belong to its frame; its elements end where they did
  const attrib = opts.resp3 && rng.chance(0.15) ? Buffer.concat(Array.from({ length: rng.range(1, 2) }, () => attribute(rng, 2, opts))) : Buffer.alloc(0);
  const framed = (b: Buffer, type: string, redirect: number, elems: Frame['elems']): { bytes: Buffer; expect: Frame } => {
    const all = Buffer.concat([attrib, b]);
    const shifted = Array.isArray(elems) ? elems.map((e) => e + attrib.length) : elems;
    return { bytes: all, expect: { frame: all.toString('latin1'), type, redirect, elems: shifted, attrib: attrib.length } };
  };
  const r = rng.int(10);
  if (r < 3) {
    const depth = rng.chance(0.5) ? rng.range(1, opts.maxDepth) : rng.range(1, 3);
    const a = aggregate(rng, depth, opts, rng.chance(0.6));
    return framed(a.bytes, a.type, 0, a.ends);
  }
  if (r < 5) {
    const b = errorReply(rng, opts);
    return framed(b, String.fromCharCode(b[0]), redirectOf(b), 'none');
  }
  const b = plain(rng, 0, opts);
  const type = String.fromCharCode(b[0]);
  const elems = AGGREGATES.includes(type) ? [] : 'none'; // "*0", "*-1", "%0" ... are aggregates without elements
  return framed(b, type, type === '-' || type === '!' ? redirectOf(b) : 0, elems);
}

export function genStream(rng: Rng, count: number, opts: GenOptions): { stream: Buffer; expect: Frame[] } {
  const parts: Buffer[] = [];
  const expect: Frame[] = [];
  for (let i = 0; i < count; i++) {
    const g = genReply(rng, opts);
    parts.push(g.bytes);
    expect.push(g.expect);
  }
  return { stream: Buffer.concat(parts), expect };
}

/** Chunk sizes from 1 byte to 70 KB, in runs of a random scale. */
export function replyChunks(rng: Rng, buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < buf.length; ) {
    const scale = rng.pick([1, 16, 300, 5000, 70 * 1024]);
    const n = Math.min(buf.length - at, rng.range(1, scale));
    out.push(buf.subarray(at, at + n));
    at += n;
  }
  return out;
}

export interface Collected {
  frames: Frame[];
  protocolErrors: number;
}

/** Feeds the chunks through a fresh ReplyReader of `s`. */
/**
 * The frames a ReplyReader reports for `chunks`, read one after the other. `inSlabs`: each chunk
 * is first put into a slab after stray bytes, as the read poller reads (lib/io/read-poller.ts),
 * and handed on as a range of it (the native scanner then reads it by the slab's id).
 */
export function collectReplies(s: Scanners, chunks: readonly Buffer[], inSlabs = false): Collected {
  const got: Collected = { frames: [], protocolErrors: 0 };
  const reader = new ReplyReader(s.newReplyScanner(), s);
  const sink = {
    onReply(buf: Buffer, start: number, end: number, type: number, redirect: number, elems: number, elemBase: number, _slab: unknown, attrib: number): void {
      const frame = buf.subarray(start, end);
      let e: Frame['elems'] = elems === -1 ? 'none' : 'did-not-fit';
      if (elems >= 0) {
        const n = s.replyElems[elems];
        e = [];
        for (let i = 0; i < n; i++) e.push(s.replyElems[elems + 1 + i] - elemBase);
      }
      got.frames.push({ frame: frame.toString('latin1'), type: String.fromCharCode(type), redirect, elems: e, attrib });
    },
    onProtocolError(): void {
      got.protocolErrors++;
    },
  };
  if (!inSlabs) {
    for (const c of chunks) reader.push(c, sink);
    return got;
  }
  let slab = new Slab(Buffer.alloc(64 * 1024, '$'));
  for (const c of chunks) {
    const gap = c.length % 7;
    if (slab.used + gap + c.length > slab.buf.length) slab = new Slab(Buffer.alloc(Math.max(64 * 1024, gap + c.length), '$'));
    const from = slab.used + gap;
    c.copy(slab.buf, from);
    slab.used = from + c.length;
    reader.push(slab.buf, sink, slab, from, slab.used);
  }
  return got;
}

/** `depth` nested one-element arrays around `leaf`. */
export function nested(depth: number, leaf = ':1\r\n'): string {
  return '*1\r\n'.repeat(depth) + leaf;
}

/**
 * Runs `code` in a child node process with the native scanners loaded, so that a crash in the
 * addon fails one test instead of killing the whole mocha run.
 */
export function inChild(code: string): { ok: boolean; output: string } {
  const root = path.resolve(__dirname, '..', '..', '..');
  const prelude =
    `const { createScanners } = require(${JSON.stringify(path.join(root, 'lib/protocol/scanners'))});` +
    `const { ReplyReader } = require(${JSON.stringify(path.join(root, 'lib/protocol/reply-reader'))});` +
    `const s = createScanners('native');`;
  const r = spawnSync(process.execPath, ['-e', prelude + code], { encoding: 'utf8', timeout: 60000 });
  const output = `status ${r.status}, signal ${r.signal}; stdout: ${r.stdout.slice(0, 2000)}; stderr: ${r.stderr.slice(0, 2000)}`;
  return { ok: r.status === 0 && r.signal === null, output };
}

let nativeSurvivesDeep: boolean | null = null;

/** Whether the native scanner can be fed replies deeper than hiredis 0.14 read (7 levels) in this process. */
export function nativeDeepSafe(): boolean {
  if (nativeSurvivesDeep === null) {
    const r = inChild(
      `const rr = new ReplyReader(s.newReplyScanner(), s); let n = 0;` +
        `const big = '*2\\r\\n$2000\\r\\n' + 'x'.repeat(2000) + '\\r\\n' + '*1\\r\\n'.repeat(12) + ':1\\r\\n';` +
        `for (const c of [${JSON.stringify(nested(12))}, big.slice(0, 1500), big.slice(1500), big]) ` +
        `rr.push(Buffer.from(c), { onReply() { n++; }, onProtocolError() { throw new Error('protocol error'); } });` +
        `if (n !== 3) throw new Error('replies: ' + n);`,
    );
    nativeSurvivesDeep = r.ok;
  }
  return nativeSurvivesDeep;
}


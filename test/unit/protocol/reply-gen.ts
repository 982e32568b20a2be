// Random RESP2 reply streams with what a reply scanner must report for each frame, and the
// collection of what a ReplyReader actually reports.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
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
  type: string; // '+', '-', ':', '$', '*'
  redirect: number;
  elems: number[] | 'none' | 'did-not-fit'; // offsets in the frame where top-level elements end
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
}

const INTEGERS = ['0', '-5', '42', '123456789012', '-999999999999999999', '999999999999999999'];
const INTEGERS_INT64 = [...INTEGERS, '9223372036854775807', '-9223372036854775808', '1000000000000000000'];

function redirectOf(errorLine: Buffer): number {
  const text = errorLine.toString('latin1', 1, errorLine.length - 2);
  const e = ERRORS.find(([t]) => t === text);
  if (!e) throw new Error(`generator: unknown error ${text}`);
  return e[1];
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

/** One value; arrays nest at most `depth` more levels. */
function value(rng: Rng, depth: number, opts: GenOptions): Buffer {
  const r = rng.int(depth > 0 ? 10 : 8);
  switch (r) {
    case 0:
      return bytes(`+${rng.chance(0.5) ? 'OK' : lineText(rng)}\r\n`);
    case 1:
      return bytes(`-${rng.pick(ERRORS)[0]}\r\n`);
    case 2:
      return bytes(`:${rng.pick(opts.int64 ? INTEGERS_INT64 : INTEGERS)}\r\n`);
    case 3:
      return bytes('$-1\r\n');
    case 4:
      return bytes(rng.chance(0.5) ? '*-1\r\n' : '*0\r\n');
    case 5:
    case 6:
    case 7:
      return bulk(rng, opts);
    default:
      return array(rng, depth, opts, false).bytes;
  }
}

/** An array of depth at most `depth`; `spine` forces one element to nest all the way down. */
function array(rng: Rng, depth: number, opts: GenOptions, spine: boolean): { bytes: Buffer; ends: number[] } {
  const n = spine ? rng.range(1, 3) : rng.range(1, 5);
  const deepAt = spine && depth > 1 ? rng.int(n) : -1;
  const head = bytes(`*${n}\r\n`);
  const parts: Buffer[] = [head];
  const ends: number[] = [];
  let at = head.length;
  for (let i = 0; i < n; i++) {
    const v = i === deepAt ? array(rng, depth - 1, opts, true).bytes : value(rng, depth - 1, opts);
    parts.push(v);
    at += v.length;
    ends.push(at);
  }
  return { bytes: Buffer.concat(parts), ends };
}

/** One top-level reply and what a scanner must report for it. */
export function genReply(rng: Rng, opts: GenOptions): { bytes: Buffer; expect: Frame } {
  const r = rng.int(10);
  if (r < 3) {
    const depth = rng.chance(0.5) ? rng.range(1, opts.maxDepth) : rng.range(1, 3);
    const a = array(rng, depth, opts, rng.chance(0.6));
    return { bytes: a.bytes, expect: { frame: a.bytes.toString('latin1'), type: '*', redirect: 0, elems: a.ends } };
  }
  if (r < 5) {
    const [text, redirect] = rng.pick(ERRORS);
    const b = bytes(`-${text}\r\n`);
    return { bytes: b, expect: { frame: b.toString('latin1'), type: '-', redirect, elems: 'none' } };
  }
  const b = value(rng, 0, opts);
  const type = String.fromCharCode(b[0]);
  const elems = type === '*' ? [] : 'none'; // "*0" and "*-1" are arrays without elements
  return { bytes: b, expect: { frame: b.toString('latin1'), type, redirect: type === '-' ? redirectOf(b) : 0, elems } };
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
export function collectReplies(s: Scanners, chunks: readonly Buffer[]): Collected {
  const got: Collected = { frames: [], protocolErrors: 0 };
  const reader = new ReplyReader(s.newReplyScanner(), s);
  const sink = {
    onReply(buf: Buffer, start: number, end: number, type: number, redirect: number, elems: number, elemBase: number): void {
      const frame = buf.subarray(start, end);
      let e: Frame['elems'] = elems === -1 ? 'none' : 'did-not-fit';
      if (elems >= 0) {
        const n = s.replyElems[elems];
        e = [];
        for (let i = 0; i < n; i++) e.push(s.replyElems[elems + 1 + i] - elemBase);
      }
      got.frames.push({ frame: frame.toString('latin1'), type: String.fromCharCode(type), redirect, elems: e });
    },
    onProtocolError(): void {
      got.protocolErrors++;
    },
  };
  for (const c of chunks) reader.push(c, sink);
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

/** Whether the native scanner can be fed replies deeper than hiredis supports in this process. */
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


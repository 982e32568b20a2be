// Random pipelined request streams through the native and the JS RequestReader, each split at its
// own random read boundaries: the records (all 8 fields, frames and keys compared as bytes) must be
// identical, and must match what the generator put in the stream. SLOTPROXY_TEST_SEED=<n> changes
// the seed; a failure prints the stream's seed.
import assert from 'node:assert/strict';
import { CMD_INLINE, CMD_PROTOCOL_ERROR, ProtocolError } from '../../../lib/protocol/records';
import type { Scanners } from '../../../lib/protocol/scanners';
import { type ContentRec, Rng, abbreviate, baseSeed, bytes, collectRequests, encodeCommand, rowsWantingKeys, scannersFor } from './helpers';

const STREAMS = 300;
const NAMES = [
  'GET', 'SET', 'MSET', 'MGET', 'DEL', 'EVAL', 'XREAD', 'ZUNIONSTORE', 'LMOVE', 'CLIENT', 'OBJECT', 'PING', 'HSET',
  'RPUSH', 'SORT', 'MIGRATE', 'gEt', 'mset', 'FOOBAR', '', 'BLMPOP', 'GEORADIUS', 'EXISTS', 'SUBSCRIBE', 'AUTH',
  'CLUSTER', 'XREADGROUP', 'BITOP', 'FCALL', 'COMMAND', 'post',
];
const WORDS = ['STREAMS', 'KEYS', 'STORE', 'ENCODING', 'SETNAME', 'LEFT', 'RIGHT', 'COUNT', 'GROUP', 'WEIGHTS', 'KEYSLOT', 'INFO', 'AND'];
const INLINE = ['PING', 'GET a', 'SET "a b" c', 'set "a b', '', '   ', "ECHO 'x y'", 'MGET {t}a {t}b', 'x\ry'];

/** What the generator expects for one item of the stream. */
type Item =
  | { kind: 'command'; frame: Buffer; argc: number }
  | { kind: 'inline'; frame: Buffer }
  | { kind: 'error'; at: number; code: ProtocolError; detail: number };

function arg(rng: Rng, auth: boolean): Buffer {
  const r = rng.int(10);
  if (r < 3) return bytes(`${rng.chance(0.5) ? '{t}' : ''}k${rng.int(50)}`);
  if (r < 5) return bytes(String(rng.int(4)));
  if (r < 6) return bytes(rng.pick(WORDS));
  if (r < 7 && !auth && rng.chance(0.05)) return rng.bytes(rng.range(20000, 100000));
  return rng.bytes(rng.int(30), rng.chance(0.5) ? bytes('\r\n\x00*$ {}ab') : undefined);
}

function command(rng: Rng, auth: boolean): Buffer[] {
  const args = [bytes(rng.pick(NAMES))];
  const n = rng.chance(0.05) && !auth ? rng.range(20, 300) : rng.int(auth ? 10 : 8);
  for (let i = 0; i < n; i++) args.push(arg(rng, auth));
  return args;
}

/** Garbage that makes the scanners stop; `final` when nothing may follow it (no CR or LF in it). */
function garbage(rng: Rng, auth: boolean): { bytes: Buffer; errAt: number; code: ProtocolError; detail: number; final: boolean } {
  const big = (c: string) => bytes(c.repeat(70000));
  const cases = [
    () => ({ bytes: bytes('*abc\r\n'), errAt: 0, code: ProtocolError.InvalidMultibulk, detail: 0, final: false }),
    () => ({ bytes: bytes('*2000000\r\n'), errAt: 0, code: ProtocolError.InvalidMultibulk, detail: 0, final: false }),
    () => ({ bytes: bytes('*1\r\nfooz\r\n'), errAt: 4, code: ProtocolError.ExpectedDollar, detail: 102, final: false }),
    () => ({ bytes: bytes('*2\r\n$3\r\nGET\r\n$-7\r\n'), errAt: 13, code: ProtocolError.InvalidBulk, detail: 0, final: false }),
    () => ({ bytes: bytes('*1\r\n$abc\r\n'), errAt: 4, code: ProtocolError.InvalidBulk, detail: 0, final: false }),
    () => ({ bytes: Buffer.concat([bytes('*'), big('7')]), errAt: 0, code: ProtocolError.TooBigMbulkCount, detail: 0, final: true }),
    () => ({ bytes: Buffer.concat([bytes('*1\r\n$'), big('7')]), errAt: 4, code: ProtocolError.TooBigBulkCount, detail: 0, final: true }),
    () => ({ bytes: big('x'), errAt: 0, code: ProtocolError.TooBigInline, detail: 0, final: true }),
    () => ({ bytes: Buffer.concat([bytes('*1\x00\r\n'), rng.bytes(70000)]), errAt: 0, code: ProtocolError.TooBigMbulkCount, detail: 0, final: true }),
  ];
  if (auth) {
    cases.push(() => ({ bytes: bytes('*11\r\n'), errAt: 0, code: ProtocolError.UnauthMultibulk, detail: 0, final: false }));
    cases.push(() => ({ bytes: bytes('*1\r\n$16385\r\n'), errAt: 4, code: ProtocolError.UnauthBulk, detail: 0, final: false }));
  }
  return rng.pick(cases)();
}

function genStream(rng: Rng, auth: boolean): { stream: Buffer; items: Item[] } {
  const parts: Buffer[] = [];
  const items: Item[] = [];
  let at = 0;
  const add = (b: Buffer) => {
    parts.push(b);
    at += b.length;
  };
  const count = rng.range(1, 60);
  for (let i = 0; i < count; i++) {
    const r = rng.int(10);
    if (r < 7) {
      const args = command(rng, auth);
      const frame = encodeCommand(args);
      items.push({ kind: 'command', frame, argc: args.length });
      add(frame);
    } else if (r < 9) {
      const frame = bytes(rng.pick(INLINE) + (rng.chance(0.5) ? '\r\n' : '\n'));
      items.push({ kind: 'inline', frame });
      add(frame);
    } else {
      add(bytes(rng.pick(['*0\r\n', '*-1\r\n', '*-10\r\n'])));
    }
  }
  if (rng.chance(0.3)) {
    const g = garbage(rng, auth);
    items.push({ kind: 'error', at: at + g.errAt, code: g.code, detail: g.detail });
    add(g.bytes);
    if (!g.final) for (let i = rng.int(4); i > 0; i--) add(encodeCommand(command(rng, auth))); // never parsed
  }
  return { stream: Buffer.concat(parts), items };
}

function chunks(rng: Rng, buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < buf.length; ) {
    const n = Math.min(buf.length - at, rng.range(1, rng.pick([1, 10, 100, 3000, 70000])));
    out.push(buf.subarray(at, at + n));
    at += n;
  }
  return out;
}

/** Checks one kind's records against the generator; returns them with error frames replaced (their end depends on the reads). */
function checkAgainstItems(label: string, recs: ContentRec[], items: Item[], stream: Buffer): ContentRec[] {
  const fail = (i: number): never => {
    const item = items[i];
    const what = item.kind === 'error' ? item : { ...item, frame: item.frame.toString('latin1') };
    return assert.fail(`${label}: record #${i}: ${abbreviate(recs[i])}\n  generator: ${abbreviate(what)}`);
  };
  if (recs.length !== items.length) {
    const i = recs.findIndex((r, j) => !items[j] || (items[j].kind === 'error') !== (r.cmd === CMD_PROTOCOL_ERROR));
    assert.fail(`${label}: ${recs.length} records, generator ${items.length}; first suspect #${i}: ${abbreviate(recs[i])}`);
  }
  return recs.map((r, i) => {
    const item = items[i];
    if (item.kind === 'command') {
      if (!(r.cmd >= 0 && r.argc === item.argc && r.frame === item.frame.toString('latin1'))) fail(i);
      if (r.keyidx === 'none' && r.keys !== null) fail(i);
    } else if (item.kind === 'inline') {
      if (!(r.cmd === CMD_INLINE && r.argc === 0 && r.frame === item.frame.toString('latin1'))) fail(i);
    } else {
      if (!(r.cmd === CMD_PROTOCOL_ERROR && r.argc === item.code && r.slot === item.detail)) fail(i);
      // the error frame runs from the offending line to the end of the read that revealed it
      if (!(r.frame.length > 0 && r.frame === stream.toString('latin1', item.at, item.at + r.frame.length))) fail(i);
      return { ...r, frame: `(checked against the stream from offset ${item.at})` };
    }
    return r;
  });
}

const sameRecord = (a: ContentRec, b: ContentRec): boolean =>
  a.frame === b.frame &&
  a.cmd === b.cmd &&
  a.argc === b.argc &&
  a.slot === b.slot &&
  a.nkeys === b.nkeys &&
  a.flags === b.flags &&
  a.keyidx === b.keyidx &&
  JSON.stringify(a.keys) === JSON.stringify(b.keys);

describe('request scanners: random pipelined streams, native and JS', function () {
  this.timeout(300000);
  let native: Scanners;
  let js: Scanners;
  before(() => {
    // half the rows want their keys, so the key array is compared as well
    const rows = rowsWantingKeys((r) => r.id % 2 === 0);
    native = scannersFor('native', rows);
    js = scannersFor('js', rows);
  });
  after(() => {
    scannersFor('native');
    scannersFor('js');
  });

  it(`${STREAMS} streams: identical records for both kinds, as the generator expects`, () => {
    const base = baseSeed(0xc0ffee);
    let records = 0;
    for (let k = 0; k < STREAMS; k++) {
      const seed = (base + k * 104729) >>> 0;
      const rng = new Rng(seed);
      const auth = rng.chance(0.2);
      const { stream, items } = genStream(rng, auth);
      const fromNative = collectRequests(native, chunks(rng, stream), auth);
      const fromJs = collectRequests(js, chunks(rng, stream), auth);
      try {
        const a = checkAgainstItems('native', fromNative, items, stream);
        const b = checkAgainstItems('js', fromJs, items, stream);
        for (let i = 0; i < a.length; i++) {
          if (!sameRecord(a[i], b[i])) {
            assert.fail(`first differing record #${i}:\n  native: ${abbreviate(a[i])}\n  js:     ${abbreviate(b[i])}`);
          }
        }
      } catch (err) {
        (err as Error).message = `seed ${seed} (stream ${k}, auth ${auth}, ${stream.length} bytes; SLOTPROXY_TEST_SEED=${seed} makes it stream 0): ${(err as Error).message}`;
        throw err;
      }
      records += items.length;
    }
    assert.ok(records > STREAMS * 10, `only ${records} records generated`);
  });
});

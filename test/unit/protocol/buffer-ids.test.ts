// Buffers the addon knows by id (native/buffer_ids.h): the read slabs are scanned and sent by id
// instead of being handed to N-API on every call. A scan by id must give the records a scan of
// the same bytes gives, every bad id or range must throw instead of reading memory, and an id
// must die with its Buffer (and only then be given again).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { bufferId, Slab, slabId, tailSlab } from '../../../lib/io/slabs';
import { RequestReader } from '../../../lib/protocol/request-reader';
import { loadNative } from '../../../lib/protocol/native';
import { R_ARGC, R_START, REP_COUNT, REQ_COUNT, REQ_HEADER, REQ_RECORD } from '../../../lib/protocol/records';
import type { ReplyScanner, RequestScanner, Scanners } from '../../../lib/protocol/scanners';
import { scannersFor } from './helpers';

describe('buffer ids: slabs scanned and sent by the addon id', () => {
  const { addon } = loadNative();
  let s: Scanners;
  before(() => {
    s = scannersFor('native');
  });
  /** scanId() with its arguments put where it reads them; the record count from the header, where it leaves it */
  const scanReq = (scanner: RequestScanner, id: number, start: number, end: number, auth: boolean): number => {
    s.callArgs.set([id, start, end, auth ? 1 : 0, scanner.scannerIndex!]);
    s.requestRecords[REQ_COUNT] = -1;
    assert.equal(scanner.scanId!(), undefined);
    return s.requestRecords[REQ_COUNT];
  };
  const scanRep = (scanner: ReplyScanner, id: number, start: number, end: number): number => {
    s.callArgs.set([id, start, end, 0, scanner.scannerIndex!]);
    s.replyRecords[REP_COUNT] = -1;
    assert.equal(scanner.scanId!(), undefined);
    return s.replyRecords[REP_COUNT];
  };

  it('the addon has registerBuffer() and scanId() on both scanners', () => {
    assert.equal(typeof addon?.registerBuffer, 'function', 'the addon was built before registerBuffer() was added: rebuild it');
    assert.equal(typeof s.newRequestScanner().scanId, 'function');
    assert.equal(typeof s.newReplyScanner().scanId, 'function');
  });

  it('a request scan by id records what a scan of the Buffer records, at the same offsets', () => {
    const buf = Buffer.from('xx*2\r\n$3\r\nGET\r\n$3\r\nfoo\r\n*3\r\n$3\r\nSET\r\n$1\r\na\r\n$2\r\nbb\r\n*1\r\n$4\r\nPI');
    const id = addon!.registerBuffer!(buf);
    const a = s.newRequestScanner();
    const b = s.newRequestScanner();
    const n = a.scan(buf, 2, buf.length, false);
    const byBuffer = s.requestRecords.slice(0, REQ_HEADER + n * REQ_RECORD);
    const m = scanReq(b, id, 2, buf.length, false);
    assert.equal(m, n);
    assert.equal(n, 2);
    assert.deepEqual(s.requestRecords.slice(0, REQ_HEADER + m * REQ_RECORD), byBuffer);
  });

  it("one scanId() for all of a set's scanners of a kind; callArgs[4] picks the scanner, and each keeps its own state", () => {
    const a = s.newRequestScanner();
    const b = s.newRequestScanner();
    assert.equal(a.scanId, b.scanId, 'one function: its call sites stay monomorphic');
    assert.notEqual(a.scannerIndex, b.scannerIndex);
    assert.equal(s.newReplyScanner().scanId, s.newReplyScanner().scanId);
    assert.notEqual(s.newReplyScanner().scanId, a.scanId);
    // a command cut in two on `a`, a whole one on `b` in between: `a` still finishes its own
    const cut = Buffer.from('*2\r\n$3\r\nGET\r\n$5\r\nhello\r\n');
    const whole = Buffer.from('*1\r\n$4\r\nPING\r\n');
    const id = addon!.registerBuffer!(Buffer.concat([cut, whole]));
    assert.equal(scanReq(a, id, 0, 20, false), 0);
    assert.equal(scanReq(b, id, cut.length, cut.length + whole.length, false), 1);
    assert.equal(s.requestRecords[REQ_HEADER + R_ARGC], 1, 'b scanned its PING');
    assert.equal(s.requestRecords[REQ_HEADER + R_START], cut.length);
    assert.equal(scanReq(a, id, 0, cut.length, false), 1, 'a finished the GET it had begun');
    // each call uses the index up: a call that does not name its scanner again throws
    assert.equal(s.callArgs[4], -1);
    assert.throws(() => a.scanId!(), /names no scanner/);
    // an index that names no scanner of the set
    s.callArgs.set([id, 0, cut.length, 0, 1 << 20]);
    assert.throws(() => a.scanId!(), /names no scanner/);
    s.callArgs[4] = -1;
    assert.throws(() => a.scanId!(), /names no scanner/);
  });

  it('a reply scan by id of a range reads that range only', () => {
    const buf = Buffer.from('garbage+OK\r\n$3\r\nabc\r\n:1');
    const id = addon!.registerBuffer!(buf);
    const scanner = s.newReplyScanner();
    assert.equal(scanRep(scanner, id, 7, buf.length - 2), 2);
  });

  it('an unknown id, a range outside the buffer or a non-Uint8Array throws', () => {
    const buf = Buffer.from('*1\r\n$4\r\nPING\r\n');
    const id = addon!.registerBuffer!(buf);
    const req = s.newRequestScanner();
    const rep = s.newReplyScanner();
    assert.throws(() => scanReq(req, id, 0, buf.length + 1, false), /unknown buffer or bad range/);
    assert.throws(() => scanReq(req, id, 5, 4, false), /unknown buffer or bad range/);
    assert.throws(() => scanReq(req, -1, 0, 1, false), /unknown buffer or bad range/);
    assert.throws(() => scanReq(req, id, -1, 3, false), /unknown buffer or bad range/);
    assert.throws(() => scanRep(rep, id, 2, -1), /unknown buffer or bad range/);
    assert.throws(() => scanReq(req, 1 << 30, 0, 1, false), /unknown buffer or bad range/);
    assert.throws(() => scanRep(rep, id, 0, buf.length + 1), /unknown buffer or bad range/);
    assert.throws(() => scanRep(rep, 1 << 30, 0, 1), /unknown buffer or bad range/);
    assert.throws(() => addon!.registerBuffer!(new Int32Array(4) as unknown as Buffer), /non-empty Uint8Array/);
    // a set made without the argument array: scanId() says so
    const bare = new addon!.ScannerSet(new Int32Array(4096), new Int32Array(64), new Int32Array(4096), new Int32Array(64));
    assert.throws(() => new addon!.RequestScanner(bare).scanId!(), /made without callArgs/);
    assert.throws(() => new addon!.ReplyScanner(bare).scanId!(), /made without callArgs/);
    assert.throws(() => addon!.registerBuffer!(Buffer.alloc(0)), /non-empty Uint8Array/);
  });

  it("two clients' readers on one set, each with a command cut in two, interleaved: each gets its own", () => {
    const slab = new Slab(Buffer.alloc(1024));
    const a = Buffer.from('*2\r\n$3\r\nGET\r\n$5\r\nalpha\r\n');
    const b = Buffer.from('*3\r\n$3\r\nSET\r\n$4\r\nbeta\r\n$1\r\nv\r\n');
    a.copy(slab.buf, 0);
    b.copy(slab.buf, 100);
    const got: string[] = [];
    const sink = (who: string) => ({ authRequired: false, onRequests: (buf: Buffer, n: number) => (got.push(`${who}:${n}:${buf.toString('latin1', s.requestRecords[REQ_HEADER + R_START], s.requestRecords[REQ_HEADER + R_START] + 4)}`), true) });
    const ra = new RequestReader(s.newRequestScanner(), s);
    const rb = new RequestReader(s.newRequestScanner(), s);
    ra.push(slab.buf, sink('a'), slab, 0, 10);
    rb.push(slab.buf, sink('b'), slab, 100, 112);
    ra.push(slab.buf, sink('a'), slab, 10, a.length);
    rb.push(slab.buf, sink('b'), slab, 112, 100 + b.length);
    assert.deepEqual(got, ['a:1:*2\r\n', 'b:1:*3\r\n']);
  });

  it("a client read in a slab is scanned by the slab's id", () => {
    const slab = new Slab(Buffer.alloc(1024));
    const bytes = Buffer.from('*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n');
    bytes.copy(slab.buf, 100);
    const seen: number[] = [];
    const reader = new RequestReader(s.newRequestScanner(), s);
    reader.push(slab.buf, { authRequired: false, onRequests: (_b, n) => (seen.push(n), true) }, slab, 100, 100 + bytes.length);
    assert.deepEqual(seen, [2]);
    assert.ok(slabId(slab) >= 0, 'the slab got an id');
  });

  it("a slab's buffer is known by its id to a writer that has only the Buffer; other buffers are not", () => {
    const slab = new Slab(Buffer.alloc(128 * 1024));
    assert.equal(bufferId(slab.buf), -1, 'no id before one is asked for');
    const id = slabId(slab);
    assert.ok(id >= 0);
    assert.equal(bufferId(slab.buf), id);
    const tail = tailSlab();
    const tailId = slabId(tail);
    assert.equal(bufferId(tail.buf), tailId);
    assert.equal(bufferId(Buffer.from('*2\r\n$3\r\nGET\r\n')), -1);
    assert.equal(bufferId(slab.buf.subarray(0, 10)), -1, 'a view is not the slab');
  });

  it('an id dies with its Buffer: a scan by it throws, and it is given to the next Buffer (a scanner’s place too)', () => {
    // in a child with --expose-gc: the collection of one Buffer is made certain there
    const root = path.resolve(__dirname, '..', '..', '..');
    const code = `
      const { createScanners } = require(${JSON.stringify(path.join(root, 'lib/protocol/scanners'))});
      const { loadNative } = require(${JSON.stringify(path.join(root, 'lib/protocol/native'))});
      const s = createScanners('native');
      const { addon } = loadNative();
      let buf = Buffer.alloc(64 * 1024, 'x');
      const id = addon.registerBuffer(buf);
      const scanner = s.newReplyScanner();
      const scan = () => { s.callArgs.set([id, 0, 10, 0, scanner.scannerIndex]); return scanner.scanId(); };
      scan();
      buf = null;
      // a scanner's place among its set's is given to the next one once it is collected
      let gone = s.newReplyScanner();
      const goneIndex = gone.scannerIndex;
      gone = null;
      (async () => {
        for (let i = 0; i < 20; i++) { gc(); await new Promise((r) => setImmediate(r)); }
        let threw = false;
        try { scan(); } catch (e) { threw = /unknown buffer/.test(e.message); }
        const again = addon.registerBuffer(Buffer.alloc(16));
        let placeFree = false;
        s.callArgs.set([again, 0, 1, 0, goneIndex]);
        try { scanner.scanId(); } catch (e) { placeFree = /names no scanner/.test(e.message); }
        const next = s.newReplyScanner();
        console.log(JSON.stringify({ threw, reused: again === id, placeFree, placeReused: next.scannerIndex === goneIndex }));
      })();`;
    const r = spawnSync(process.execPath, ['--expose-gc', '-e', code], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout.trim()), { threw: true, reused: true, placeFree: true, placeReused: true });
  });
});

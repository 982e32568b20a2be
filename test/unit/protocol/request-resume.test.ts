// A command arriving over many socket reads: the scanners resume where they stopped, and
// RequestReader keeps only the unfinished tail, sized by what REQ_NEED says is still missing.
import assert from 'node:assert/strict';
import { slotOf } from '../../../lib/protocol/crc16';
import { CMD_INLINE, REQUEST_RECORD_CAPACITY, REQ_CONSUMED, REQ_COUNT, REQ_NEED } from '../../../lib/protocol/records';
import { RequestReader } from '../../../lib/protocol/request-reader';
import { releaseSlab, tailSlabs, type Slab } from '../../../lib/io/slabs';
import type { Scanners } from '../../../lib/protocol/scanners';
import { KINDS, Rng, baseSeed, bytes, cmd, collectRequests, commandId, encodeCommand, randomSplit, readRecord, scanOnce, scannersFor } from './helpers';

for (const kind of KINDS) {
  describe(`request scanner (${kind}): resuming across reads`, () => {
    let s: Scanners;
    before(() => {
      s = scannersFor(kind);
    });

    it('RPUSH with 50,000 elements in random 1..100-byte chunks -> exactly one record', () => {
      const seed = baseSeed(0x7e57);
      const rng = new Rng(seed);
      const args = ['RPUSH', 'list'];
      for (let i = 0; i < 50000; i++) args.push(rng.chance(0.1) ? '' : `e${i}\r\n`.repeat(rng.int(3)));
      const buf = encodeCommand(args);
      const recs = collectRequests(s, randomSplit(rng, buf, 1, 100));
      assert.equal(recs.length, 1, `seed ${seed}`);
      assert.equal(recs[0].cmd, commandId('rpush'));
      assert.equal(recs[0].argc, 50002);
      assert.equal(recs[0].slot, slotOf('list'));
      assert.ok(recs[0].frame === buf.toString('latin1'), 'the frame is the whole command');
    });

    it('SET with a 1 MiB value in 64 KiB chunks -> one record; nothing re-scanned in between', () => {
      const value = Buffer.alloc(1 << 20, 0x78);
      value.write('\r\n*1\r\n$4\r\nPING\r\n', 1000, 'latin1'); // protocol-looking bytes inside the value
      const buf = Buffer.concat([cmd('SET', 'key', value), cmd('GET', 'key')]);
      const recs = collectRequests(s, randomSplit(new Rng(1), buf, 65536, 65536));
      assert.deepEqual(
        recs.map((r) => [r.cmd, r.argc, r.frame.length]),
        [[commandId('set'), 3, buf.length - 22], [commandId('get'), 2, 22]],
      );
    });

    it('REQ_NEED tells how many bytes from CONSUMED a big bulk still needs', () => {
      const head = bytes('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048576\r\n');
      const sc = s.newRequestScanner();
      const first = Buffer.concat([head, Buffer.alloc(1000, 0x61)]);
      assert.equal(sc.scan(first, 0, first.length, false), 0);
      const rec = s.requestRecords;
      assert.equal(rec[REQ_COUNT], 0);
      assert.equal(rec[REQ_CONSUMED], 0);
      assert.equal(rec[REQ_NEED], head.length + 1048576 + 2);
      // a pipelined command before it: NEED counts from CONSUMED, the start of the unfinished one
      const ping = cmd('PING');
      const second = Buffer.concat([ping, head]);
      const sc2 = s.newRequestScanner();
      assert.equal(sc2.scan(second, 0, second.length, false), 1);
      assert.equal(rec[REQ_CONSUMED], ping.length);
      assert.equal(rec[REQ_NEED], head.length + 1048576 + 2);
      // resumed on the same buffer from CONSUMED with all the bytes: the command completes
      const all = Buffer.concat([ping, head, Buffer.alloc(1048576 + 2, 0x61)]);
      assert.equal(sc2.scan(all, ping.length, all.length, false), 1);
      assert.deepEqual([rec[REQ_CONSUMED], rec[REQ_NEED]], [all.length, 0]);
      assert.equal(readRecord(rec, 0).argc, 3);
    });

    it('RequestReader buffers a big bulk without scanning until REQ_NEED bytes are there', () => {
      const value = Buffer.alloc(300000, 0x62);
      const buf = cmd('SET', 'k', value);
      const reader = new RequestReader(s.newRequestScanner(), s);
      let calls = 0;
      const sink = {
        authRequired: false,
        onRequests(_b: Buffer, n: number): boolean {
          calls += n;
          return true;
        },
      };
      const chunks = randomSplit(new Rng(2), buf, 1000, 5000);
      chunks.forEach((c, i) => {
        reader.push(c, sink);
        if (i < chunks.length - 1) assert.equal(calls, 0);
      });
      assert.equal(calls, 1);
      assert.equal(reader.buffered, 0);
    });

    it('a pipeline of big SETs split inside values: only the split commands are copied, the rest stay views of the reads', () => {
      const value = Buffer.alloc(10000, 0x76);
      const cmds = Array.from({ length: 8 }, (_, i) => cmd('SET', `k${i}`, value));
      const buf = Buffer.concat(cmds);
      // cut in the middle of the values of commands 1, 4 and 6
      const at = (i: number): number => cmds.slice(0, i).reduce((n, c) => n + c.length, 0) + 5000;
      const chunks = [buf.subarray(0, at(1)), buf.subarray(at(1), at(4)), buf.subarray(at(4), at(6)), buf.subarray(at(6))].map((c) => Buffer.from(c));
      const reader = new RequestReader(s.newRequestScanner(), s);
      const seen: { fromRead: boolean; count: number }[] = [];
      let k = 0;
      const sink = {
        authRequired: false,
        onRequests(b: Buffer, n: number): boolean {
          for (let i = 0; i < n; i++) {
            const r = readRecord(s.requestRecords, i);
            assert.ok(b.subarray(r.start, r.end).equals(cmds[k++]), `command ${k - 1} handed on whole`);
          }
          seen.push({ fromRead: chunks.some((c) => c.buffer === b.buffer), count: n });
          return true;
        },
      };
      for (const c of chunks) reader.push(c, sink);
      assert.equal(reader.buffered, 0);
      assert.equal(seen.reduce((n, x) => n + x.count, 0), 8, 'every command delivered once');
      const copied = seen.filter((x) => !x.fromRead);
      assert.deepEqual(copied.map((x) => x.count), [1, 1, 1], 'the three split commands, one by one, from the reader\'s buffer');
      assert.deepEqual(seen.filter((x) => x.fromRead).map((x) => x.count), [1, 2, 1, 1], 'the others were scanned in the reads themselves');
    });

    it('the buffers of split commands are tail slabs, reused once the requests made from them are answered', () => {
      const value = Buffer.alloc(10000, 0x77);
      const reader = new RequestReader(s.newRequestScanner(), s);
      const held: Slab[] = [];
      const sink = {
        authRequired: false,
        onRequests(_b: Buffer, _n: number, slab: Slab | null): boolean {
          // as ClientSession does for a fast-path request: hold the slab until it is answered
          if (slab !== null) {
            slab.refs++;
            held.push(slab);
          }
          return true;
        },
      };
      const before = { ...tailSlabs };
      for (let round = 0; round < 100; round++) {
        const c = cmd('SET', `k${round}`, value);
        reader.push(c.subarray(0, 4000), sink);
        reader.push(c.subarray(4000), sink);
        for (const slab of held.splice(0)) releaseSlab(slab);
      }
      assert.equal(reader.buffered, 0);
      assert.ok(tailSlabs.allocated - before.allocated <= 1, `${tailSlabs.allocated - before.allocated} tail slabs allocated`);
      assert.ok(tailSlabs.reused - before.reused >= 99, `${tailSlabs.reused - before.reused} reused`);
    });

    it('more commands than the record array holds, with a sink that scans inline commands again', () => {
      // ClientSession re-scans an inline command, once re-encoded, with another scanner of the
      // same kind, which overwrites the shared header: the reader must still go on with the rest.
      const other = s.newRequestScanner();
      const reader = new RequestReader(s.newRequestScanner(), s);
      const n = REQUEST_RECORD_CAPACITY + 10;
      const buf = Buffer.concat([bytes('PING\r\n'), ...Array.from({ length: n }, () => cmd('PING'))]);
      let delivered = 0;
      reader.push(buf, {
          authRequired: false,
        onRequests(_b: Buffer, count: number): boolean {
          for (let i = 0; i < count; i++) {
            if (readRecord(s.requestRecords, i).cmd !== CMD_INLINE) continue;
            const again = cmd('PING');
            other.scan(again, 0, again.length, false);
            break;
          }
          delivered += count;
          return true;
        },
      });
      assert.equal(delivered, n + 1, `${reader.buffered} bytes left buffered`);
      assert.equal(reader.buffered, 0);
    });

    it('scanning a growing buffer byte by byte from CONSUMED gives the records of one scan', () => {
      const rng = new Rng(baseSeed(3));
      const parts: Buffer[] = [];
      for (let i = 0; i < 30; i++) {
        const r = rng.int(4);
        if (r === 0) parts.push(cmd('MSET', `k${i}`, 'v\r\n', '{t}a', rng.bytes(rng.int(40))));
        else if (r === 1) parts.push(bytes(`GET k${i}\r\n`));
        else if (r === 2) parts.push(bytes('*0\r\n'));
        else parts.push(cmd('XREAD', 'STREAMS', `s${i}`, '0'));
      }
      const buf = Buffer.concat(parts);
      const once = scanOnce(s, buf).records;
      const sc = s.newRequestScanner();
      const got: ReturnType<typeof readRecord>[] = [];
      let consumed = 0;
      for (let end = 1; end <= buf.length; end++) {
        const n = sc.scan(buf, consumed, end, false);
        for (let i = 0; i < n; i++) got.push(readRecord(s.requestRecords, i));
        consumed = s.requestRecords[REQ_CONSUMED];
        assert.ok(consumed <= end);
      }
      assert.equal(consumed, buf.length);
      // where a command's key triples land in the shared array depends on what else that scan held
      const noKeyIdx = (r: ReturnType<typeof readRecord>): object => ({ ...r, keyidx: r.keyidx >= 0 ? 'set' : r.keyidx });
      assert.deepEqual(got.map(noKeyIdx), once.map(noKeyIdx));
    });

    it('after a protocol error, RequestReader delivers nothing more', () => {
      const recs = collectRequests(s, [cmd('PING'), bytes('*1\r\nxx\r\n'), cmd('PING')]);
      assert.deepEqual(recs.map((r) => r.cmd), [commandId('ping'), -1]);
    });
  });
}

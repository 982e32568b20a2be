// Command resolution (row ids, arity, subcommands) and key extraction from the Redis 7 key specs,
// for both scanner kinds; expected keys are what Redis 7 Cluster routes by (src/db.c
// getKeysFromCommandWithSpecs, which falls back to a command's getkeys_proc when a spec is
// incomplete), and expected slots come from slotOf().
import assert from 'node:assert/strict';
import { slotOf } from '../../../lib/protocol/crc16';
import { FLAG_ARITY, FLAG_CROSSSLOT, FLAG_UNKNOWN_SUBCOMMAND, KEY_TRIPLE, KEY_TRIPLE_CAPACITY } from '../../../lib/protocol/records';
import { RequestReader } from '../../../lib/protocol/request-reader';
import type { Scanners } from '../../../lib/protocol/scanners';
import { COMMAND_TABLE, KINDS, type Rec, cmd, commandId, encodeCommand, readRecord, rowsWantingKeys, scanOnce, scannersFor } from './helpers';

interface KeyCase {
  args: string[];
  keys: string[];
  row?: string; // the row the command resolves to, when not args[0]
  note?: string;
}

const KEY_CASES: KeyCase[] = [
  { args: ['GET', 'foo'], keys: ['foo'] },
  { args: ['GET', 'a\r\nb\x00{'], keys: ['a\r\nb\x00{'] },
  { args: ['SET', 'k', 'v', 'EX', '10'], keys: ['k'] },
  { args: ['MSET', 'a', '1', 'b', '2'], keys: ['a', 'b'] },
  { args: ['MSET', '{t}a', '1', '{t}b', '2'], keys: ['{t}a', '{t}b'] },
  { args: ['MGET', 'a', 'b', 'c'], keys: ['a', 'b', 'c'] },
  { args: ['DEL', '{u}1', '{u}2', '{u}3'], keys: ['{u}1', '{u}2', '{u}3'] },
  { args: ['EVAL', 'return 1', '2', 'k1', 'k2', 'arg'], keys: ['k1', 'k2'] },
  { args: ['EVAL', 'return 1', '0'], keys: [], note: 'numkeys 0: keyless' },
  { args: ['EVAL', 'return 1', '0', 'a', 'b'], keys: [], note: 'numkeys 0 with arguments' },
  { args: ['EVAL', 'return 1', '3', 'k1'], keys: [], note: 'numkeys beyond the arguments' },
  { args: ['EVAL', 'return 1', 'abc', 'k1'], keys: [], note: 'numkeys not a number' },
  { args: ['EVALSHA', 'abc', '1', 'k'], keys: ['k'] },
  { args: ['FCALL', 'f', '1', 'k', 'a'], keys: ['k'] },
  { args: ['XREAD', 'COUNT', '1', 'STREAMS', 'a', 'b', '0', '0'], keys: ['a', 'b'], note: 'keyword spec with limit' },
  { args: ['xread', 'streams', '{s}a', '{s}b', '$', '$'], keys: ['{s}a', '{s}b'] },
  { args: ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's1', '>'], keys: ['s1'] },
  { args: ['ZUNIONSTORE', 'dest', '2', 'a', 'b'], keys: ['dest', 'a', 'b'], note: 'two specs' },
  { args: ['ZUNIONSTORE', '{z}d', '2', '{z}a', '{z}b', 'WEIGHTS', '1', '2'], keys: ['{z}d', '{z}a', '{z}b'] },
  { args: ['ZINTERCARD', '2', 'a', 'b', 'LIMIT', '1'], keys: ['a', 'b'] },
  { args: ['LMOVE', 'src', 'dst', 'LEFT', 'RIGHT'], keys: ['src', 'dst'] },
  { args: ['BLMPOP', '0', '2', 'a', 'b', 'LEFT'], keys: ['a', 'b'] },
  { args: ['BITOP', 'AND', 'dest', 'a', 'b'], keys: ['dest', 'a', 'b'] },
  { args: ['GEORADIUS', 'k', '0', '0', '1', 'm', 'STORE', 'dst'], keys: ['k', 'dst'] },
  { args: ['MIGRATE', 'h', '6379', 'key', '0', '5000'], keys: ['key'] },
  {
    args: ['MIGRATE', 'h', '6379', '', '0', '5000', 'KEYS', '{t}a', '{t}b'],
    keys: ['{t}a', '{t}b'],
    note: 'Redis 7: the KEYS spec is INCOMPLETE, so migrateGetKeys decides and the empty key is not a key',
  },
  { args: ['SORT', 'k'], keys: ['k'] },
  { args: ['SORT', 'k', 'BY', 'w_*', 'GET', 'g_*'], keys: ['k'] },
  { args: ['SORT_RO', 'k', 'ALPHA'], keys: ['k'] },
  {
    args: ['SORT', '{a}src', 'STORE', '{b}dst'],
    keys: ['{a}src', '{b}dst'],
    note: 'Redis 7: SORT has specs of unknown type, so sortGetKeys decides and the STORE target is a key',
  },
  { args: ['OBJECT', 'ENCODING', 'key'], keys: ['key'], row: 'object|encoding', note: 'subcommand key spec' },
  { args: ['PING'], keys: [] },
];

/** The row's own key function, where the proxy finds keys like Redis's getkeys_proc (if it has one). */
function keyProcOf(name: string): ((args: Buffer[]) => number[]) | null {
  const row = COMMAND_TABLE.get(name) as unknown as { keyProc?: ((args: Buffer[]) => number[]) | null } | undefined;
  return row?.keyProc ?? null;
}

const title = (c: KeyCase): string =>
  `${c.args.map((a) => (/^[\x21-\x7e]+$/.test(a) ? a : JSON.stringify(a))).join(' ')} -> ${c.keys.length} key(s)${c.note ? ` (${c.note})` : ''}`;

for (const kind of KINDS) {
  describe(`request scanner (${kind}): commands and keys`, () => {
    let s: Scanners;
    before(() => {
      s = scannersFor(kind);
    });
    const one = (...args: string[]): Rec => {
      const res = scanOnce(s, cmd(...args));
      assert.equal(res.records.length, 1);
      return res.records[0];
    };

    describe('command resolution', () => {
      it('an unknown command -> R_CMD 0, no keys', () => {
        assert.deepEqual(one('FOOBAR', 'a', 'b'), { start: 0, end: 30, cmd: 0, argc: 3, slot: -1, nkeys: 0, flags: 0, keyidx: -1 });
        assert.equal(one('g'.repeat(65)).cmd, 0);
        assert.equal(one('').cmd, 0);
      });
      it('names are case-insensitive', () => {
        for (const n of ['GET', 'get', 'gEt', 'GeT']) assert.equal(one(n, 'k').cmd, commandId('get'));
        assert.equal(one('client', 'SetName', 'x').cmd, commandId('client|setname'));
      });
      it('CLIENT FOO -> the container with FLAG_UNKNOWN_SUBCOMMAND', () => {
        const r = one('CLIENT', 'FOO');
        assert.equal(r.cmd, commandId('client'));
        assert.equal(r.flags, FLAG_UNKNOWN_SUBCOMMAND);
      });
      it('a container without a subcommand -> FLAG_ARITY', () => {
        const r = one('CLIENT');
        assert.equal(r.cmd, commandId('client'));
        assert.equal(r.flags, FLAG_ARITY);
      });
      it('wrong arity -> FLAG_ARITY and no keys', () => {
        for (const args of [['GET'], ['GET', 'a', 'b'], ['MSET', 'a'], ['LMOVE', 'a', 'b']]) {
          const r = one(...args);
          assert.equal(r.cmd, commandId(args[0].toLowerCase()), args.join(' '));
          assert.deepEqual([r.flags, r.slot, r.nkeys], [FLAG_ARITY, -1, 0], args.join(' '));
        }
        const sub = one('OBJECT', 'ENCODING');
        assert.deepEqual([sub.cmd, sub.flags], [commandId('object|encoding'), FLAG_ARITY]);
      });
      it('HTTP on the port resolves to the post / host: rows', () => {
        assert.equal(one('POST', '/', 'HTTP/1.1').cmd, commandId('post'));
        assert.equal(one('Host:', 'x').cmd, commandId('host:'));
      });
    });

    describe('key specs', () => {
      for (const c of KEY_CASES) {
        it(title(c), () => {
          const r = one(...c.args);
          const rowName = c.row ?? c.args[0].toLowerCase();
          const slots = c.keys.map((k) => slotOf(Buffer.from(k, 'latin1')));
          const expected = {
            cmd: commandId(rowName),
            argc: c.args.length,
            slot: slots.length ? slots[0] : -1,
            nkeys: c.keys.length,
            flags: slots.some((x) => x !== slots[0]) ? FLAG_CROSSSLOT : 0,
          };
          const actual = { cmd: r.cmd, argc: r.argc, slot: r.slot, nkeys: r.nkeys, flags: r.flags };
          const keyProc = keyProcOf(rowName);
          if (keyProc) {
            // Keys found in TypeScript, as Redis's getkeys_proc finds them; the scanner's are not used.
            const args = c.args.map((a) => Buffer.from(a, 'latin1'));
            const keys = keyProc(args).map((i) => args[i].toString('latin1'));
            assert.equal(actual.cmd, expected.cmd);
            assert.deepEqual(keys, c.keys, `keys from the ${rowName} row's keyProc`);
            return;
          }
          assert.deepEqual(actual, expected, `keys expected: ${JSON.stringify(c.keys)} (slots ${slots})`);
        });
      }
    });

    describe('the key array (rows that want keys)', () => {
      before(() => {
        s = scannersFor(kind, rowsWantingKeys((r) => r.name === 'mset' || r.name === 'zunionstore'));
      });
      after(() => {
        s = scannersFor(kind);
      });

      it('key triples: absolute offset, length and slot of every key, in order', () => {
        const buf = Buffer.concat([cmd('GET', 'x'), cmd('MSET', 'a', '1', '{t}b', '2'), cmd('ZUNIONSTORE', 'd', '2', 'e', 'f')]);
        const res = scanOnce(s, buf);
        assert.deepEqual(res.records.map((r) => r.keyidx), [-1, 0, 2]);
        assert.equal(res.header.keys, 5);
        const keys: string[] = [];
        for (let t = 0; t < 5; t++) {
          const [off, len, slot] = s.requestKeys.subarray(t * KEY_TRIPLE, t * KEY_TRIPLE + 3);
          const key = buf.toString('latin1', off, off + len);
          assert.equal(slot, slotOf(key), key);
          keys.push(key);
        }
        assert.deepEqual(keys, ['a', '{t}b', 'd', 'e', 'f']);
      });

      const manyKeys = (n: number, prefix: string): Buffer => {
        const args = ['MSET'];
        for (let i = 0; i < n; i++) args.push(`${prefix}${i}`, 'v');
        return encodeCommand(args);
      };

      it('a command alone with more keys than the array holds -> R_KEYIDX -2, counts still right', () => {
        const res = scanOnce(s, manyKeys(KEY_TRIPLE_CAPACITY + 1, 'k'));
        assert.equal(res.records.length, 1);
        const r = res.records[0];
        assert.deepEqual([r.keyidx, r.nkeys, r.flags, r.slot], [-2, KEY_TRIPLE_CAPACITY + 1, FLAG_CROSSSLOT, slotOf('k0')]);
        assert.equal(res.header.keys, 0);
      });

      it('a command whose keys do not fit after others is left for the next scan', () => {
        const buf = Buffer.concat([cmd('MSET', 'a', '1'), manyKeys(KEY_TRIPLE_CAPACITY, '{t}')]);
        const sc = s.newRequestScanner();
        assert.equal(sc.scan(buf, 0, buf.length, false), 1);
        const consumed = s.requestRecords[1];
        assert.equal(consumed, cmd('MSET', 'a', '1').length);
        assert.equal(sc.scan(buf, consumed, buf.length, false), 1);
        const r = readRecord(s.requestRecords, 0);
        assert.deepEqual([r.start, r.end, r.keyidx, r.nkeys, r.flags], [consumed, buf.length, 0, KEY_TRIPLE_CAPACITY, 0]);
      });

      it('RequestReader delivers a command left for the next scan without waiting for more bytes', () => {
        // The scanner stops before a command whose keys do not fit (fewer records than capacity);
        // the reader must scan again rather than keep the command until the client sends more.
        const buf = Buffer.concat([cmd('MSET', 'a', '1'), manyKeys(KEY_TRIPLE_CAPACITY, '{t}')]);
        const reader = new RequestReader(s.newRequestScanner(), s);
        const seen: number[] = [];
        reader.push(buf, {
          authRequired: false,
          onRequests(_b: Buffer, n: number): boolean {
            for (let i = 0; i < n; i++) seen.push(readRecord(s.requestRecords, i).nkeys);
            return true;
          },
        });
        assert.deepEqual(seen, [1, KEY_TRIPLE_CAPACITY], `records delivered; ${reader.buffered} bytes left buffered`);
      });
    });
  });
}

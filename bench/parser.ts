// Scanner throughput on recorded streams: the native scanners against their TypeScript twins,
// and, for RESP2 replies, against redis-parser (what a JS proxy would otherwise use; it reads no
// RESP3). Then the copies
// of a write (lib/protocol/gather.ts): native, JS, and the mix the proxy runs.
//   npm run build && node dist/bench/parser.js [--seconds 1]
import RedisParser from 'redis-parser';
import { CommandTable, mergeCommandInfos } from '../lib/commands/table';
import { ReplyReader } from '../lib/protocol/reply-reader';
import { RequestReader } from '../lib/protocol/request-reader';
import { createGather, type Gather } from '../lib/protocol/gather';
import { command } from '../lib/protocol/resp';
import { createJsScanners, createScanners, type Scanners } from '../lib/protocol/scanners';

const CHUNK = 64 * 1024;
const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 1;

function chunks(stream: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < stream.length; i += CHUNK) out.push(stream.subarray(i, i + CHUNK));
  return out;
}

const bulk = (b: Buffer): Buffer => Buffer.concat([Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n')]);

function repeat(unit: Buffer, bytes: number): { stream: Buffer; items: number } {
  const n = Math.max(1, Math.floor(bytes / unit.length));
  return { stream: Buffer.concat(Array(n).fill(unit)), items: n };
}

const requestStreams: Record<string, { stream: Buffer; items: number }> = {
  'small commands (GET)': repeat(command(['GET', 'key:000123']), 4 << 20),
  'SET 64 B values': repeat(command(['SET', 'key:000123', 'x'.repeat(64)]), 4 << 20),
  'SET 16 KiB values': repeat(command(['SET', 'key:000123', 'x'.repeat(16384)]), 16 << 20),
  'MGET of 100 keys': repeat(command(['MGET', ...Array.from({ length: 100 }, (_, i) => `key:${i}`)]), 4 << 20),
};

const replyStreams: Record<string, { stream: Buffer; items: number }> = {
  '+OK': repeat(Buffer.from('+OK\r\n'), 4 << 20),
  '64 B bulk strings': repeat(bulk(Buffer.alloc(64, 120)), 4 << 20),
  '16 KiB bulk strings': repeat(bulk(Buffer.alloc(16384, 120)), 16 << 20),
  '1 MiB bulk strings': repeat(bulk(Buffer.alloc(1 << 20, 120)), 32 << 20),
  'MGET reply of 1000 values': repeat(Buffer.concat([Buffer.from('*1000\r\n'), ...Array(1000).fill(bulk(Buffer.alloc(16, 120)))]), 8 << 20),
};

// RESP3 replies as Redis 7.0 writes them (what redis-parser cannot read).
const resp3Streams: Record<string, { stream: Buffer; items: number }> = {
  'RESP3 HGETALL map of 10 fields': repeat(
    Buffer.concat([Buffer.from('%10\r\n'), ...Array.from({ length: 10 }, (_, i) => [bulk(Buffer.from(`field:${i}`)), bulk(Buffer.alloc(16, 118))]).flat()]),
    4 << 20,
  ),
  'RESP3 ZSCORE doubles': repeat(Buffer.from(',3.1415926535897931\r\n'), 4 << 20),
  'RESP3 nulls (GET of a missing key)': repeat(Buffer.from('_\r\n'), 4 << 20),
  'RESP3 pub/sub message pushes': repeat(Buffer.concat([Buffer.from('>3\r\n'), bulk(Buffer.from('message')), bulk(Buffer.from('news')), bulk(Buffer.alloc(32, 109))]), 4 << 20),
  'RESP3 attribute + array (DEBUG PROTOCOL attrib)': repeat(Buffer.from('|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n*2\r\n:1\r\n:2\r\n'), 4 << 20),
};

/** Runs `once` repeatedly for about `seconds`; returns passes per second. */
function timeIt(once: () => void): number {
  once(); // warm-up
  const start = process.hrtime.bigint();
  let passes = 0;
  let elapsed = 0;
  while (elapsed < seconds) {
    once();
    passes++;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  }
  return passes / elapsed;
}

function requestRate(s: Scanners, data: Buffer[]): number {
  return timeIt(() => {
    const reader = new RequestReader(s.newRequestScanner(), s);
    const sink = { authRequired: false, onRequests: () => true };
    for (const c of data) reader.push(c, sink);
  });
}

function replyRate(s: Scanners, data: Buffer[]): number {
  return timeIt(() => {
    const reader = new ReplyReader(s.newReplyScanner(), s);
    const sink = { onReply: () => {}, onProtocolError: () => { throw new Error('protocol error'); } };
    for (const c of data) reader.push(c, sink);
  });
}

function redisParserRate(data: Buffer[]): number {
  return timeIt(() => {
    const p = new RedisParser({ returnReply: () => {}, returnError: () => {}, returnBuffers: true });
    for (const c of data) p.execute(c);
  });
}

const fmt = (bytes: number, items: number, rate: number): string => `${((bytes * rate) / 1e6).toFixed(0)} MB/s, ${((items * rate) / 1e6).toFixed(2)} M/s`;

function main(): void {
  const table = new CommandTable(mergeCommandInfos(null));
  const native = createScanners('native');
  const js = createJsScanners('bench');
  native.registerCommands(table.scannerRows());
  js.registerCommands(table.scannerRows());
  const lines = ['| stream | native | TypeScript | redis-parser | native / TypeScript |', '|---|---|---|---|---|'];
  for (const [name, { stream, items }] of Object.entries(requestStreams)) {
    const data = chunks(stream);
    const n = requestRate(native, data);
    const j = requestRate(js, data);
    lines.push(`| requests: ${name} | ${fmt(stream.length, items, n)} | ${fmt(stream.length, items, j)} | – | ${(n / j).toFixed(2)} |`);
  }
  for (const [name, { stream, items }] of Object.entries(replyStreams)) {
    const data = chunks(stream);
    const n = replyRate(native, data);
    const j = replyRate(js, data);
    const r = redisParserRate(data);
    lines.push(`| replies: ${name} | ${fmt(stream.length, items, n)} | ${fmt(stream.length, items, j)} | ${fmt(stream.length, items, r)} | ${(n / j).toFixed(2)} |`);
  }
  for (const [name, { stream, items }] of Object.entries(resp3Streams)) {
    const data = chunks(stream);
    const n = replyRate(native, data);
    const j = replyRate(js, data);
    lines.push(`| replies: ${name} | ${fmt(stream.length, items, n)} | ${fmt(stream.length, items, j)} | – | ${(n / j).toFixed(2)} |`);
  }
  console.log(`Scanner throughput, 64 KiB reads, about ${seconds} s per cell (node ${process.version}):\n`);
  console.log(lines.join('\n'));
  gatherTable();
}

/** The ranges of one write, as the proxy makes them: [source, start, end]. */
type Write = [Buffer, number, number][];

const gatherWrites: Record<string, Write> = (() => {
  const slabs = [0, 1, 2].map((i) => Buffer.alloc(128 * 1024, 97 + i));
  const head = Buffer.from('*3\r\n$3\r\nSET\r\n');
  const spread = (n: number, len: number, sources: Buffer[]): Write => Array.from({ length: n }, (_, i) => [sources[i % sources.length], (i * 997) % 100_000, ((i * 997) % 100_000) + len]);
  const mset: Write = [];
  for (let i = 0; i < 2700; i++) mset.push([head, 0, head.length], [slabs[0], i * 40, i * 40 + 95]);
  // a split MGET sends each key alone in its slot as GET: a 13 B head and the key's 22 B element
  const getHead = Buffer.from('*2\r\n$3\r\nGET\r\n');
  const mget: Write = [];
  for (let i = 0; i < 300; i++) mget.push([getHead, 0, getHead.length], [slabs[i % 3], i * 40, i * 40 + 22]);
  return {
    'backend write of split MSET -P16 (2700 parts: 14 B head + 95 B)': mset,
    'backend write of split MGET -P16 (300 parts: 13 B head + 22 B)': mget,
    'client write of 16 GET replies of 71 B (3 nodes)': spread(16, 71, slabs),
    '24 replies of 71 B (the native threshold)': spread(24, 71, slabs),
    'client write of 16 +OK replies (3 nodes)': spread(16, 5, slabs),
    '8 replies of 71 B': spread(8, 71, slabs),
    '4 replies of 71 B': spread(4, 71, slabs),
    '64 +OK replies': spread(64, 5, slabs),
  };
})();

function gatherRate(g: Gather, write: Write, out: Buffer): number {
  return timeIt(() => {
    g.begin(out);
    for (const [b, s, e] of write) g.add(b, s, e);
    g.end();
  });
}

function gatherTable(): void {
  const native = createGather('native');
  const js = createGather('js');
  const auto = createGather('auto');
  const lines = ['| write | native | JS | proxy (native from 24 ranges of 32 B, or 64 of 12 B, on average) | native / JS |', '|---|---|---|---|---|'];
  const ns = (rate: number): string => `${(1e9 / rate).toFixed(0)} ns`;
  for (const [name, write] of Object.entries(gatherWrites)) {
    const out = Buffer.allocUnsafe(write.reduce((n, [, s, e]) => n + e - s, 0));
    const n = gatherRate(native, write, out);
    const a = gatherRate(auto, write, out);
    const j = gatherRate(js, write, out);
    lines.push(`| ${name} | ${ns(n)} | ${ns(j)} | ${ns(a)} | ${(n / j).toFixed(2)} |`);
  }
  console.log(`\nCopies of one write (lib/protocol/gather.ts), time per write, about ${seconds} s per cell:\n`);
  console.log(lines.join('\n'));
}

main();

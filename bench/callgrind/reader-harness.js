// The native scanner through Node, as the proxy calls it: RequestReader.push of 64 KiB reads of a
// recorded stream (the sink takes the records and does nothing). Counted by run.sh under
// callgrind; needs `npm run build` and the built addon.
//   node bench/callgrind/reader-harness.js get|set PASSES
'use strict';
const path = require('node:path');
const dist = path.join(__dirname, '..', '..', 'dist', 'lib');
const { CommandTable, mergeCommandInfos } = require(path.join(dist, 'commands', 'table'));
const { RequestReader } = require(path.join(dist, 'protocol', 'request-reader'));
const { command } = require(path.join(dist, 'protocol', 'resp'));
const { createScanners } = require(path.join(dist, 'protocol', 'scanners'));

const kind = process.argv[2] || 'get';
const unit = kind === 'get' ? command(['GET', 'key:000123']) : command(['SET', 'key:000123', 'x'.repeat(64)]);
const n = Math.floor((1 << 20) / unit.length);
const stream = Buffer.concat(Array(n).fill(unit));
const table = new CommandTable(mergeCommandInfos(null));
const scanners = createScanners('native');
scanners.registerCommands(table.scannerRows());
const passes = Number(process.argv[3] || 5);
let scanned = 0;
for (let p = 0; p < passes; p++) {
  const reader = new RequestReader(scanners.newRequestScanner(), scanners);
  const sink = { authRequired: false, onRequests: (_buf, count) => ((scanned += count), true) };
  for (let i = 0; i < stream.length; i += 65536) reader.push(stream.subarray(i, i + 65536), sink);
}
console.log(`${kind}: ${n} commands per pass, ${scanned} scanned`);

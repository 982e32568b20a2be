#!/usr/bin/env node
'use strict';
// Writes, at build time, the command table the request-scanner fuzzer registers (a C++ header)
// and its libFuzzer dictionary, from the same Redis 7.0 snapshot lib/commands/table.ts starts
// from. Reading the generated data file (plain JSON after its declaration) keeps the fuzz build
// independent of a TypeScript compile that other people's work in progress may break.
//
//   node native/fuzz/gen-command-table.js OUT_HEADER OUT_DICT
const fs = require('node:fs');
const path = require('node:path');

const [outHeader, outDict] = process.argv.slice(2);
if (!outHeader || !outDict) {
  console.error('usage: gen-command-table.js OUT_HEADER OUT_DICT');
  process.exit(2);
}
const root = path.join(__dirname, '..', '..');
const snapshotPath = path.join(root, 'lib', 'commands', 'redis-commands.generated.ts');
const source = fs.readFileSync(snapshotPath, 'utf8');
const marker = 'export const SNAPSHOT_COMMANDS: CommandInfo[] = ';
const from = source.indexOf(marker);
const to = source.lastIndexOf('];');
if (from < 0 || to < from) throw new Error(`${snapshotPath}: SNAPSHOT_COMMANDS array not found`);
const infos = JSON.parse(source.slice(from + marker.length, to + 1));

// Rows whose request class needs every key (lib/commands/policies.ts: family('split', ...)); the
// scanner then fills key triples, the path where the shared key array can overflow.
const WANT_KEYS = new Set(['mget', 'mset', 'del', 'unlink', 'exists', 'touch']);

// Shapes a live cluster's COMMAND reply may describe (modules, newer Redis) that the 7.0 snapshot
// does not use: a keyword searched backwards, keynum with gaps, range limits above 2, a begin index
// past any real argc. Values stay within what Redis itself accepts for a key spec (relative
// indexes >= 0, steps >= 1), which lib/commands/key-spec.ts specProblem() is meant to enforce.
const spec = (begin, find) => ({ flags: [], begin, find });
const idx = (pos) => ({ type: 'index', pos });
const kw = (keyword, startfrom) => ({ type: 'keyword', keyword, startfrom });
const range = (lastkey, keystep, limit) => ({ type: 'range', lastkey, keystep, limit });
const keynum = (keynumidx, firstkey, keystep) => ({ type: 'keynum', keynumidx, firstkey, keystep });
const row = (name, arity, keySpecs, subcommands = []) => ({ name, arity, flags: [], keySpecs, subcommands });
const SYNTHETIC = [
  row('fuzz.kwback', -3, [spec(kw('keys', -1), range(-1, 1, 0)), spec(idx(1), range(0, 1, 0))]),
  row('fuzz.limit3', -2, [spec(kw('on', 1), range(-1, 2, 3))]),
  row('fuzz.steps', -2, [spec(idx(2), keynum(1, 3, 2)), spec(idx(1), range(-2, 3, 0))]),
  row('fuzz.far', -1, [spec(idx(1000), range(0, 1, 0)), spec(kw('far', 1000), range(1000, 1, 0))]),
  row('fuzz.box', -2, [], [
    row('fuzz.box|keys', -3, [spec(idx(2), range(-1, 1, 0))]),
    row('fuzz.box|num', -3, [spec(idx(2), keynum(0, 1, 1)), spec(kw('store', -2), range(0, 1, 0))]),
    row('fuzz.box|none', 2, []),
  ]),
];
for (const name of ['fuzz.kwback', 'fuzz.steps', 'fuzz.box|keys', 'fuzz.box|num']) WANT_KEYS.add(name);

// Same checks as lib/protocol/scanners.ts checkRows(): the real table never registers worse.
function check(info) {
  if (!/^[a-z0-9_\-.:|]{1,64}$/.test(info.name)) throw new Error(`bad command name ${info.name}`);
  for (const s of info.keySpecs) {
    const bad =
      (s.begin.type === 'index' && !(s.begin.pos >= 1)) ||
      (s.begin.type === 'keyword' && !s.begin.keyword) ||
      (s.find.type === 'range' && !(s.find.keystep >= 1)) ||
      (s.find.type === 'range' && s.find.limit !== 0 && s.find.lastkey !== -1) ||
      (s.find.type === 'keynum' && !(s.find.keystep >= 1));
    if (bad) throw new Error(`${info.name}: key spec the real table would refuse: ${JSON.stringify(s)}`);
  }
}

// Ids as lib/commands/table.ts assigns them: each command, then its subcommands. Unlike the real
// table, SORT and MIGRATE keep their specs (it finds their keys in TypeScript): more paths to fuzz.
const rows = [];
function add(info, parentId) {
  check(info);
  const id = rows.length + 1;
  rows.push({ id, parentId, name: info.name, arity: info.arity, wantKeys: WANT_KEYS.has(info.name), specs: info.keySpecs });
  return id;
}
for (const info of [...infos, ...SYNTHETIC]) {
  const id = add(info, 0);
  for (const sub of info.subcommands) add(sub, id);
}

const cstr = (s) => JSON.stringify(s); // names and keywords are printable ASCII
const specLines = [];
const rowLines = [];
for (const r of rows) {
  const first = specLines.length;
  for (const s of r.specs) {
    const bs = s.begin.type === 'index' ? [1, s.begin.pos, 'nullptr'] : s.begin.type === 'keyword' ? [2, s.begin.startfrom, cstr(s.begin.keyword)] : [0, 0, 'nullptr'];
    const fk =
      s.find.type === 'range' ? [1, s.find.lastkey, s.find.keystep, s.find.limit]
      : s.find.type === 'keynum' ? [2, s.find.keynumidx, s.find.firstkey, s.find.keystep]
      : [0, 0, 0, 0];
    specLines.push(`    {${[...bs, ...fk].join(', ')}},`);
  }
  rowLines.push(`    {${r.id}, ${cstr(r.name)}, ${r.parentId}, ${r.arity}, ${r.wantKeys}, ${first}, ${r.specs.length}},`);
}

const header = `// Generated by native/fuzz/gen-command-table.js from lib/commands/redis-commands.generated.ts; do not edit.
#pragma once
#include <cstddef>
#include <cstdint>

namespace slotproxy_fuzz {

struct SpecRow {
  int32_t bs, bsArg;
  const char* keyword;
  int32_t fk, a, b, c;
};

struct CommandRowDef {
  int32_t id;
  const char* name;
  int32_t parentId, arity;
  bool wantKeys;
  size_t firstSpec, specCount;
};

inline const SpecRow kSpecs[] = {
${specLines.join('\n')}
    {0, 0, nullptr, 0, 0, 0, 0},
};

inline const CommandRowDef kRows[] = {
${rowLines.join('\n')}
};

}  // namespace slotproxy_fuzz
`;

// libFuzzer dictionary: RESP framing tokens, numbers at the limits the scanner checks, and every
// command name and key-spec keyword (upper case too: lookups are case-insensitive).
const tokens = [
  '\r\n', '\r', '\n', '\0', '*', '$', '$#\r\n', '*1\r\n', '*2\r\n', '*3\r\n', '*0\r\n', '*-1\r\n', '$0\r\n\r\n', '$1\r\n', '$3\r\n',
  '-1', '0', '10', '11', '16384', '16385', '1048576', '1048577', '536870912', '536870913', '2147483647', '2147483648',
  '4294967296', '9223372036854775807', '9223372036854775808', '-9223372036854775808', '18446744073709551616',
  '{', '}', '{}', '"', "'", ' ', '\\x', 'POST', 'Host:',
];
const words = new Set();
for (const r of rows) {
  for (const part of r.name.split('|')) words.add(part);
  for (const s of r.specs) if (s.begin.type === 'keyword') words.add(s.begin.keyword.toLowerCase());
}
const escape = (s) => [...Buffer.from(s, 'latin1')].map((b) => (b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('');
const dict = [...tokens.map((t) => `"${escape(t)}"`), ...[...words].flatMap((w) => [`"${escape(w)}"`, `"${escape(w.toUpperCase())}"`])];

fs.writeFileSync(outHeader, header);
fs.writeFileSync(outDict, `# Generated by native/fuzz/gen-command-table.js; do not edit.\n${dict.join('\n')}\n`);

#!/usr/bin/env node
'use strict';
// Builds (or picks a prebuilt copy of) the native scanner addon. A failed build must not fail
// `npm install`: slotproxy then runs on its TypeScript scanners and says so at start-up.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

if (process.env.SLOTPROXY_SKIP_NATIVE_BUILD === '1') {
  console.warn('slotproxy: SLOTPROXY_SKIP_NATIVE_BUILD=1, not building the native addon (the JS scanners will be used)');
  process.exit(0);
}
const bin = require.resolve('node-gyp-build/bin.js');
const res = spawnSync(process.execPath, [bin], { stdio: 'inherit', cwd: path.join(__dirname, '..') });
if (res.status !== 0) {
  console.warn(
    'slotproxy: the native addon could not be built (needs g++, make, python3 and libhiredis-dev);\n' +
    'slotproxy will use its pure-JS scanners. Install those packages and run `npm rebuild slotproxy` to get the faster native path.',
  );
}
process.exit(0);

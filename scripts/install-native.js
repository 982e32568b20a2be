#!/usr/bin/env node
'use strict';
// The `install` script. node-gyp-build keeps the first of these that loads here:
//   1. build/Release/slotproxy.node (an earlier source build: a clone after `npm ci`);
//   2. prebuilds/<platform>-<arch>/slotproxy.<libc>.node (shipped in the npm package for the
//      platforms docs/install.md lists; made by `npm run prebuildify`);
//   3. otherwise a source build, `node-gyp rebuild` (needs g++, make and python3).
// A failed build must not fail `npm install`: slotproxy then runs on its TypeScript scanners and
// says so (and why) in `slotproxy --version` and at start-up. Exit code: always 0.
// SLOTPROXY_SKIP_NATIVE_BUILD=1 skips all of it; `npm rebuild slotproxy` runs it again, and
// `npm rebuild slotproxy --build-from-source` builds from source even where a prebuild loads.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');

function main() {
  if (process.env.SLOTPROXY_SKIP_NATIVE_BUILD === '1') {
    console.warn('slotproxy: SLOTPROXY_SKIP_NATIVE_BUILD=1, not building the native addon (the JS scanners will be used unless one is already built)');
    return;
  }
  let bin;
  try {
    bin = require.resolve('node-gyp-build/bin.js', { paths: [root] });
  } catch (err) {
    console.warn(`slotproxy: node-gyp-build is missing (${err.message.split('\n')[0]}); the JS scanners will be used`);
    return;
  }
  const res = spawnSync(process.execPath, [bin], { stdio: 'inherit', cwd: root });
  if (res.status !== 0) {
    console.warn(
      `slotproxy: no prebuilt native addon for ${process.platform}-${process.arch} loads here and a source build failed` +
        `${res.error ? ` (${res.error.message})` : ''} (it needs g++, make and python3);\n` +
        'slotproxy will use its pure-JS scanners. Install those packages and run `npm rebuild slotproxy` to get the faster native path.',
    );
  }
  // Say which addon the loader will pick (in a child: a broken addon must not fail the install).
  const probe = spawnSync(
    process.execPath,
    [
      '-e',
      'try { const f = require("node-gyp-build").resolve(process.argv[1]); require(f); console.log(f) }' +
        ' catch (e) { console.error(String(e && e.message).split("\\n")[0]); process.exit(1) }',
      root,
    ],
    { cwd: root, encoding: 'utf8' },
  );
  if (probe.status === 0) {
    console.log(`slotproxy: native scanners: ${path.relative(root, probe.stdout.trim())}`);
  } else {
    console.warn(`slotproxy: JS scanners (${(probe.stderr || '').trim().split('\n')[0] || 'the native addon does not load'})`);
  }
}

try {
  main();
} catch (err) {
  console.warn(`slotproxy: native addon step failed (${err && err.message}); the JS scanners will be used`);
}
process.exit(0);

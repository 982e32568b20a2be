#!/usr/bin/env node
'use strict';
// `npm run prebuildify`: builds the native addon for this machine's platform and architecture into
// prebuilds/<platform>-<arch>/ with prebuildify (Node-API, so one file serves every Node >= 20;
// symbols stripped), then checks what it made before anything ships it:
//   - it loads in a fresh `node` and exports the scanners;
//   - on Linux, its shared-library dependencies are only those Node itself has (glibc, libstdc++,
//     libgcc_s, libm, the loader), so that installing the package needs no other library (the
//     scanners use none; anything linked in later must be linked statically).
// node-gyp-build (the install script and lib/protocol/native.ts) loads the result when no
// build/Release/slotproxy.node exists; note that prebuildify runs `node-gyp rebuild` in build/ and
// moves the addon it built into prebuilds/, so build/Release is left without one.
// Exit code 0: prebuild made and checked; 1 otherwise.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const tuple = `${process.platform}-${process.arch}`;
const outDir = path.join(root, 'prebuilds', tuple);

/** Libraries a Node-API addon may need on Linux: the ones the node binary itself links. */
const ALLOWED_LINUX_DEPS = [
  /^linux-vdso\.so/,
  /^ld-linux[-\w.]*\.so/,
  /^libc\.so/,
  /^libm\.so/,
  /^libdl\.so/,
  /^libpthread\.so/,
  /^librt\.so/,
  /^libstdc\+\+\.so/,
  /^libgcc_s\.so/,
];

function fail(msg) {
  console.error(`prebuild: ${msg}`);
  process.exit(1);
}

function nodedir() {
  // node-gyp would otherwise download the Node headers; npm passes its `nodedir` setting to
  // scripts, and this reads it when the script was started some other way.
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const r = spawnSync('npm', ['config', 'get', 'nodedir'], { encoding: 'utf8' });
  const v = r.status === 0 ? r.stdout.trim() : '';
  return v && v !== 'undefined' && v !== 'null' ? v : undefined;
}

function nodeGyp() {
  // npm tells its scripts where its bundled node-gyp is; outside npm, look for it beside node.
  const candidates = [
    process.env.PREBUILD_NODE_GYP,
    process.env.npm_config_node_gyp,
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  try {
    candidates.push(require.resolve('node-gyp/bin/node-gyp.js', { paths: [root] }));
  } catch {
    // not a dependency of this package: fine
  }
  return candidates.find((c) => {
    try {
      return !!c && (fs.accessSync(c, fs.constants.X_OK), true);
    } catch {
      return false;
    }
  });
}

function build() {
  fs.rmSync(outDir, { recursive: true, force: true });
  const bin = require.resolve('prebuildify/bin.js', { paths: [root] });
  const env = { ...process.env };
  const dir = nodedir();
  if (dir) env.npm_config_nodedir = dir;
  const gyp = nodeGyp();
  if (!gyp) fail('node-gyp not found: run this as `npm run prebuildify`');
  env.PREBUILD_NODE_GYP = gyp; // spawned directly by prebuildify (node-gyp.js has a node shebang)
  // --target: this Node's version, so node-gyp uses the headers in nodedir (Node-API keeps the
  // result loadable by every later Node); prebuildify's default would be the newest Node it knows.
  const args = [bin, '--napi', '--strip', '--tag-libc', '--target', process.versions.node];
  console.log(`prebuild: prebuildify ${args.slice(1).join(' ')} (${tuple}${dir ? `, nodedir ${dir}` : ''})`);
  const r = spawnSync(process.execPath, args, { cwd: root, env, stdio: 'inherit' });
  if (r.status !== 0) fail(`prebuildify failed (${r.error ? r.error.message : `exit ${r.status}`})`);
  const files = fs.existsSync(outDir) ? fs.readdirSync(outDir).filter((f) => f.endsWith('.node')) : [];
  if (files.length !== 1) fail(`expected one .node file in ${path.relative(root, outDir)}, found ${JSON.stringify(files)}`);
  return path.join(outDir, files[0]);
}

function checkLinuxDeps(file) {
  const r = spawnSync('ldd', [file], { encoding: 'utf8' });
  if (r.status !== 0) fail(`ldd ${file} failed: ${r.stderr || r.error}`);
  const deps = r.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  const bad = deps.filter((l) => /not found/.test(l) || !ALLOWED_LINUX_DEPS.some((re) => re.test(path.basename(l.split(/\s/)[0]))));
  if (bad.length > 0) {
    fail(`${path.relative(root, file)} needs libraries Node does not have (link them statically):\n  ${bad.join('\n  ')}`);
  }
  // The newest symbol versions it asks of glibc and libstdc++: the oldest systems it runs on.
  const text = fs.readFileSync(file).toString('latin1');
  const newest = (re) => {
    const vs = [...new Set(text.match(re) ?? [])];
    const key = (v) => v.replace(/^\D+/, '').split('.').map(Number);
    vs.sort((a, b) => {
      const x = key(a), y = key(b);
      for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
      return 0;
    });
    return vs.at(-1) ?? 'none';
  };
  console.log(`prebuild: dependencies: ${deps.map((l) => l.split(/\s/)[0]).join(', ')}`);
  console.log(`prebuild: needs ${newest(/GLIBC_\d+(\.\d+)+/g)}, ${newest(/GLIBCXX_\d+(\.\d+)+/g)}, ${newest(/CXXABI_\d+(\.\d+)+/g)}`);
}

function checkLoads(file) {
  const code = `const a = require(${JSON.stringify(file)}); if (typeof a.RequestScanner !== 'function' || typeof a.ReplyScanner !== 'function') throw new Error('no scanners exported');`;
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' });
  if (r.status !== 0) fail(`${path.relative(root, file)} does not load: ${(r.stderr || String(r.error)).trim()}`);
}

const file = build();
if (process.platform === 'linux') checkLinuxDeps(file);
checkLoads(file);
console.log(`prebuild: ${path.relative(root, file)} (${fs.statSync(file).size} bytes) loads and is ready to pack`);

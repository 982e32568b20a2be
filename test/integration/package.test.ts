// The npm package as a user gets it: `npm run prebuildify` makes a static, stripped Node-API
// prebuild; `npm pack` ships it with dist/, the native sources and binding.gyp (and no tests); the
// tarball installs into an empty project on a machine without a compiler and loads the prebuild;
// without the prebuild it still installs and falls back to the JS scanners, saying why.
// The work happens in a copy of the package's sources in a temporary directory (node_modules
// linked to this checkout's), so this checkout's build/ and prebuilds/ are left alone.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const REPO = path.resolve(__dirname, '..', '..', '..');
const TUPLE = `${process.platform}-${process.arch}`;
/** What a source build needs and an install must not: hidden from PATH in the installs below. */
const COMPILERS = ['g++', 'gcc', 'cc', 'c++', 'clang', 'clang++', 'make', 'cmake', 'python3', 'python'];
/** Basic tools npm and the install scripts may call, besides node and npm. */
const UTILITIES = ['sh', 'bash', 'env', 'cat', 'ls', 'rm', 'mkdir', 'cp', 'mv', 'ln', 'chmod', 'uname', 'grep', 'sed', 'tr', 'head', 'tail', 'dirname', 'basename', 'tar', 'gzip'];
/** Everything the tarball may hold, as path prefixes under package/. */
const ALLOWED = [/^package\.json$/, /^README\.md$/, /^LICEN[CS]E/i, /^dist\/(lib|bin)\//, /^native\/[^/]+\.(cc|h)$/, /^binding\.gyp$/, /^scripts\/install-native\.js$/, /^prebuilds\//];

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number }): Promise<Result> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: opts.cwd, env: opts.env, timeout: opts.timeoutMs, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: number | string; killed?: boolean }) | null;
      const code = e ? (typeof e.code === 'number' ? e.code : e.killed ? -9 : -1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) + (e && typeof e.code !== 'number' ? `\n${e.message}` : '') });
    });
  });
}

function tail(r: Result, lines = 40): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout.split('\n').slice(-lines).join('\n')}\n--- stderr\n${r.stderr.split('\n').slice(-lines).join('\n')}`;
}

function which(name: string, pathVar = process.env.PATH ?? ''): string | null {
  for (const dir of pathVar.split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  return null;
}

/** The environment minus what an outer npm run or a test setting would leak into the child. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k) || /^SLOTPROXY/.test(k) || ['INIT_CWD', 'PYTHON', 'CC', 'CXX', 'MAKE', 'NODE_GYP_FORCE_PYTHON', 'PREBUILDS_ONLY'].includes(k)) continue;
    env[k] = v;
  }
  if (process.env.npm_config_nodedir) env.npm_config_nodedir = process.env.npm_config_nodedir;
  return { ...env, ...extra };
}

describe('npm package: prebuild, pack, install without a compiler', function () {
  this.timeout(300_000);

  let work = '';
  let src = '';
  let tarball = '';
  let noPrebuildTarball = '';
  let bareEnv: NodeJS.ProcessEnv = {};

  before(async function () {
    this.timeout(240_000);
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'slotproxy-package-'));
    src = path.join(work, 'src');
    fs.mkdirSync(src);
    for (const entry of ['package.json', 'package-lock.json', 'tsconfig.json', 'binding.gyp', 'README.md', '.gitignore', 'lib', 'bin', 'native', 'scripts']) {
      if (fs.existsSync(path.join(REPO, entry))) fs.cpSync(path.join(REPO, entry), path.join(src, entry), { recursive: true });
    }
    fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(src, 'node_modules'), 'dir');

    // PATH for the installs: a directory with node, npm and basic tools, and no compiler.
    const bin = path.join(work, 'bin');
    fs.mkdirSync(bin);
    fs.symlinkSync(process.execPath, path.join(bin, 'node'));
    const npm = which('npm');
    assert.ok(npm, 'npm on PATH');
    fs.symlinkSync(fs.realpathSync(npm), path.join(bin, 'npm'));
    for (const u of UTILITIES) {
      const p = which(u);
      if (p) fs.symlinkSync(p, path.join(bin, u));
    }
    bareEnv = cleanEnv({ PATH: bin });
    for (const c of COMPILERS) assert.equal(which(c, bin), null, `${c} hidden`);
  });

  after(function () {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('`npm run prebuildify` makes a stripped Node-API prebuild that needs no libhiredis.so', async function () {
    const r = await run('npm', ['run', 'prebuildify'], { cwd: src, env: cleanEnv(), timeoutMs: 180_000 });
    assert.equal(r.code, 0, tail(r));
    const dir = path.join(src, 'prebuilds', TUPLE);
    const files = fs.readdirSync(dir);
    assert.deepEqual(files, ['slotproxy.glibc.node']);
    if (process.platform === 'linux') {
      const ldd = await run('ldd', [path.join(dir, files[0])], { cwd: src, timeoutMs: 10_000 });
      assert.equal(ldd.code, 0, tail(ldd));
      assert.doesNotMatch(ldd.stdout, /hiredis|not found/, ldd.stdout);
      const libs = ldd.stdout.trim().split('\n').map((l) => path.basename(l.trim().split(/\s/)[0]).replace(/\.so.*/, ''));
      for (const lib of libs) assert.match(lib, /^(linux-vdso|ld-linux-x86-64|libc|libm|libstdc\+\+|libgcc_s|libdl|libpthread|librt)$/, ldd.stdout);
    }
  });

  it('`npm pack` ships dist/, the prebuild, native sources and binding.gyp, and no tests', async function () {
    const dest = path.join(work, 'pack');
    fs.mkdirSync(dest);
    const r = await run('npm', ['pack', '--pack-destination', dest], { cwd: src, env: cleanEnv(), timeoutMs: 180_000 });
    assert.equal(r.code, 0, tail(r));
    const tgz = fs.readdirSync(dest).filter((f) => f.endsWith('.tgz'));
    assert.equal(tgz.length, 1, String(tgz));
    tarball = path.join(dest, tgz[0]);

    const list = await run('tar', ['-tzf', tarball], { cwd: work, timeoutMs: 30_000 });
    assert.equal(list.code, 0, tail(list));
    const files = list.stdout.trim().split('\n').map((f) => f.replace(/^package\//, ''));
    for (const want of ['package.json', 'dist/lib/server.js', 'dist/bin/slotproxy.js', 'dist/lib/protocol/native.js', 'binding.gyp', 'native/addon.cc', 'native/records.h', 'scripts/install-native.js', `prebuilds/${TUPLE}/slotproxy.glibc.node`]) {
      assert.ok(files.includes(want), `${want} in the tarball`);
    }
    const stray = files.filter((f) => !ALLOWED.some((re) => re.test(f)));
    assert.deepEqual(stray, [], 'nothing but the package files');

    // The checkout itself (with test/, dist/test and native/fuzz present) packs no tests either.
    const dry = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO, env: cleanEnv(), timeoutMs: 60_000 });
    assert.equal(dry.code, 0, tail(dry));
    const listed = (JSON.parse(dry.stdout) as { files: { path: string }[] }[])[0].files.map((f) => f.path);
    assert.ok(listed.includes('dist/lib/server.js'), 'dist/lib in the package');
    assert.deepEqual(listed.filter((f) => /(^|\/)test\/|\.test\.|^native\/fuzz\/|^bench\//.test(f)), []);

    // The same package without its prebuild, as for a platform that has none.
    const x = path.join(work, 'noprebuild');
    fs.mkdirSync(x);
    assert.equal((await run('tar', ['-xzf', tarball, '-C', x], { cwd: work, timeoutMs: 30_000 })).code, 0);
    fs.rmSync(path.join(x, 'package', 'prebuilds'), { recursive: true, force: true });
    noPrebuildTarball = path.join(work, 'slotproxy-noprebuild.tgz');
    const tar = await run('tar', ['-czf', noPrebuildTarball, '-C', x, 'package'], { cwd: work, timeoutMs: 30_000 });
    assert.equal(tar.code, 0, tail(tar));
  });

  async function installInto(name: string, pkg: string, flags: string[] = []): Promise<{ app: string; install: Result; version: Result }> {
    const app = path.join(work, name);
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true }));
    const install = await run('npm', ['install', '--offline=false', '--no-audit', '--no-fund', '--foreground-scripts', ...flags, pkg], {
      cwd: app,
      env: bareEnv,
      timeoutMs: 150_000,
    });
    assert.equal(install.code, 0, tail(install));
    const version = await run(path.join(app, 'node_modules', '.bin', 'slotproxy'), ['--version'], { cwd: app, env: bareEnv, timeoutMs: 30_000 });
    assert.equal(version.code, 0, tail(version));
    return { app, install, version };
  }

  it('installs from the tarball without a compiler and loads the prebuilt addon', async function () {
    assert.ok(tarball, 'the pack test made a tarball');
    const { app, install, version } = await installInto('app-prebuild', tarball);
    const pkgDir = path.join(app, 'node_modules', 'slotproxy');
    assert.match(install.stdout, new RegExp(`slotproxy: native scanners: prebuilds/${TUPLE}/slotproxy\\.glibc\\.node`), tail(install));
    assert.equal(fs.existsSync(path.join(pkgDir, 'build')), false, 'nothing was compiled');
    assert.match(version.stdout, /^slotproxy \d+\.\d+\.\d+ \(scanners: native: native addon loaded; io_uring: /, tail(version));

    // The loader itself, as code that depends on slotproxy reaches it.
    const probe = await run(
      'node',
      ['-e', "const n = require('slotproxy/dist/lib/protocol/native.js').loadNative(); console.log(n.addon ? 'native' : 'js: ' + n.error)"],
      { cwd: app, env: bareEnv, timeoutMs: 30_000 },
    );
    assert.equal(probe.code, 0, tail(probe));
    assert.equal(probe.stdout.trim(), 'native');
  });

  it('with install scripts disabled, the prebuild is still found at run time', async function () {
    assert.ok(tarball, 'the pack test made a tarball');
    const { install, version } = await installInto('app-ignore-scripts', tarball, ['--ignore-scripts']);
    assert.doesNotMatch(install.stdout, /slotproxy: /, 'the install script did not run');
    assert.match(version.stdout, /\(scanners: native: native addon loaded; io_uring: /, tail(version));
  });

  it('without the prebuild and a compiler it still installs, and uses the JS scanners saying why', async function () {
    assert.ok(noPrebuildTarball, 'the pack test made a tarball');
    const { app, install, version } = await installInto('app-noprebuild', noPrebuildTarball);
    const said = install.stderr + install.stdout;
    assert.match(said, /a source build failed.*\n.*pure-JS scanners/, tail(install));
    assert.match(said, /slotproxy: JS scanners \(No native build was found for platform=/, tail(install));
    assert.equal(fs.existsSync(path.join(app, 'node_modules', 'slotproxy', 'build', 'Release', 'slotproxy.node')), false);
    assert.match(
      version.stdout,
      new RegExp(`^slotproxy \\d+\\.\\d+\\.\\d+ \\(scanners: js: native addon not found: no build/Release/slotproxy\\.node and no prebuild for ${TUPLE} in prebuilds/.*npm rebuild slotproxy`),
      tail(version),
    );
  });
});

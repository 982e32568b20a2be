// The native scanners under libFuzzer with ASan and UBSan (native/fuzz/, docs/fuzzing.md): every
// committed seed and every fixed crash replays cleanly, and a short fuzz run from the seeds finds
// nothing. A machine without clang fails here with what to install: fuzzing is never skipped.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../../..');
const SCRIPT = path.join(ROOT, 'scripts', 'fuzz.sh');
const OPEN = path.join(ROOT, 'native', 'fuzz', 'crashes-open');
const BUILD = path.join(process.env.SLOTPROXY_FUZZ_DIR ?? path.join(ROOT, '.slotproxy-fuzz'), 'build', 'native', 'fuzz');
// 20,000 executions per target take about 10 s on two cores; the time cap keeps a slow CI
// machine within the mocha timeout.
const RUNS = 20000;
const MAX_SECONDS = 30;

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): { status: number | null; output: string } {
  const r = spawnSync(cmd, args, { cwd: ROOT, env, encoding: 'utf8', timeout: 110_000, maxBuffer: 64 << 20 });
  return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? `\n${r.error.message}` : ''}` };
}

function libFuzzerProblem(): string | null {
  const clang = spawnSync('clang++', ['-print-runtime-dir'], { encoding: 'utf8' });
  if (clang.error || clang.status !== 0) return 'clang++ is not installed';
  const runtime = path.join(clang.stdout.trim(), `libclang_rt.fuzzer-${os.machine()}.a`);
  if (!fs.existsSync(runtime)) return `the libFuzzer runtime ${runtime} is missing`;
  return null;
}

function filesIn(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => !f.startsWith('.')).map((f) => path.join(dir, f));
}

describe('native scanners under libFuzzer (ASan + UBSan)', function () {
  this.timeout(120_000);

  before(function () {
    const problem = libFuzzerProblem();
    assert.equal(problem, null, `${problem}: run scripts/bootstrap.sh (it installs clang and libclang-rt-14-dev)`);
    const build = run('bash', [SCRIPT, '--build']);
    assert.equal(build.status, 0, `scripts/fuzz.sh --build failed:\n${build.output}`);
  });

  it('replays every committed seed and fixed crash without a crash', () => {
    const r = run('bash', [SCRIPT, '--replay']);
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, /request: replayed \d+ files, no crash/);
    assert.match(r.output, /reply: replayed \d+ files, no crash/);
  });

  it(`fuzzes each scanner for ${RUNS} executions from the seeds without a crash`, () => {
    const r = run('bash', [SCRIPT, '--runs', String(RUNS), String(MAX_SECONDS)]);
    assert.equal(r.status, 0, r.output);
    for (const target of ['request', 'reply']) {
      const m = new RegExp(`${target}: (\\d+) executions`).exec(r.output);
      assert.ok(m && Number(m[1]) > 1000, `${target}: too few executions:\n${r.output}`);
    }
  });

  // Open findings are suppressed while fuzzing; this keeps them honest. A file here that stops
  // crashing was fixed: move it to native/fuzz/crashes/ (replayed above) and drop its line from
  // crashes-open/ubsan.supp.
  for (const target of ['request', 'reply']) {
    it(`still reproduces each open ${target} finding in native/fuzz/crashes-open/`, () => {
      for (const file of filesIn(path.join(OPEN, target))) {
        const r = run(path.join(BUILD, `${target}_scanner_fuzzer`), [file], { ...process.env, UBSAN_OPTIONS: 'halt_on_error=1' });
        assert.notEqual(r.status, 0, `${path.relative(ROOT, file)} no longer crashes: move it to native/fuzz/crashes/${target}/ and drop its suppression\n${r.output}`);
      }
    });
  }
});

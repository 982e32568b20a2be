// `npm run bench` itself still works: a tiny --quick run starts its own cluster and proxy, runs
// redis-benchmark both ways and prints its table. Its figures are not looked at (speed is never
// asserted in tests); only that every row was measured, the table is whole, and the report went
// outside the tree (bench/results/ takes only runs recorded with --record).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..', '..');

describe('npm run bench --quick (smoke)', function () {
  it('measures the GET and split MGET rows through the proxy and directly, and writes the report outside the tree', async function () {
    const results = path.join(ROOT, 'bench', 'results');
    const latest = path.join(ROOT, 'bench', 'RESULTS.md');
    const before = fs.existsSync(results) ? fs.readdirSync(results).sort() : [];
    const latestBefore = fs.readFileSync(latest, 'utf8');
    const { stdout, stderr } = await run(process.execPath, [path.join(ROOT, 'dist', 'bench', 'run.js'), '--quick', '--only', 'get', '-n', '2000', '--reps', '1'], {
      cwd: ROOT,
      timeout: 110_000,
    });
    const written = /^report written to (.+)$/m.exec(stderr)?.[1];
    assert.ok(written, `no "report written to" line in:\n${stderr}`);
    try {
      assert.ok(path.isAbsolute(written) && path.relative(ROOT, written).startsWith('..'), `${written} is outside ${ROOT}`);
      assert.equal(fs.readFileSync(written, 'utf8') + '\n', stdout, 'the report file holds the table printed');
    } finally {
      fs.rmSync(written, { force: true });
    }
    assert.deepEqual(fs.existsSync(results) ? fs.readdirSync(results).sort() : [], before, 'nothing was written to bench/results/');
    assert.equal(fs.readFileSync(latest, 'utf8'), latestBefore, 'bench/RESULTS.md is unchanged');
    const rows = stdout.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| workload'));
    const main = rows.filter((l) => l.split('|').length === 13);
    assert.deepEqual(
      main.map((l) => l.split('|').slice(1, 3).map((c) => c.trim()).join(' -P ')),
      ['GET -P 1', 'GET -P 16', 'MGET (10 keys, split) -P 1', 'MGET (10 keys, split) -P 16'],
      stdout,
    );
    for (const l of main) {
      const cells = l.split('|').map((c) => c.trim());
      // direct req/s, proxy req/s and their ratio: measured, not blanks or NaN
      for (const i of [3, 4, 5]) assert.ok(Number(cells[i]) > 0, `cell ${i} of ${l}`);
      // the proxy's CPU per request, user + kernel (a tiny run may take under one 10 ms clock tick of it)
      assert.match(cells[10], /^\d+\.\d\d \+ \d+\.\d\d$/, `CPU cell of ${l}`);
      assert.match(cells[11], /^(\d+\.\d|-)$/, `steal cell of ${l}`);
    }
    // the CPU budget table: one row per workload, ending with the machine's idle share both ways
    const budget = rows.filter((l) => l.split('|').length === 9);
    assert.equal(budget.length, 4, stdout);
    for (const l of budget) assert.match(l, /\| (\d+\.\d|-) \/ (\d+\.\d|-) \|$/, `idle cell of ${l}`);
    assert.match(stdout, /CPU stolen by the hypervisor during the run: (\d+\.\d|-)%/);
  });

  it('--peer measures twemproxy against slotproxy on the issue\'s eight rows; --no-save writes no report', async function () {
    const { stdout, stderr } = await run(process.execPath, [path.join(ROOT, 'dist', 'bench', 'run.js'), '--peer', '--no-save', '-n', '2000', '--reps', '1'], {
      cwd: ROOT,
      timeout: 110_000,
    });
    assert.doesNotMatch(stderr, /report written/);
    assert.match(stdout, /twemproxy \(nutcracker-[0-9.]+, one thread/, stdout);
    const rows = stdout.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| workload'));
    assert.deepEqual(
      rows.map((l) => l.split('|').slice(1, 3).map((c) => c.trim()).join(' -P ')),
      ['SET -P 1', 'SET -P 16', 'GET -P 1', 'GET -P 16', 'MSET (10 keys, split) -P 1', 'MSET (10 keys, split) -P 16', 'MGET (10 keys, split) -P 1', 'MGET (10 keys, split) -P 16'],
      stdout,
    );
    for (const l of rows) {
      const cells = l.split('|').map((c) => c.trim());
      // both proxies' req/s and their ratio were measured
      for (const i of [3, 4, 5]) assert.ok(Number(cells[i]) > 0, `cell ${i} of ${l}`);
      // CPU per request of each proxy, user and kernel apart, and of each side's masters
      for (const i of [6, 7, 8]) assert.match(cells[i], /^\d+\.\d\d \/ \d+\.\d\d$/, `cell ${i} of ${l}`);
    }
  });

  it('--help prints the options; an unknown option or a bad count stops with the usage and exit code 2', async function () {
    const bench = path.join(ROOT, 'dist', 'bench', 'run.js');
    const { stdout } = await run(process.execPath, [bench, '--help']);
    for (const flag of ['--quick', '--record', '--no-save', '--peer', '--only']) assert.match(stdout, new RegExp(`^  ${flag} `, 'm'), stdout);
    for (const [args, message] of [
      [['--recrod'], 'unknown option "--recrod"'],
      [['--reps', 'x'], '--reps needs a whole number of at least 1, got "x"'],
      [['--record', '--no-save'], '--record and --no-save contradict each other'],
    ] as const) {
      const failed = await run(process.execPath, [bench, ...args]).then(
        () => null,
        (err: { code: number; stderr: string }) => err,
      );
      assert.ok(failed, `${args.join(' ')} was accepted`);
      assert.equal(failed.code, 2);
      assert.ok(failed.stderr.startsWith(`bench: ${message}\n`), failed.stderr);
      assert.match(failed.stderr, /--record /);
    }
  });
});

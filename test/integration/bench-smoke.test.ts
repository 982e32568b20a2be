// `npm run bench` itself still works: a tiny --quick run starts its own cluster and proxy, runs
// redis-benchmark both ways and prints its table. Its figures are not looked at (speed is never
// asserted in tests); only that every row was measured and the table is whole.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..', '..');

describe('npm run bench --quick (smoke)', function () {
  it('measures the GET and split MGET rows through the proxy and directly, and saves nothing with --no-save', async function () {
    const results = path.join(ROOT, 'bench', 'results');
    const before = fs.existsSync(results) ? fs.readdirSync(results).sort() : [];
    const { stdout } = await run(process.execPath, [path.join(ROOT, 'dist', 'bench', 'run.js'), '--quick', '--no-save', '--only', 'get', '-n', '2000', '--reps', '1'], {
      cwd: ROOT,
      timeout: 110_000,
    });
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
      // proxy CPU per 1M requests (a tiny run may take under one 10 ms clock tick of it)
      assert.match(cells[10], /^\d+\.\d\d$/, `CPU cell of ${l}`);
      assert.match(cells[11], /^(\d+\.\d|-)$/, `steal cell of ${l}`);
    }
    // the CPU budget table: one row per workload, ending with the machine's idle share both ways
    const budget = rows.filter((l) => l.split('|').length === 9);
    assert.equal(budget.length, 4, stdout);
    for (const l of budget) assert.match(l, /\| (\d+\.\d|-) \/ (\d+\.\d|-) \|$/, `idle cell of ${l}`);
    assert.match(stdout, /CPU stolen by the hypervisor during the run: (\d+\.\d|-)%/);
    assert.deepEqual(fs.existsSync(results) ? fs.readdirSync(results).sort() : [], before, '--no-save wrote no result file');
  });

  it('--peer measures twemproxy against slotproxy on the issue\'s eight rows', async function () {
    const { stdout } = await run(process.execPath, [path.join(ROOT, 'dist', 'bench', 'run.js'), '--peer', '--no-save', '-n', '2000', '--reps', '1'], {
      cwd: ROOT,
      timeout: 110_000,
    });
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
      // CPU per request of each proxy and of each side's masters
      for (const i of [6, 7]) assert.match(cells[i], /^\d+\.\d\d \/ \d+\.\d\d$/, `cell ${i} of ${l}`);
    }
  });
});

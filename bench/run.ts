// Throughput through slotproxy vs direct cluster access, measured in one run, alternating A/B.
//   npm run bench -- [--quick] [--reps N] [-n requests] [-c clients] [--tests set,get] [--pipelines 1,16]
// Starts its own cluster (3 masters) and the slotproxy daemon as a child process; prints a
// markdown table of medians and the ratio proxy/direct, and writes it to bench/results/.
import { execFile, execSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { LocalCluster } from '../lib/localcluster/local-cluster';
import { findFreePort } from '../lib/localcluster/free-port';

const run = promisify(execFile);

interface Options {
  reps: number;
  n: number;
  clients: number;
  tests: string[];
  pipelines: number[];
  parser: string;
}

function parseArgs(argv: string[]): Options {
  const quick = argv.includes('--quick');
  const opt: Options = { reps: quick ? 1 : 5, n: quick ? 50_000 : 300_000, clients: 50, tests: ['set', 'get'], pipelines: [1, 16], parser: 'auto' };
  for (let i = 0; i < argv.length; i++) {
    const next = (): string => argv[++i];
    switch (argv[i]) {
      case '--reps': opt.reps = Number(next()); break;
      case '-n': opt.n = Number(next()); break;
      case '-c': opt.clients = Number(next()); break;
      case '--tests': opt.tests = next().split(','); break;
      case '--pipelines': opt.pipelines = next().split(',').map(Number); break;
      case '--parser': opt.parser = next(); break;
    }
  }
  return opt;
}

async function benchmark(port: number, test: string, pipeline: number, o: Options, cluster: boolean): Promise<number> {
  const args = ['-h', '127.0.0.1', '-p', String(port), '-t', test, '-P', String(pipeline), '-n', String(o.n), '-c', String(o.clients), '-d', '64', '-r', '100000', '--csv'];
  if (cluster) args.push('--cluster');
  const { stdout } = await run('redis-benchmark', args, { maxBuffer: 1 << 24 });
  const line = stdout.split('\n').find((l) => l.startsWith(`"${test.toUpperCase()}`));
  if (!line) throw new Error(`no result for ${test} in: ${stdout}`);
  return Number(JSON.parse(`[${line}]`)[1]);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const cluster = await LocalCluster.start({ masters: 3, replicasPerMaster: 0 });
  const port = await findFreePort('127.0.0.1', false);
  const bin = path.join(__dirname, '..', 'bin', 'slotproxy.js');
  const proxy = spawn(process.execPath, [bin, '--port', String(port)], {
    env: { ...process.env, SLOTPROXY_CLUSTER: cluster.seeds(), SLOTPROXY_LOG_LEVEL: 'warn', SLOTPROXY_PARSER: o.parser },
    stdio: 'inherit',
  });
  try {
    await new Promise((r) => setTimeout(r, 1500));
    const rows: string[] = [];
    for (const test of o.tests) {
      for (const p of o.pipelines) {
        const direct: number[] = [];
        const viaProxy: number[] = [];
        for (let r = 0; r < o.reps; r++) {
          direct.push(await benchmark(cluster.nodes[0].port, test, p, o, true));
          viaProxy.push(await benchmark(port, test, p, o, false));
        }
        const d = median(direct);
        const v = median(viaProxy);
        rows.push(`| ${test.toUpperCase()} | ${p} | ${Math.round(d)} | ${Math.round(v)} | ${(v / d).toFixed(2)} |`);
        console.error(`${test} -P ${p}: direct ${direct.map(Math.round).join(' ')}  proxy ${viaProxy.map(Math.round).join(' ')}`);
      }
    }
    const commit = (() => {
      try {
        return execSync('git rev-parse --short HEAD', { cwd: path.join(__dirname, '..', '..') }).toString().trim();
      } catch {
        return 'unknown';
      }
    })();
    const table = [
      `machine: ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'unknown CPU'}; commit ${commit}; ${new Date().toISOString()}`,
      `redis-benchmark -c ${o.clients} -d 64 -r 100000 -n ${o.n}, medians of ${o.reps} alternating runs; direct = --cluster`,
      '',
      '| test | pipeline | direct req/s | slotproxy req/s | proxy/direct |',
      '|---|---|---|---|---|',
      ...rows,
    ].join('\n');
    console.log(table);
    const file = path.join(__dirname, '..', '..', 'bench', 'results', `${new Date().toISOString().replace(/[:.]/g, '-')}.md`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, table + '\n');
  } finally {
    proxy.kill('SIGTERM');
    await cluster.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

// Runs redis-benchmark once and reads its --csv line.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface BenchResult {
  rps: number;
  p50: number;
  p99: number;
}

export interface BenchRun {
  port: number;
  cluster: boolean;
  /** -t test names, or a custom command after the options */
  test?: string;
  command?: string[];
  pipeline: number;
  clients: number;
  requests: number;
  dataSize?: number;
  keyspace?: number;
}

export async function redisBenchmark(r: BenchRun): Promise<BenchResult> {
  const args = ['-h', '127.0.0.1', '-p', String(r.port), '-P', String(r.pipeline), '-n', String(r.requests), '-c', String(r.clients)];
  args.push('-d', String(r.dataSize ?? 64), '-r', String(r.keyspace ?? 100000), '--csv');
  if (r.cluster) args.push('--cluster');
  if (r.test) args.push('-t', r.test);
  if (r.command) args.push(...r.command);
  const { stdout } = await run('redis-benchmark', args, { maxBuffer: 1 << 24, timeout: 600_000 });
  const line = stdout
    .split('\n')
    .filter((l) => l.startsWith('"') && !l.startsWith('"test"'))
    .pop();
  if (!line) throw new Error(`redis-benchmark printed no result: ${stdout.slice(0, 500)}`);
  const cols = JSON.parse(`[${line}]`) as string[];
  return { rps: Number(cols[1]), p50: Number(cols[4]), p99: Number(cols[6]) };
}

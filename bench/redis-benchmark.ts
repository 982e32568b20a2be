// Runs redis-benchmark once and reads its --csv line.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { TICKS } from './proc';

const run = promisify(execFile);

export interface BenchResult {
  rps: number;
  p50: number;
  p99: number;
  /** CPU seconds redis-benchmark itself used (user + system) */
  cpu: number;
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
  /** each connection says HELLO 3 first (redis-benchmark -3): replies in RESP3 */
  resp3?: boolean;
}

export async function redisBenchmark(r: BenchRun): Promise<BenchResult> {
  const args = ['-h', '127.0.0.1', '-p', String(r.port), '-P', String(r.pipeline), '-n', String(r.requests), '-c', String(r.clients)];
  args.push('-d', String(r.dataSize ?? 64), '-r', String(r.keyspace ?? 100000), '--csv');
  if (r.cluster) args.push('--cluster');
  if (r.resp3) args.push('-3');
  if (r.test) args.push('-t', r.test);
  if (r.command) args.push(...r.command);
  // Run under a shell that prints its children's CPU time once redis-benchmark has exited
  // (fields cutime and cstime of /proc/<shell>/stat), so the load generator's share is known.
  const script = 'redis-benchmark "$@"; status=$?; read -r stat < /proc/$$/stat; echo "cpu-ticks ${stat##*) }"; exit $status';
  const { stdout } = await run('bash', ['-c', script, 'bash', ...args], { maxBuffer: 1 << 24, timeout: 600_000 });
  const ticks = stdout.split('\n').find((l) => l.startsWith('cpu-ticks '));
  // after ") ": state is field 0, so cutime and cstime are fields 13 and 14
  const fields = ticks ? ticks.slice('cpu-ticks '.length).split(' ') : [];
  const cpu = (Number(fields[13] ?? 0) + Number(fields[14] ?? 0)) / TICKS;
  const line = stdout
    .split('\n')
    .filter((l) => l.startsWith('"') && !l.startsWith('"test"'))
    .pop();
  if (!line) throw new Error(`redis-benchmark printed no result: ${stdout.slice(0, 500)}`);
  const cols = JSON.parse(`[${line}]`) as string[];
  return { rps: Number(cols[1]), p50: Number(cols[4]), p99: Number(cols[6]), cpu };
}

// SLOTPROXY_WORKERS: several processes behind one port. Connections are spread over the workers,
// INFO and the metrics add all of them up, RESETSTAT reaches every one, a killed worker is
// replaced, and SIGTERM stops them all.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import Redis from 'ioredis';
import { findFreePort } from '../../lib/localcluster/free-port';
import { sharedCluster } from '../harness/mocha-hooks';
import { until } from '../harness/wait';

const BIN = path.join(__dirname, '..', '..', 'bin', 'slotproxy.js');

const field = (info: string, name: string): string => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim() ?? '';
const calls = (info: string, command: string): number => Number(/calls=(\d+)/.exec(field(info, `cmdstat_${command}`))?.[1] ?? 0);

async function scrape(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  assert.equal(res.status, 200);
  return res.text();
}

const sample = (text: string, line: string): number => {
  const m = new RegExp(`^${line.replace(/[{}"]/g, (c) => `\\${c}`)} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
};

describe('SLOTPROXY_WORKERS', function () {
  this.timeout(90_000);

  it('spreads connections over the workers, adds their figures up and replaces a killed one', async function () {
    const cluster = await sharedCluster();
    const port = await findFreePort('127.0.0.1', false);
    const metricsPort = await findFreePort('127.0.0.1', false);
    const child = spawn(process.execPath, [BIN, '--port', String(port), '--workers', '2', '--metrics-port', String(metricsPort)], {
      env: { PATH: process.env.PATH, SLOTPROXY_CLUSTER: cluster.seeds(), SLOTPROXY_LOG_LEVEL: 'info', SLOTPROXY_ADMIN_COMMANDS: 'yes' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const clients: Redis[] = [];
    const connect = (): Redis => {
      const c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: false });
      c.on('error', () => {});
      clients.push(c);
      return c;
    };
    try {
      await until(() => out.includes('listening on'), 'the workers listen', 30_000);
      const start = JSON.parse(out.split('\n').find((l) => l.includes('listening on'))!);
      assert.equal(start.workers, 2);
      assert.match(start.msg, /2 workers; (native|js) scanners/);
      const pids: number[] = start.pids;

      // connections are handed to the workers in turn
      const conns = Array.from({ length: 8 }, connect);
      const served = await Promise.all(conns.map(async (c) => Number(field(await c.info('server'), 'process_id'))));
      assert.deepEqual([...new Set(served)].sort(), [...pids].sort(), 'both workers serve clients');

      // every connection writes and reads its own keys; INFO from any one counts them all
      await Promise.all(conns.map(async (c, i) => {
        for (let k = 0; k < 25; k++) assert.equal(await c.set(`workers:${i}:${k}`, String(k)), 'OK');
        for (let k = 0; k < 25; k++) assert.equal(await c.get(`workers:${i}:${k}`), String(k));
      }));
      const info = await conns[0].info('everything');
      assert.equal(field(info, 'slotproxy_workers'), '2');
      assert.equal(field(info, 'connected_clients'), '8');
      assert.equal(calls(info, 'set'), 200);
      assert.equal(calls(info, 'get'), 200);
      assert.match(field(info, 'latency_percentiles_usec_get'), /^p50=\d+\.000,p99=\d+\.000,p99\.9=\d+\.000$/);
      const metrics = await scrape(metricsPort);
      assert.equal(sample(metrics, 'slotproxy_workers'), 2);
      assert.equal(sample(metrics, 'slotproxy_requests_total{command="set"}'), 200);
      assert.equal(sample(metrics, 'slotproxy_request_duration_seconds_count{command="get"}'), 200);
      assert.equal(sample(metrics, 'slotproxy_clients{state="normal"}'), 8);

      // client ids are unique across workers (CLIENT KILL ID must not meet another's client)
      const ids = await Promise.all(conns.map((c) => c.client('ID') as Promise<number>));
      assert.equal(new Set(ids).size, ids.length, `distinct ids: ${ids.join(' ')}`);

      // a script loaded through one worker is repaired by the other after a node lost it
      const onA = conns[served.indexOf(pids[0])];
      const onB = conns[served.indexOf(pids[1])];
      const sha = (await onA.script('LOAD', 'return ARGV[1]')) as string;
      for (const node of cluster.nodes) await cluster.cli(node, 'SCRIPT', 'FLUSH');
      for (let k = 0; k < 6; k++) assert.equal(await onB.evalsha(sha, 1, `workers:script:${k}`, `v${k}`), `v${k}`);

      // RESETSTAT on one worker resets the others too
      assert.equal(await conns[1].call('PROXY', 'RESETSTAT'), 'OK');
      await until(async () => calls(await conns[2].info('commandstats'), 'set') === 0, 'every worker reset its statistics');

      // one worker dies: its clients lose their connection, the other worker's keep working,
      // and a replacement takes its place
      const victim = pids[0];
      process.kill(victim, 'SIGKILL');
      await until(() => out.includes(`worker ${victim} exited (SIGKILL); starting a replacement`), 'the primary notices');
      const survivors = conns.filter((_, i) => served[i] !== victim);
      for (const c of survivors) assert.equal(await c.ping(), 'PONG');
      let now: number[] = [];
      await until(async () => {
        const fresh = Array.from({ length: 4 }, connect);
        now = await Promise.all(fresh.map(async (c) => Number(field(await c.info('server'), 'process_id'))));
        for (const c of fresh) c.disconnect();
        return new Set(now).size === 2;
      }, 'a replacement worker serves clients', 30_000);
      assert.ok(!now.includes(victim));
      assert.equal(field(await survivors[0].info('server'), 'slotproxy_workers'), '2');
      for (const c of Array.from({ length: 4 }, connect)) assert.equal(await c.get('workers:0:1'), '1');

      child.kill('SIGTERM');
      assert.equal(await exited, 0, 'SIGTERM stops the primary and its workers');
      for (const pid of now) assert.throws(() => process.kill(pid, 0), /ESRCH/, `worker ${pid} is gone`);
    } finally {
      for (const c of clients) c.disconnect();
      child.kill('SIGKILL');
    }
  });
});

// The slotproxy command: configuration errors, --help, and a real run in front of a cluster.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { OPTIONS } from '../../lib/config';
import { findFreePort } from '../../lib/localcluster/free-port';
import { sharedCluster } from '../harness/mocha-hooks';
import { sleep, until } from '../harness/wait';

/** What the proxy says to a new connection before it closes it (nothing sent). */
function firstReply(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const socket = net.connect(port, '127.0.0.1');
    socket.on('data', (d) => (text += d.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(text));
  });
}

const BIN = path.join(__dirname, '..', '..', 'bin', 'slotproxy.js');
const run = promisify(execFile);

async function exitOf(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH, ...env }, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/**
 * The daemon in front of the shared cluster, on a free port, reading `conf` from a config file
 * (rewrite `file` and send SIGHUP to change it); stop() kills it and removes the file.
 */
async function daemonWithConfigFile(conf: string) {
  const cluster = await sharedCluster();
  const port = await findFreePort('127.0.0.1', false);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slotproxy-conf-'));
  const file = path.join(dir, 'slotproxy.env');
  fs.writeFileSync(file, conf);
  const child = spawn(process.execPath, [BIN, '--port', String(port), '--config-file', file], {
    env: { PATH: process.env.PATH, SLOTPROXY_CLUSTER: cluster.seeds().split(',')[0], SLOTPROXY_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const stop = (): void => {
    child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await until(() => out.includes('listening on'), 'the daemon listens');
  } catch (err) {
    stop();
    throw err;
  }
  return { port, file, child, exited, output: () => out, stop };
}

describe('the slotproxy command', function () {
  it('--help lists every setting with its default', async function () {
    const { code, stdout } = await exitOf(['--help']);
    assert.equal(code, 0);
    for (const spec of Object.values(OPTIONS)) assert.ok(stdout.includes(spec.env), `${spec.env} in --help`);
  });

  it('--version names the scanners in use', async function () {
    const { code, stdout } = await exitOf(['--version']);
    assert.equal(code, 0);
    assert.match(stdout, /^slotproxy \d+\.\d+\.\d+ \(scanners: (native|js): /);
    assert.match(stdout, /; io_uring: (on|off \(.+\))\)$/m);
    const js = await exitOf(['--version'], { SLOTPROXY_PARSER: 'js' });
    assert.match(js.stdout, /scanners: js: SLOTPROXY_PARSER=js; io_uring: off \(JS scanners\)/);
    const off = await exitOf(['--version'], { SLOTPROXY_IO_URING: 'off' });
    assert.match(off.stdout, /io_uring: off \(SLOTPROXY_IO_URING=off\)/);
  });

  for (const [env, value] of [
    ['SLOTPROXY_PORT', 'abc'],
    ['SLOTPROXY_PORT', '70000'],
    ['SLOTPROXY_CLUSTER', 'nohostport'],
    ['SLOTPROXY_PARSER', 'fast'],
    ['SLOTPROXY_MAX_QUERY_BUFFER', '12 parsecs'],
    ['SLOTPROXY_DEMO', 'maybe'],
    ['SLOTPROXY_WORKERS', 'many'],
    ['SLOTPROXY_WORKERS', '0'],
  ]) {
    it(`a bad ${env} (${JSON.stringify(value)}) stops start-up with one line and exit code 2`, async function () {
      const { code, stderr } = await exitOf([], { [env]: value, SLOTPROXY_CLUSTER: env === 'SLOTPROXY_CLUSTER' ? value : '127.0.0.1:1' });
      assert.equal(code, 2);
      const lines = stderr.trim().split('\n');
      assert.equal(lines.length, 1, stderr);
      assert.match(lines[0], new RegExp(`^slotproxy: ${env} must be `));
    });
  }

  it('an unknown flag and a missing cluster are refused with exit code 2', async function () {
    assert.equal((await exitOf(['--no-such-flag'])).code, 2);
    const none = await exitOf([]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no cluster configured.*--demo/);
  });

  it('no seed answering is a clear failure', async function () {
    const port = await findFreePort('127.0.0.1', false);
    const { code, stderr } = await exitOf([], { SLOTPROXY_CLUSTER: `127.0.0.1:${port}`, SLOTPROXY_LOG_LEVEL: 'silent' });
    assert.equal(code, 1);
    assert.match(stderr, /no cluster node answered CLUSTER SLOTS/);
    // with workers, the first worker's failure ends the start the same way
    const workers = await exitOf([], { SLOTPROXY_CLUSTER: `127.0.0.1:${port}`, SLOTPROXY_LOG_LEVEL: 'silent', SLOTPROXY_WORKERS: '2' });
    assert.equal(workers.code, 1);
    assert.match(workers.stderr, /no cluster node answered CLUSTER SLOTS/);
    assert.match(workers.stderr, /worker \d+ exited before listening/);
  });

  it('SIGTERM lets a request in flight finish; SIGHUP reloads the config file', async function () {
    const { port, file, child, exited, output, stop } = await daemonWithConfigFile('# test\nSLOTPROXY_PASSWORD=first\n');
    const clients: Redis[] = [];
    try {
      const a = new Redis({ port, host: '127.0.0.1', password: 'first', maxRetriesPerRequest: 0, retryStrategy: () => null });
      clients.push(a);
      assert.equal(await a.ping(), 'PONG');
      // the flag's port wins over the file's; the file's backend connection count needs a restart
      fs.writeFileSync(file, 'SLOTPROXY_PASSWORD=second\nSLOTPROXY_PORT=1\nSLOTPROXY_BACKEND_CONNECTIONS=3\n');
      child.kill('SIGHUP');
      await until(() => output().includes('SIGHUP: settings reloaded'), 'the reload is logged');
      assert.match(output(), /need a restart: SLOTPROXY_BACKEND_CONNECTIONS"/);
      const b = new Redis({ port, host: '127.0.0.1', password: 'second', maxRetriesPerRequest: 0, retryStrategy: () => null });
      clients.push(b);
      assert.equal(await b.ping(), 'PONG');
      await assert.rejects(b.auth('first'), /WRONGPASS/);
      // a blocked command is in flight when SIGTERM comes: it is answered before the exit
      const popped = a.blpop('daemon:drain', 1);
      await sleep(100);
      child.kill('SIGTERM');
      assert.equal(await popped, null, 'BLPOP timed out normally, its reply was delivered');
      assert.equal(await exited, 0, 'the daemon exits cleanly once the BLPOP is answered');
    } finally {
      for (const c of clients) c.disconnect();
      stop();
    }
  });

  it("one column decides SIGHUP and PROXY CONFIG SET: what SET refuses, SIGHUP reports as needing a restart; what both take, works", async function () {
    const { port, file, child, output, stop } = await daemonWithConfigFile('SLOTPROXY_ADMIN_COMMANDS=yes\n');
    const clients: Redis[] = [];
    const connect = (): Redis => {
      const c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
      c.on('error', () => {});
      clients.push(c);
      return c;
    };
    try {
      const admin = connect();
      await admin.connect();
      await assert.rejects(admin.call('PROXY', 'CONFIG', 'SET', 'backend-connections', '3'), /ERR 'backend-connections' cannot be changed while slotproxy runs \(set SLOTPROXY_BACKEND_CONNECTIONS and restart\)/);
      fs.writeFileSync(file, 'SLOTPROXY_ADMIN_COMMANDS=yes\nSLOTPROXY_BACKEND_CONNECTIONS=3\nSLOTPROXY_MAX_CLIENTS=2\n');
      child.kill('SIGHUP');
      await until(() => output().includes('SIGHUP: settings reloaded'), 'the reload is logged');
      const reloaded = JSON.parse(output().split('\n').find((l) => l.includes('SIGHUP: settings reloaded'))!);
      assert.deepEqual(reloaded.needRestart, ['SLOTPROXY_BACKEND_CONNECTIONS'], 'the setting PROXY CONFIG SET refused needs a restart; max clients does not');
      assert.deepEqual(await admin.call('PROXY', 'CONFIG', 'GET', 'backend-connections', 'max-clients'), ['backend-connections', '1', 'max-clients', '2']);
      // max clients, taken over by SIGHUP: a third client is refused
      assert.equal(await connect().ping(), 'PONG');
      assert.equal(await firstReply(port), '-ERR max number of clients reached\r\n');
      // and by PROXY CONFIG SET: now it is let in
      assert.equal(await admin.call('PROXY', 'CONFIG', 'SET', 'max-clients', '3'), 'OK');
      assert.equal(await connect().ping(), 'PONG');
      // admin commands too (SIGHUP always took them over; PROXY CONFIG SET used to refuse them)
      assert.equal(await admin.call('PROXY', 'CONFIG', 'SET', 'admin-commands', 'no'), 'OK');
      await assert.rejects(admin.call('PROXY', 'CONFIG', 'SET', 'max-clients', '4'), /PROXY CONFIG SET is turned off/);
    } finally {
      for (const c of clients) c.disconnect();
      stop();
    }
  });

  it('serves clients in front of a cluster and stops on SIGTERM', async function () {
    const cluster = await sharedCluster();
    const port = await findFreePort('127.0.0.1', false);
    const child = spawn(process.execPath, [BIN, '--port', String(port)], {
      env: { PATH: process.env.PATH, SLOTPROXY_CLUSTER: cluster.seeds().split(',')[0], SLOTPROXY_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await until(() => out.includes('listening on'), 'the daemon listens');
      const lines = out.trim().split('\n');
      assert.equal(lines.length, 1, `one start-up line: ${out}`);
      assert.match(lines[0], /slotproxy \d+\.\d+\.\d+ listening on 127\.0\.0\.1:\d+; (native|js) scanners \(.+\); cluster of 3 masters serving 16384 slots/);
      const client = new Redis({ port, host: '127.0.0.1' });
      try {
        assert.equal(await client.set('daemon:k', 'v'), 'OK');
        assert.equal(await client.get('daemon:k'), 'v');
      } finally {
        client.disconnect();
      }
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
  });
});

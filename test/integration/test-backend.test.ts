// The choice of backend for the shared test cluster. The container backend cannot run on this
// project's machines (no container engine), so what is checked is what must hold there: the
// default is untouched, a wrong name is refused, and asking for containers fails in one clear
// line. Its readiness check is fed the replies a real cluster gives.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { respCommands, RespError, type RespValue } from '../../lib/localcluster/resp-client';
import { backendName, startSharedCluster } from '../harness/cluster-backend';
import { sharedCluster } from '../harness/mocha-hooks';
import { sleep } from '../harness/wait';
import { binariesFor, readinessProblem } from '../harness/container-cluster';

/** Loads the harness as mocha would, asks for the shared cluster and reports what happened. */
const CHILD = `
const path = require('node:path');
const tc = path.sep + 'node_modules' + path.sep + 'testcontainers' + path.sep;
const loaded = () => Object.keys(require.cache).some((f) => f.includes(tc));
const hooks = require(process.argv[1]);
const atLoad = loaded();
hooks.sharedCluster().then(
  () => { console.log(JSON.stringify({ started: true })); process.exit(3); },
  (err) => console.log(JSON.stringify({ atLoad, message: err.message })),
);`;

function runChild(env: NodeJS.ProcessEnv): Promise<{ started?: boolean; atLoad?: boolean; message?: string }> {
  const hooks = path.join(__dirname, '..', 'harness', 'mocha-hooks.js');
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', CHILD, hooks], { env, timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`child failed: ${err.message}\n${stderr}`));
      try {
        resolve(JSON.parse(stdout.trim().split('\n').pop()!));
      } catch {
        reject(new Error(`child printed no result: ${stdout}\n${stderr}`));
      }
    });
  });
}

describe('test cluster backend selection', function () {
  it('is local unless SLOTPROXY_TEST_BACKEND names another, and refuses names it does not know', async function () {
    assert.equal(backendName({}), 'local');
    assert.equal(backendName({ SLOTPROXY_TEST_BACKEND: '' }), 'local');
    assert.equal(backendName({ SLOTPROXY_TEST_BACKEND: 'local' }), 'local');
    assert.equal(backendName({ SLOTPROXY_TEST_BACKEND: 'testcontainers' }), 'testcontainers');
    const refused = /^SLOTPROXY_TEST_BACKEND=docker: unknown test backend; use local or testcontainers/;
    assert.throws(() => backendName({ SLOTPROXY_TEST_BACKEND: 'docker' }), { message: refused });
    // refused before anything is started, local processes included
    await assert.rejects(startSharedCluster({ SLOTPROXY_TEST_BACKEND: 'docker' }), { message: refused });
  });

  it('with SLOTPROXY_TEST_BACKEND=testcontainers and no container runtime, sharedCluster() rejects in one clear line', async function () {
    // Where an engine's socket exists a runtime could be found, and this test must start nothing.
    const sockets = ['/var/run/docker.sock', `/run/user/${os.userInfo().uid}/docker.sock`].filter((s) => existsSync(s));
    if (sockets.length > 0) this.skip();
    // A private HOME and socket dir: no ~/.testcontainers.properties or rootless socket of the
    // user's can point testcontainers elsewhere, and DOCKER_HOST names a socket that is not there,
    // so the probe touches no network at all.
    const home = await mkdtemp(path.join(os.tmpdir(), 'slotproxy-no-engine-'));
    try {
      const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, XDG_RUNTIME_DIR: home, DOCKER_HOST: `unix://${home}/no-engine.sock`, SLOTPROXY_TEST_BACKEND: 'testcontainers' };
      const got = await runChild(env);
      assert.equal(got.started, undefined, 'no cluster may start');
      assert.equal(got.atLoad, false, 'loading the harness must not load testcontainers');
      assert.match(got.message ?? '', /^SLOTPROXY_TEST_BACKEND=testcontainers: no container runtime was found \(Could not find a working container runtime strategy\); .*unset SLOTPROXY_TEST_BACKEND/);
      assert.doesNotMatch(got.message ?? '', /\n/, 'one line');
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('names the binaries of Valkey images, which need not have redis-* links', function () {
    assert.deepEqual(binariesFor('valkey/valkey:8'), { server: 'valkey-server', cli: 'valkey-cli' });
    assert.deepEqual(binariesFor('redis:7.4'), { server: 'redis-server', cli: 'redis-cli' });
  });
});

describe('container cluster readiness', function () {
  const ports = [7001, 7002, 7003, 7004, 7005, 7006];
  const info = (state: string, known = 6): string => `cluster_state:${state}\r\ncluster_slots_assigned:16384\r\ncluster_known_nodes:${known}\r\n`;
  const ep = (port: number, host = '127.0.0.1'): RespValue => [host, port, `id${port}`, []];
  const slots = (withReplicas: boolean, host = '127.0.0.1'): RespValue => [
    [0, 5460, ep(7001), ...(withReplicas ? [ep(7005, host)] : [])],
    [5461, 10922, ep(7002), ...(withReplicas ? [ep(7006)] : [])],
    [10923, 16383, ep(7003), ...(withReplicas ? [ep(7004)] : [])],
  ];
  const views = (over: Partial<{ info: RespValue; slots: RespValue }> = {}, at = 3) =>
    ports.map((port, i) => ({ port, info: info('ok'), slots: slots(true), ...(i === at ? over : {}) }));

  it('is ready when every node is ok, knows all six, and lists 3 masters and 3 synced replicas at 127.0.0.1', function () {
    assert.equal(readinessProblem(views(), ports), null);
  });

  it('waits for state ok, all nodes known, synced replicas, gossiped hostnames and agreement', function () {
    assert.match(readinessProblem(views({ info: info('fail') }), ports)!, /7004 reports cluster_state:fail/);
    assert.match(readinessProblem(views({ info: info('ok', 5) }), ports)!, /7004 knows 5 of 6 nodes/);
    assert.match(readinessProblem(views({ slots: slots(false) }), ports)!, /3 masters and 0 synced replicas/);
    // before gossip carries a peer's hostname, Redis lists it as "?"
    assert.match(readinessProblem(views({ slots: slots(true, '?') }), ports)!, /lists \?:7005/);
    assert.match(readinessProblem(views({ info: new RespError('ERR This instance has cluster support disabled') }), ports)!, /cluster support disabled/);
    const swapped: RespValue = [[0, 5460, ep(7002), ep(7005)], [5461, 10922, ep(7001), ep(7006)], [10923, 16383, ep(7003), ep(7004)]];
    assert.match(readinessProblem(views({ slots: swapped }), ports)!, /7004 disagrees with 127\.0\.0\.1:7001 on slot owners/);
  });

  it('accepts the replies of a real cluster: the shared one, on whichever backend', async function () {
    const ports = (await sharedCluster()).nodes.map((n) => n.port);
    // replicas join CLUSTER SLOTS late on a fresh local cluster (its replication ping is 10 s)
    const deadline = Date.now() + 20_000;
    for (;;) {
      const views = await Promise.all(ports.map(async (port) => {
        const [info, slots] = await respCommands('127.0.0.1', port, [['CLUSTER', 'INFO'], ['CLUSTER', 'SLOTS']]);
        return { port, info: info!, slots: slots! };
      }));
      const problem = readinessProblem(views, ports);
      if (problem === null) return;
      assert.ok(Date.now() < deadline, `the shared cluster is still not ready by readinessProblem: ${problem}`);
      await sleep(200);
    }
  });
});

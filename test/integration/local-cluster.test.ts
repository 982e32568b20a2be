// The local Redis Cluster harness itself: every other integration test stands on it, so it has to
// build a real cluster, survive a master's death, and leave no process or directory behind.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { canBind, findFreePort } from '../../lib/localcluster/free-port';
import { LocalCluster, startStandalone, trackedPids, type LocalNode } from '../../lib/localcluster/local-cluster';
import { runRedisCli } from '../../lib/localcluster/redis-cli';
import { respCommands } from '../../lib/localcluster/resp-client';

/** Gone, or a zombie nobody has reaped yet (the test's grandchildren are reparented away). */
function processIsDead(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return true;
    throw err;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return /^[ZX]$/.test(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3));
  } catch {
    return true;
  }
}

async function eventually(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function assertGone(pid: number): void {
  assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, `pid ${pid} should be gone`);
}

function allRanges(nodes: Array<{ slots: Array<[number, number]> }>): Array<[number, number]> {
  return nodes.flatMap((n) => n.slots).sort((a, b) => a[0] - b[0]);
}

describe('LocalCluster (3 masters + 3 replicas)', function () {
  // Also right without .mocharc.json's timeout: a failover takes a few seconds.
  this.timeout(60_000);
  let cluster: LocalCluster;
  let victim: LocalNode;
  let victimPid: number;
  let heir: LocalNode;

  before(async function () {
    cluster = await LocalCluster.start();
  });

  after(async function () {
    await cluster?.stop();
  });

  it('starts 6 nodes: 3 masters with one replica each, covering all 16384 slots', async function () {
    assert.equal(cluster.nodes.length, 6);
    assert.equal(new Set(cluster.nodes.map((n) => n.port)).size, 6);
    for (const n of cluster.nodes) {
      assert.equal(n.host, '127.0.0.1');
      assert.ok(n.pid > 0 && !processIsDead(n.pid), `node ${n.port} runs`);
      assert.ok(n.port + 10000 <= 65535, `bus port of ${n.port} fits`);
    }
    assert.equal(cluster.seeds(), cluster.nodes.map((n) => `127.0.0.1:${n.port}`).join(','));

    const infos = await cluster.clusterNodes();
    assert.equal(infos.length, 6);
    const masters = infos.filter((n) => n.role === 'master');
    assert.equal(masters.length, 3);
    for (const m of masters) {
      assert.equal(infos.filter((n) => n.role === 'replica' && n.masterId === m.id).length, 1, `master ${m.port} has one replica`);
    }
    let next = 0;
    for (const [a, b] of allRanges(masters)) {
      assert.equal(a, next, `slots from ${next} are covered`);
      next = b + 1;
    }
    assert.equal(next, 16384);
    assert.deepEqual((await cluster.masters()).map((n) => n.port).sort(), masters.map((m) => m.port).sort());
  });

  it('serves SET/GET through redis-cli -c from any node', async function () {
    for (let i = 0; i < 6; i++) {
      const key = `lc:key:${i}`;
      assert.equal(await cluster.cli(cluster.nodes[i]!, '-c', 'SET', key, `v${i}`), 'OK');
      assert.equal(await cluster.cli(cluster.nodes[(i + 3) % 6]!, '-c', 'GET', key), `v${i}`);
    }
  });

  it('promotes the replica when a master is SIGKILLed, keeping acknowledged writes', async function () {
    const infos = await cluster.clusterNodes();
    victim = (await cluster.masters())[0]!;
    victimPid = victim.pid;
    const victimInfo = infos.find((n) => n.port === victim.port)!;
    const heirInfo = infos.find((n) => n.role === 'replica' && n.masterId === victimInfo.id)!;
    heir = cluster.node(heirInfo.port)!;

    let key = '';
    for (let i = 0; !key; i++) {
      const slot = Number(await cluster.cli(victim, 'CLUSTER', 'KEYSLOT', `lc:fo:${i}`));
      if (victimInfo.slots.some(([a, b]) => a <= slot && slot <= b)) key = `lc:fo:${i}`;
    }
    // WAIT covers the writes of its own connection only: both on one (two redis-cli runs would
    // make WAIT answer at once, whether or not the SET had reached the replica)
    assert.deepEqual(await respCommands(victim.host, victim.port, [['SET', key, 'survives'], ['WAIT', '1', '5000']], { password: cluster.password, timeoutMs: 10_000 }), ['OK', 1], 'the replica acknowledged the write');

    cluster.kill(victim);
    await cluster.waitForStable();
    const masters = await cluster.masters();
    assert.ok(!masters.includes(victim), 'the killed node is no master any more');
    assert.ok(masters.includes(heir), 'its replica took over');
    assert.equal(masters.length, 3);
    // asked of the heir itself: `-c` through another node could still be sent to the dead
    // victim by a node whose view lags (redis-cli then prints nothing; seen once)
    assert.equal(await cluster.cli(heir, 'GET', key), 'survives');
    await eventually(() => processIsDead(victimPid), 'the killed node is gone');
  });

  it('restart() brings the killed master back as a replica of its successor', async function () {
    await cluster.restart(victim);
    assert.notEqual(victim.pid, victimPid);
    await cluster.waitForStable();
    const infos = await cluster.clusterNodes();
    const back = infos.find((n) => n.port === victim.port)!;
    assert.equal(back.role, 'replica');
    assert.equal(back.masterId, infos.find((n) => n.port === heir.port)!.id);
  });

  it('stop() ends every node and removes its directory, and can be called again', async function () {
    const pids = cluster.nodes.map((n) => n.pid);
    const dir = cluster.dir;
    assert.ok(existsSync(dir));
    await cluster.stop();
    for (const pid of pids) assertGone(pid);
    assert.equal(existsSync(dir), false, `${dir} was removed`);
    await cluster.stop();
  });
});

describe('LocalCluster options', function () {
  this.timeout(60_000);

  it('starts two clusters in parallel on disjoint ports, one with a password', async function () {
    const [plain, locked] = await Promise.all([
      LocalCluster.start({ replicasPerMaster: 0 }),
      LocalCluster.start({ replicasPerMaster: 1, password: 's3cret' }),
    ]);
    try {
      const used = (c: LocalCluster): number[] => c.nodes.flatMap((n) => [n.port, n.port + 10000]);
      const all = [...used(plain), ...used(locked)];
      assert.equal(new Set(all).size, all.length, 'no port (or bus port) is used twice');
      assert.equal(plain.nodes.length, 3);
      assert.equal(locked.nodes.length, 6);
      assert.equal(await locked.cli(locked.nodes[0]!, '-c', 'SET', 'lc:pw', 'x'), 'OK');
      assert.match(await runRedisCli({ host: '127.0.0.1', port: locked.nodes[0]!.port }, ['PING']), /NOAUTH/);
      // The replicas synced, so masterauth was passed on.
      assert.equal((await locked.clusterNodes()).filter((n) => n.role === 'replica').length, 3);
    } finally {
      await Promise.all([plain.stop(), locked.stop()]);
    }
  });

  it('refuses a host that is not loopback, before starting anything', async function () {
    await assert.rejects(LocalCluster.start({ host: '0.0.0.0' }), /not a loopback address/);
  });

  it('stops the nodes it already started when a later one cannot start', async function () {
    const before = new Set(trackedPids());
    const free = [await findFreePort('127.0.0.1', true), await findFreePort('127.0.0.1', true)];
    const held = net.createServer();
    const heldPort = await findFreePort('127.0.0.1', true);
    await new Promise<void>((resolve) => held.listen(heldPort, '127.0.0.1', resolve));
    try {
      await assert.rejects(
        LocalCluster.start({ replicasPerMaster: 0, ports: [...free, heldPort] }),
        new RegExp(`port ${heldPort} or its cluster bus port ${heldPort + 10000} on 127.0.0.1 is in use`),
      );
    } finally {
      held.close();
    }
    assert.deepEqual(trackedPids().filter((p) => !before.has(p)), [], 'no server of the failed start is left');
    for (const p of free) assert.ok(await canBind('127.0.0.1', p), `port ${p} is free again`);
  });

  it('says how to install redis-server when the binary is missing', async function () {
    await assert.rejects(
      LocalCluster.start({ redisServer: '/nonexistent/redis-server' }),
      /\/nonexistent\/redis-server not found: install it with `apt-get install redis-server`/,
    );
  });
});

describe('startStandalone', function () {
  this.timeout(30_000);
  it('starts a plain redis-server that answers PING, and stops it', async function () {
    const s = await startStandalone();
    assert.equal(s.host, '127.0.0.1');
    assert.equal(await runRedisCli(s, ['PING']), 'PONG');
    assert.match(await runRedisCli(s, ['INFO', 'cluster']), /cluster_enabled:0/);
    await s.stop();
    assertGone(s.pid);
    assert.equal(existsSync(s.dir), false);
    await s.stop();
  });
});

describe('process registry', function () {
  this.timeout(30_000);
  const modulePath = path.resolve(__dirname, '../../lib/localcluster/local-cluster.js');
  // A separate Node process starts a server, then ends in one of the ways a test run can end.
  const script = `
    const { startStandalone } = require(${JSON.stringify(modulePath)});
    const how = process.argv[1];
    startStandalone().then((s) => {
      console.log(JSON.stringify({ pid: s.pid, dir: s.dir }));
      if (how === 'throw') setTimeout(() => { throw new Error('boom'); }, 10);
      if (how === 'exit') setTimeout(() => process.exit(3), 10);
    });`;

  const cases: Array<{ how: string; signal?: NodeJS.Signals; code: number | null }> = [
    { how: 'SIGTERM', signal: 'SIGTERM', code: 143 },
    { how: 'SIGINT', signal: 'SIGINT', code: 130 },
    { how: 'throw', code: 1 },
    { how: 'exit', code: 3 },
    // No JavaScript runs on SIGKILL (nor on a crash in native code): the watchdog's job.
    { how: 'SIGKILL', signal: 'SIGKILL', code: null },
  ];
  for (const c of cases) {
    it(`kills the servers of a process that ends by ${c.how}`, async function () {
      const child = spawn(process.execPath, ['-e', script, c.how], { stdio: ['ignore', 'pipe', 'pipe'] });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once('line', resolve);
        child.once('exit', () => reject(new Error(`the child exited before starting a server: ${stderr}`)));
      });
      const { pid, dir } = JSON.parse(line) as { pid: number; dir: string };
      assert.ok(!processIsDead(pid));
      if (c.signal) child.kill(c.signal);
      assert.equal(await exited, c.code, stderr);
      await eventually(() => processIsDead(pid), `redis-server ${pid} is gone`);
      await eventually(() => !existsSync(dir), `${dir} is removed`);
    });
  }
});

// SIGHUP reads the users file again every time (not only when its path changed): new passwords
// and rules apply at once; connections of users removed or switched off are closed, as Redis does
// on ACL LOAD, and so are subscribed ones whose channel rules changed; the others go on under the
// new rules (a changed password does not end them, as in Redis 7.2). Run against the daemon.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { findFreePort } from '../../lib/localcluster/free-port';
import { RespError, respCommands } from '../../lib/localcluster/resp-client';
import { sharedCluster } from '../harness/mocha-hooks';
import { until } from '../harness/wait';

const BIN = path.join(__dirname, '..', '..', 'bin', 'slotproxy.js');

const BEFORE = [
  'user default on >defaultpw ~* &* +@all',
  'user alice on >alicepw ~* &* +@all',
  'user bob on >bobpw ~* &* +@all',
  'user carol on >carolpw ~* &* +@all',
  'user dave on >davepw ~* &news +@all',
  'user erin on >erinpw ~* &news +@all',
];
const AFTER = [
  'user default on >defaultpw ~* &* +@all',
  'user alice on >alicepw2 ~a:* &* +@all', // new password, fewer keys
  // bob is gone
  'user carol off >carolpw ~* &* +@all',
  'user dave on >davepw ~* &other +@all', // subscribed, and its channels changed
  'user erin on >erinpw ~* &news +@all', // subscribed, unchanged
  'user frank on >frankpw ~* &* +@all',
];

interface Daemon {
  child: ChildProcess;
  port: number;
  out(): string;
}

async function startDaemon(file: string, workers: number): Promise<Daemon> {
  const cluster = await sharedCluster();
  const port = await findFreePort('127.0.0.1', false);
  const child = spawn(process.execPath, [BIN, '--port', String(port), '--users-file', file, '--workers', String(workers)], {
    env: { PATH: process.env.PATH, SLOTPROXY_CLUSTER: cluster.seeds().split(',')[0], SLOTPROXY_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  await until(() => out.includes('listening on'), 'the daemon listens');
  return { child, port, out: () => out };
}

describe('ACL: the users file is read again on every SIGHUP', function () {
  this.timeout(120_000);
  let dir: string;
  let file: string;
  const clients: Redis[] = [];

  const connect = (port: number, username: string, password: string): Redis => {
    const c = new Redis({ port, host: '127.0.0.1', username, password, maxRetriesPerRequest: 0, retryStrategy: () => null, enableReadyCheck: false });
    c.on('error', () => {});
    clients.push(c);
    return c;
  };
  /** AUTH on a fresh connection: 'OK' or the error. */
  const login = async (port: number, username: string, password: string): Promise<string> => {
    const [r] = await respCommands('127.0.0.1', port, [['AUTH', username, password]]);
    return r instanceof RespError ? r.message : String(r);
  };
  const ended = (c: Redis): Promise<void> => new Promise((resolve) => (c.status === 'end' ? resolve() : c.once('end', () => resolve())));

  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slotproxy-reload-'));
    file = path.join(dir, 'users.acl');
    fs.writeFileSync(file, BEFORE.join('\n') + '\n');
  });

  afterEach(function () {
    for (const c of clients.splice(0)) c.disconnect();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('an edited file takes effect: removed, switched-off and re-channelled subscribers are closed, the rest go on under the new rules', async function () {
    const d = await startDaemon(file, 1);
    try {
      const alice = connect(d.port, 'alice', 'alicepw');
      const bob = connect(d.port, 'bob', 'bobpw');
      const carol = connect(d.port, 'carol', 'carolpw');
      const dave = connect(d.port, 'dave', 'davepw');
      const erin = connect(d.port, 'erin', 'erinpw');
      const erinGot: string[] = [];
      erin.on('message', (ch: string, m: string) => erinGot.push(`${ch}:${m}`));
      assert.equal(await alice.set('b:1', 'v'), 'OK');
      assert.equal(await bob.ping(), 'PONG');
      assert.equal(await carol.ping(), 'PONG');
      await dave.subscribe('news');
      await erin.subscribe('news');

      fs.writeFileSync(file, AFTER.join('\n') + '\n');
      d.child.kill('SIGHUP');
      await until(() => d.out().includes('SIGHUP: settings reloaded'), 'the reload is logged');
      await Promise.all([ended(bob), ended(carol), ended(dave)]);
      assert.match(d.out(), /closed 3 connections of users removed, switched off or with changed channel rules/);

      // alice stays connected, under her new rules
      assert.equal(await alice.ping(), 'PONG');
      await assert.rejects(alice.get('b:1'), /NOPERM this user has no permissions to access one of the keys/);
      assert.equal(await alice.set('a:1', 'v'), 'OK');
      // erin's subscription is untouched
      const pub = connect(d.port, 'frank', 'frankpw');
      await pub.publish('news', 'after');
      await until(() => erinGot.length === 1, 'erin gets the message');
      // new logins use the new file
      assert.match(await login(d.port, 'alice', 'alicepw'), /^WRONGPASS/);
      assert.equal(await login(d.port, 'alice', 'alicepw2'), 'OK');
      assert.match(await login(d.port, 'bob', 'bobpw'), /^WRONGPASS/);
      assert.match(await login(d.port, 'carol', 'carolpw'), /^WRONGPASS/);

      // a file Redis would refuse is not taken: the users in force stay
      fs.writeFileSync(file, 'user frank on >frankpw ~* ~x* +@all\n');
      d.child.kill('SIGHUP');
      await until(() => d.out().includes('settings not reloaded'), 'the refusal is logged');
      assert.match(d.out(), /Adding a pattern after the \* pattern/);
      assert.equal(await login(d.port, 'alice', 'alicepw2'), 'OK');
    } finally {
      d.child.kill('SIGKILL');
    }
  });

  it('with workers, every worker reads the file again', async function () {
    const d = await startDaemon(file, 2);
    try {
      const before = Array.from({ length: 4 }, () => connect(d.port, 'bob', 'bobpw'));
      for (const c of before) assert.equal(await c.ping(), 'PONG');
      fs.writeFileSync(file, AFTER.join('\n') + '\n');
      d.child.kill('SIGHUP');
      await Promise.all(before.map(ended));
      for (let i = 0; i < 4; i++) {
        assert.match(await login(d.port, 'bob', 'bobpw'), /^WRONGPASS/);
        assert.equal(await login(d.port, 'frank', 'frankpw'), 'OK');
      }
    } finally {
      d.child.kill('SIGKILL');
    }
  });
});

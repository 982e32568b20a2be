// Channel rules as Redis 7.0 enforces them: &pattern, allchannels, resetchannels, and
// acl-pubsub-default resetchannels for users whose rules name no channel. SUBSCRIBE, SSUBSCRIBE,
// PUBLISH and SPUBLISH channels are matched against the patterns; PSUBSCRIBE patterns must equal
// one of them literally. Replies are compared with a standalone Redis loaded with the same file.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { startStandalone, type StandaloneRedis } from '../../lib/localcluster/local-cluster';
import { RespError, respCommands, type RespValue } from '../../lib/localcluster/resp-client';
import { sharedCluster } from '../harness/mocha-hooks';
import { startProxy, type RunningProxy } from '../harness/proxy';
import { until } from '../harness/wait';

const USERS = [
  'user default on >secret ~* &* +@all',
  'user news on >newspw ~* resetchannels &news.* &lit[ab] +@all',
  'user none on >nonepw ~* +@all',
  'user every on >everypw ~* allchannels +@all',
  'user late on >latepw ~* &x allchannels +@all',
  'user reset on >resetpw ~* &news.* resetchannels +@all',
];

const show = (r: RespValue): string => (r instanceof RespError ? `-${r.message}` : JSON.stringify(r));

describe('ACL: channel rules', function () {
  this.timeout(120_000);
  let dir: string;
  let proxy: RunningProxy;
  let redis: StandaloneRedis;

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slotproxy-channels-'));
    const file = path.join(dir, 'users.acl');
    fs.writeFileSync(file, USERS.join('\n') + '\n');
    [proxy, redis] = await Promise.all([startProxy((await sharedCluster()).seeds(), { SLOTPROXY_USERS_FILE: file }), startStandalone({ extraArgs: ['--aclfile', file] })]);
  });

  after(async function () {
    await proxy?.stop();
    await redis?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The reply to `cmd` from `user` on a fresh connection, from the proxy and from Redis. */
  async function both(user: string, cmd: string[]): Promise<[string, string]> {
    const run = async (port: number): Promise<string> => {
      const replies = await respCommands('127.0.0.1', port, [['AUTH', user, `${user}pw`], cmd], { timeoutMs: 10_000 });
      return show(replies[1]);
    };
    const [mine, theirs] = await Promise.all([run(proxy.port), run(redis.port)]);
    return [mine, theirs];
  }

  const NOPERM = '-NOPERM this user has no permissions to access one of the channels used as arguments';
  const cases: [string, string[], 'ok' | 'noperm'][] = [
    ['news', ['SUBSCRIBE', 'news.1'], 'ok'],
    ['news', ['SUBSCRIBE', 'other'], 'noperm'],
    ['news', ['SUBSCRIBE', 'news.1', 'other'], 'noperm'],
    ['news', ['SSUBSCRIBE', 'news.2'], 'ok'],
    ['news', ['SSUBSCRIBE', 'other'], 'noperm'],
    ['news', ['PUBLISH', 'news.3', 'm'], 'ok'],
    ['news', ['PUBLISH', 'other', 'm'], 'noperm'],
    ['news', ['SPUBLISH', 'news.4', 'm'], 'ok'],
    ['news', ['SPUBLISH', 'other', 'm'], 'noperm'],
    ['news', ['PUBLISH', 'lita', 'm'], 'ok'],
    ['news', ['PSUBSCRIBE', 'news.*'], 'ok'],
    ['news', ['PSUBSCRIBE', 'lit[ab]'], 'ok'],
    ['news', ['PSUBSCRIBE', 'news.1'], 'noperm'],
    ['news', ['PSUBSCRIBE', 'lita'], 'noperm'],
    ['news', ['PSUBSCRIBE', '*'], 'noperm'],
    ['news', ['UNSUBSCRIBE', 'other'], 'ok'],
    ['none', ['SUBSCRIBE', 'news.1'], 'noperm'],
    ['none', ['PSUBSCRIBE', '*'], 'noperm'],
    ['none', ['SSUBSCRIBE', 'x'], 'noperm'],
    ['none', ['PUBLISH', 'x', 'm'], 'noperm'],
    ['none', ['SPUBLISH', 'x', 'm'], 'noperm'],
    ['every', ['PSUBSCRIBE', '*'], 'ok'],
    ['every', ['SPUBLISH', 'x', 'm'], 'ok'],
    ['late', ['PUBLISH', 'anything', 'm'], 'ok'],
    ['reset', ['PUBLISH', 'news.1', 'm'], 'noperm'],
  ];

  for (const [user, cmd, expect] of cases) {
    it(`${user}: ${cmd.join(' ')} is ${expect === 'ok' ? 'allowed' : 'refused'}, in Redis's words`, async function () {
      const [mine, theirs] = await both(user, cmd);
      assert.equal(mine, theirs);
      if (expect === 'noperm') assert.equal(mine, NOPERM);
      else assert.doesNotMatch(mine, /NOPERM/);
    });
  }

  it('a subscriber gets the messages of its channels and nothing of the others', async function () {
    const sub = new Redis({ port: proxy.port, host: '127.0.0.1', username: 'news', password: 'newspw' });
    const pub = new Redis({ port: proxy.port, host: '127.0.0.1', username: 'news', password: 'newspw' });
    const got: string[] = [];
    try {
      sub.on('message', (channel: string, message: string) => got.push(`${channel}:${message}`));
      await sub.subscribe('news.a');
      await assert.rejects(sub.subscribe('sports'), /NOPERM/);
      await pub.publish('news.a', 'hello'); // (the count is the receiving node's own, as in Redis Cluster)
      await assert.rejects(pub.publish('sports', 'nope'), /NOPERM/);
      await until(() => got.length === 1, 'the message arrives');
      assert.deepEqual(got, ['news.a:hello']);
    } finally {
      sub.disconnect();
      pub.disconnect();
    }
  });
});

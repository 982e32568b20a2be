// Channel rules as Redis 7.0 enforces them: &pattern, allchannels, resetchannels, and
// acl-pubsub-default resetchannels for users whose rules name no channel. SUBSCRIBE, SSUBSCRIBE,
// PUBLISH and SPUBLISH channels are matched against the patterns; PSUBSCRIBE patterns must equal
// one of them literally. Replies are compared with a standalone Redis loaded with the same file.
import assert from 'node:assert/strict';
import Redis from 'ioredis';
import { aclPairFor } from '../harness/acl-pair';
import { until } from '../harness/wait';

const USERS = [
  'user default on >secret ~* &* +@all',
  'user news on >newspw ~* resetchannels &news.* &lit[ab] +@all',
  'user none on >nonepw ~* +@all',
  'user every on >everypw ~* allchannels +@all',
  'user late on >latepw ~* &x allchannels +@all',
  'user reset on >resetpw ~* &news.* resetchannels +@all',
];

describe('ACL: channel rules', function () {
  this.timeout(120_000);
  const pair = aclPairFor(USERS);

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
      const [mine, theirs] = await pair().both(user, cmd);
      assert.equal(mine, theirs);
      if (expect === 'noperm') assert.equal(mine, NOPERM);
      else assert.doesNotMatch(mine, /NOPERM/);
    });
  }

  it('a subscriber gets the messages of its channels and nothing of the others', async function () {
    const sub = new Redis({ port: pair().proxy.port, host: '127.0.0.1', username: 'news', password: 'newspw' });
    const pub = new Redis({ port: pair().proxy.port, host: '127.0.0.1', username: 'news', password: 'newspw' });
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

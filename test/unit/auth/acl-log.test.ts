// ACL LOG's entries, kept as Redis 7.0 keeps them: newest first, like entries within a minute
// counted together, at most 128, each shown as a map of 7 fields.
import assert from 'node:assert/strict';
import { AclLog, type AclLogEvent } from '../../../lib/auth/acl-log';
import RedisParser from 'redis-parser';

const event = (object: string, reason: AclLogEvent['reason'] = 'key'): AclLogEvent => ({ reason, context: 'toplevel', object, username: 'alice', clientInfo: `id=1 cmd=get` });

function entries(log: AclLog, count: number, now: number): Record<string, unknown>[] {
  let parsed: unknown[][] = [];
  new RedisParser({ returnReply: (r: unknown) => (parsed = r as unknown[][]), returnError: () => {}, returnBuffers: false }).execute(log.reply(count, false, now));
  return parsed.map((e) => Object.fromEntries(Array.from({ length: e.length / 2 }, (_, i) => [e[2 * i], e[2 * i + 1]])));
}

describe('ACL LOG', function () {
  it('counts an entry like a recent one instead of adding it, newest first', function () {
    const log = new AclLog();
    log.add(event('a'), 1000);
    log.add(event('b'), 2000);
    log.add(event('a'), 3000);
    log.add(event('a', 'channel'), 4000);
    const shown = entries(log, 10, 4048);
    assert.deepEqual(shown.map((e) => [e.object, e.reason, e.count]), [['a', 'channel', 1], ['a', 'key', 2], ['b', 'key', 1]]);
    assert.deepEqual(Object.keys(shown[0]), ['count', 'reason', 'context', 'object', 'username', 'age-seconds', 'client-info']);
    assert.equal(shown[0]['age-seconds'], '0.048000000000000001', "Redis's %.17g");
    assert.equal(shown[1]['age-seconds'], '1.048');
    log.add(event('a'), 3000 + 61_000);
    assert.equal(entries(log, 10, 64_000).length, 4, 'after a minute, a new entry');
  });

  it('keeps at most 128 entries and shows as many as asked', function () {
    const log = new AclLog();
    for (let i = 0; i < 200; i++) log.add(event(`k${i}`), i);
    assert.equal(entries(log, 1000, 200).length, 128);
    assert.deepEqual(entries(log, 2, 200).map((e) => e.object), ['k199', 'k198']);
    assert.deepEqual(entries(log, 0, 200), []);
    log.reset();
    assert.deepEqual(entries(log, 10, 200), []);
  });
});

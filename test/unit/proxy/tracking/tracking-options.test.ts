// CLIENT TRACKING's arguments: Redis 7.0's checks in its order (the integration test compares
// the same errors with a real server), and the covering prefixes of the BCAST connections.
import assert from 'node:assert/strict';
import { coveringPrefixes, overlaps, parseTracking, type TrackingOptions } from '../../../../lib/proxy/tracking/tracking-options';

const exists = (id: number): boolean => id === 7;
const parse = (line: string, current: Parameters<typeof parseTracking>[1] = null): TrackingOptions | string => parseTracking(line.split(' '), current, exists);

describe('CLIENT TRACKING options', function () {
  it('parses every option, case-insensitively; OFF ignores the mode checks', function () {
    assert.deepEqual(parse('ON redirect 7 BCAST prefix a PREFIX b noloop'), { on: true, redirect: 7, bcast: true, optin: false, optout: false, noloop: true, prefixes: ['a', 'b'] });
    assert.deepEqual(parse('off OPTIN OPTOUT'), { on: false, redirect: 0, bcast: false, optin: true, optout: true, noloop: false, prefixes: [] });
  });

  it('errors in Redis’s order: options first (REDIRECT checked as it is read), then the mode', function () {
    assert.equal(parse('on REDIRECT x'), 'ERR value is not an integer or out of range');
    assert.equal(parse('on REDIRECT 8'), 'ERR The client ID you want redirect to does not exist');
    assert.equal(parse('on REDIRECT 7 REDIRECT 8'), 'ERR A client can only redirect to a single other client');
    assert.equal(parse('maybe BOGUS'), 'ERR syntax error');
    assert.equal(parse('maybe'), 'ERR syntax error');
    assert.equal(parse('on PREFIX'), 'ERR syntax error');
    assert.equal(parse('on PREFIX a OPTIN OPTOUT'), 'ERR PREFIX option requires BCAST mode to be enabled');
    assert.equal(parse('on BCAST OPTIN OPTOUT'), 'ERR OPTIN and OPTOUT are not compatible with BCAST');
    assert.equal(parse('on OPTIN OPTOUT'), "ERR You can't specify both OPTIN mode and OPTOUT mode");
  });

  it('compares with what is on: BCAST cannot be switched, nor OPTIN/OPTOUT, and prefixes may not overlap old ones', function () {
    const bcast = { bcast: true, optin: false, optout: false, prefixes: ['user:'] };
    assert.match(String(parse('on', bcast)), /^ERR You can't switch BCAST mode on\/off/);
    assert.match(String(parse('on OPTOUT', { bcast: false, optin: true, optout: false, prefixes: [] })), /^ERR You can't switch OPTIN\/OPTOUT mode/);
    assert.equal(parse('on BCAST PREFIX user:1', bcast), "ERR Prefix 'user:1' overlaps with an existing prefix 'user:'. Prefixes for a single client must not overlap.");
    assert.equal(parse('on BCAST PREFIX a PREFIX ab'), "ERR Prefix 'a' overlaps with another provided prefix 'ab'. Prefixes for a single client must not overlap.");
    assert.deepEqual((parse('on BCAST PREFIX item:', bcast) as TrackingOptions).prefixes, ['item:']);
  });

  it('the fewest prefixes covering a set: none a prefix of another, the empty one covers all', function () {
    assert.ok(overlaps('a', 'ab') && overlaps('ab', 'a') && !overlaps('ab', 'ac'));
    assert.deepEqual(coveringPrefixes(['user:1', 'user:', 'item:', 'user:22', 'item:']), ['item:', 'user:']);
    assert.deepEqual(coveringPrefixes(['b', '', 'a']), ['']);
    assert.deepEqual(coveringPrefixes([]), []);
  });
});

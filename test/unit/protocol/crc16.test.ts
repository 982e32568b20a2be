// CRC16-XMODEM and the key slot, in TypeScript (lib/protocol/crc16.ts) and in the addon
// (native/crc16.h), against the Redis Cluster specification and an independent bitwise CRC.
import assert from 'node:assert/strict';
import { crc16, keySlot, slotOf } from '../../../lib/protocol/crc16';
import { loadNative } from '../../../lib/protocol/native';
import { Rng, baseSeed, bytes } from './helpers';

/** Bit-by-bit CRC16-CCITT/XMODEM (poly 0x1021, init 0), as in the cluster spec's appendix. */
function referenceCrc16(buf: Uint8Array): number {
  let crc = 0;
  for (const byte of buf) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The spec's HASH_SLOT pseudo-code, written independently of the code under test. */
function referenceSlot(key: Buffer): number {
  const s = key.indexOf(0x7b); // '{'
  if (s >= 0) {
    const e = key.indexOf(0x7d, s + 1); // '}'
    if (e > s + 1) return referenceCrc16(key.subarray(s + 1, e)) & 16383;
  }
  return referenceCrc16(key) & 16383;
}

function nativeSlot(key: Buffer): number {
  const { addon, error } = loadNative();
  if (!addon) throw new Error(`native addon not loadable: ${error}`);
  return addon.keySlot(key, 0, key.length);
}

describe('CRC16 and key slots', () => {
  it('CRC16("123456789") is 0x31C3 (the spec\'s check value)', () => {
    const b = bytes('123456789');
    assert.equal(crc16(b), 0x31c3);
    assert.equal(referenceCrc16(b), 0x31c3);
    assert.equal(nativeSlot(b), 0x31c3 & 16383);
  });

  it('crc16(buf, start, end) hashes only the range', () => {
    const b = bytes('xx123456789yy');
    assert.equal(crc16(b, 2, 11), 0x31c3);
    assert.equal(keySlot(b, 2, 11), 0x31c3 & 16383);
    const { addon } = loadNative();
    assert.ok(addon);
    assert.equal(addon.keySlot(b, 2, 11), 0x31c3 & 16383);
  });

  // Slots documented by Redis (CLUSTER KEYSLOT page, redis-cli cluster tutorial).
  const known: [string, number][] = [
    ['somekey', 11058],
    ['foo{hash_tag}', 2515],
    ['bar{hash_tag}', 2515],
    ['foo', 12182],
    ['bar', 5061],
    ['hello', 866],
    ['', 0],
  ];
  for (const [key, slot] of known) {
    it(`slot of ${JSON.stringify(key)} is ${slot} (JS and native)`, () => {
      assert.equal(slotOf(key), slot);
      assert.equal(nativeSlot(bytes(key)), slot);
    });
  }

  describe('hash tags (cluster spec examples)', () => {
    const cases: [string, string, string][] = [
      // key, the part that is hashed, why
      ['{user1000}.following', 'user1000', 'tag'],
      ['{user1000}.followers', 'user1000', 'tag'],
      ['foo{}{bar}', 'foo{}{bar}', 'empty first tag: the whole key'],
      ['foo{{bar}}zap', '{bar', 'tag from the first { to the next }'],
      ['foo{bar}{zap}', 'bar', 'only the first tag'],
      ['{}', '{}', 'empty tag'],
      ['{', '{', 'no closing brace'],
      ['}{a}', 'a', 'a } before the first { does not matter'],
      ['a{b', 'a{b', 'unclosed'],
    ];
    for (const [key, hashed, why] of cases) {
      it(`${JSON.stringify(key)} hashes ${JSON.stringify(hashed)} (${why})`, () => {
        const expected = referenceCrc16(bytes(hashed)) & 16383;
        assert.equal(slotOf(key), expected, 'JS');
        assert.equal(nativeSlot(bytes(key)), expected, 'native');
      });
    }
    it('{user1000}.following and {user1000}.followers share a slot', () => {
      assert.equal(slotOf('{user1000}.following'), slotOf('{user1000}.followers'));
      assert.equal(nativeSlot(bytes('{user1000}.following')), nativeSlot(bytes('{user1000}.followers')));
    });
  });

  it('JS, native and the reference agree on 10,000 random keys (braces included)', () => {
    const seed = baseSeed(0x5107);
    const rng = new Rng(seed);
    const alphabet = bytes('{}{}{}ab\x00\xff\r\n');
    for (let i = 0; i < 10000; i++) {
      const len = rng.int(40);
      const key = rng.chance(0.5) ? rng.bytes(len, alphabet) : rng.bytes(len);
      const ref = referenceSlot(key);
      const js = keySlot(key);
      const nat = nativeSlot(key);
      if (js !== ref || nat !== ref) {
        assert.fail(`seed ${seed}, key #${i} <${key.toString('hex')}>: reference ${ref}, JS ${js}, native ${nat}`);
      }
    }
  });
});

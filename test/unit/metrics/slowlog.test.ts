import assert from 'node:assert/strict';
import RedisParser from 'redis-parser';
import { SlowLog } from '../../../lib/metrics/slowlog';
import { redactArgs } from '../../../lib/metrics/redact';
import { slowlogReply } from '../../../lib/metrics/slowlog-reply';

import { command } from '../../../lib/protocol/resp';

const b = (...args: string[]): Buffer[] => args.map((a) => Buffer.from(a));

/** Logs a whole frame. */
const add = (log: SlowLog, micros: number, frame: Buffer, name: string, client: string, clientName: string): void =>
  log.add(micros, frame, 0, frame.length, name, client, clientName);

/** The reply decoded (errors as { error }). */
function decode(reply: Buffer): unknown {
  let out: unknown;
  const parser = new RedisParser({
    returnReply: (r: unknown) => (out = r),
    returnError: (e: Error) => (out = { error: e.message }),
    returnBuffers: false,
  });
  parser.execute(reply);
  return out;
}

describe('SLOWLOG replies', function () {
  function filled(n: number): SlowLog {
    const log = new SlowLog(0, 128);
    for (let i = 0; i < n; i++) add(log, 100 + i, command(['GET', `k${i}`]), 'get', '127.0.0.1:5000', i % 2 ? 'worker' : '');
    return log;
  }

  it('GET: newest first, default 10, a count, -1 for all; entries as Redis 7 prints them', function () {
    const log = filled(12);
    const ten = decode(slowlogReply(log, b('SLOWLOG', 'GET'))) as unknown[][];
    assert.equal(ten.length, 10);
    const [id, time, micros, args, client, name] = ten[0];
    assert.equal(id, 11);
    assert.ok(Math.abs((time as number) - Date.now() / 1000) < 5);
    assert.equal(micros, 111);
    assert.deepEqual(args, ['GET', 'k11']);
    assert.equal(client, '127.0.0.1:5000');
    assert.equal(name, 'worker');
    assert.equal((decode(slowlogReply(log, b('SLOWLOG', 'get', '3'))) as unknown[]).length, 3);
    assert.equal((decode(slowlogReply(log, b('SLOWLOG', 'GET', '-1'))) as unknown[]).length, 12);
    assert.deepEqual(decode(slowlogReply(log, b('SLOWLOG', 'GET', '0'))), []);
  });

  it('GET refuses counts below -1 and non-integers with Redis’s error', function () {
    const log = filled(1);
    for (const bad of ['-2', 'x', '1.5', ' 1', '01']) {
      assert.deepEqual(decode(slowlogReply(log, b('SLOWLOG', 'GET', bad))), { error: 'ERR count should be greater than or equal to -1' }, bad);
    }
    assert.deepEqual(decode(slowlogReply(log, b('SLOWLOG', 'GET', '1', '2'))), {
      error: "ERR unknown subcommand or wrong number of arguments for 'GET'. Try SLOWLOG HELP.",
    });
  });

  it('keeps the newest max-len entries over many adds, and a lowered max-len at once', function () {
    const log = new SlowLog(0, 5);
    for (let i = 0; i < 1000; i++) add(log, i, command(['GET', `k${i}`]), 'get', 'c', '');
    assert.equal(decode(slowlogReply(log, b('SLOWLOG', 'LEN'))), 5);
    const all = decode(slowlogReply(log, b('SLOWLOG', 'GET', '-1'))) as unknown[][];
    assert.deepEqual(
      all.map((e) => e[0]),
      [999, 998, 997, 996, 995],
    );
    assert.deepEqual(all[0][3], ['GET', 'k999']);
    log.maxLen = 2;
    log.trim();
    assert.deepEqual(
      (decode(slowlogReply(log, b('SLOWLOG', 'GET', '10'))) as unknown[][]).map((e) => e[0]),
      [999, 998],
    );
    log.maxLen = 4;
    add(log, 1, command(['GET', 'x']), 'get', 'c', '');
    assert.deepEqual(
      (decode(slowlogReply(log, b('SLOWLOG', 'GET', '10'))) as unknown[][]).map((e) => e[0]),
      [1000, 999, 998],
    );
  });

  it('LEN, RESET, HELP', function () {
    const log = filled(4);
    assert.equal(decode(slowlogReply(log, b('SLOWLOG', 'LEN'))), 4);
    assert.equal(decode(slowlogReply(log, b('SLOWLOG', 'RESET'))), 'OK');
    assert.equal(decode(slowlogReply(log, b('SLOWLOG', 'LEN'))), 0);
    const help = decode(slowlogReply(log, b('SLOWLOG', 'HELP'))) as string[];
    assert.match(help[0], /^SLOWLOG <subcommand>/);
    assert.ok(help.includes('GET [<count>]'));
  });

  it('passwords never leave the proxy', function () {
    const r = (...a: string[]): string[] => redactArgs(b(...a)).map(String);
    assert.deepEqual(r('AUTH', 'pw'), ['AUTH', '(redacted)']);
    assert.deepEqual(r('auth', 'user', 'pw'), ['auth', '(redacted)', '(redacted)']);
    assert.deepEqual(r('HELLO', '2', 'AUTH', 'u', 'pw', 'SETNAME', 'n'), ['HELLO', '2', 'AUTH', '(redacted)', '(redacted)', 'SETNAME', 'n']);
    assert.deepEqual(r('MIGRATE', 'h', '1', '', '0', '10', 'AUTH2', 'u', 'pw', 'KEYS', 'a'), ['MIGRATE', 'h', '1', '', '0', '10', 'AUTH2', '(redacted)', '(redacted)', 'KEYS', 'a']);
    assert.deepEqual(r('CONFIG', 'SET', 'maxmemory', '1', 'requirepass', 'pw'), ['CONFIG', 'SET', 'maxmemory', '1', 'requirepass', '(redacted)']);
    assert.deepEqual(r('ACL', 'SETUSER', 'bob', 'on', '>pw'), ['ACL', 'SETUSER', 'bob', '(redacted)', '(redacted)']);
    assert.deepEqual(r('PROXY', 'CONFIG', 'SET', 'timeout', '5', 'PASSWORD', 'pw'), ['PROXY', 'CONFIG', 'SET', 'timeout', '5', 'PASSWORD', '(redacted)']);
    assert.deepEqual(r('GET', 'auth'), ['GET', 'auth']);
    const log = new SlowLog(0, 10);
    add(log, 5, command(['AUTH', 'secret']), 'auth', 'c', '');
    add(log, 5, command(['PROXY', 'CONFIG', 'SET', 'password', 'secret']), 'proxy|config', 'c', '');
    // the bytes kept are decoded and redacted at once, not when read
    assert.ok(!JSON.stringify(log.newest(2)).includes('secret'));
    assert.ok(!slowlogReply(log, b('SLOWLOG', 'GET')).includes('secret'));
    // other commands keep a copy of their bytes: the client's buffer may be reused
    const frame = command(['SET', 'k', 'v'.repeat(200)]);
    add(log, 5, frame, 'set', 'c', '');
    frame.fill(0);
    assert.deepEqual(log.newest(1)[0].args.map(String), ['SET', 'k', `${'v'.repeat(128)}... (72 more bytes)`]);
  });

  it('keeps each entry’s own bytes while its slot is reused, and a range of a larger buffer', function () {
    const log = new SlowLog(0, 3);
    const read = Buffer.concat([command(['SET', 'first', 'x'.repeat(1000)]), command(['GET', 'second'])]);
    const second = read.length - command(['GET', 'second']).length;
    log.add(1, read, second, read.length, 'get', 'c', '');
    const before = log.newest(1)[0];
    read.fill(0);
    assert.deepEqual(before.args.map(String), ['GET', 'second']);
    // long requests, then short ones over the same slots: each shows only its own bytes
    for (let i = 0; i < 6; i++) add(log, i, command(['SET', `long${i}`, 'y'.repeat(900)]), 'set', 'c', '');
    const held = log.newest(3);
    for (let i = 0; i < 5; i++) add(log, i, command(['GET', `k${i}`]), 'get', 'c', `n${i}`);
    assert.deepEqual(
      log.newest(3).map((e) => [e.id, e.args.map(String), e.name]),
      [
        [11, ['GET', 'k4'], 'n4'],
        [10, ['GET', 'k3'], 'n3'],
        [9, ['GET', 'k2'], 'n2'],
      ],
    );
    // entries handed out before are copies
    assert.deepEqual(held[0].args.map((a) => String(a).slice(0, 5)), ['SET', 'long5', 'yyyyy']);
    // a request longer than 4 KiB is decoded at once: 32 arguments of at most 128 bytes
    const big = command(['RPUSH', 'list', ...Array.from({ length: 40 }, () => 'z'.repeat(200))]);
    add(log, 1, big, 'rpush', 'c', '');
    const shown = log.newest(1)[0].args.map(String);
    assert.equal(shown.length, 32);
    assert.equal(shown[2], `${'z'.repeat(128)}... (72 more bytes)`);
    assert.equal(shown[31], '... (11 more arguments)');
    log.maxLen = 0;
    log.trim();
    add(log, 1, command(['GET', 'x']), 'get', 'c', '');
    assert.equal(log.length, 0);
    assert.deepEqual(log.newest(10), []);
  });

  it('a request over 4 KiB is kept as Redis shows it: 32 arguments of at most 128 bytes (random commands)', function () {
    const log = new SlowLog(0, 4);
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let round = 0; round < 200; round++) {
      const args = ['SET', ...Array.from({ length: rand(50) }, () => String.fromCharCode(97 + rand(26)).repeat(rand(300)))];
      args.push('v'.repeat(4097 + rand(20000)));
      add(log, 1, command(args), 'set', 'c', '');
      const expected = (args.length > 32 ? [...args.slice(0, 31), `... (${args.length - 31} more arguments)`] : args).map((a) =>
        a.length > 128 ? `${a.slice(0, 128)}... (${a.length - 128} more bytes)` : a,
      );
      assert.deepEqual(log.newest(1)[0].args.map(String), expected, `round ${round}`);
    }
  });
});

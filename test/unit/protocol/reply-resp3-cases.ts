// RESP3 inputs shared by the reply scanner tests: malformed replies (each a protocol error in
// both scanners), and what Redis 7.0.15 answers to commands that reply with each RESP3 type
// (written down from a real server; test/integration/resp3-replies.test.ts checks a real server
// still answers exactly that, and that both scanners frame its bytes exactly so).
import type { Frame } from './reply-gen';

/** Malformed RESP3 values (not whole streams): each makes the backend stream unusable. */
export const MALFORMED_RESP3: readonly string[] = [
  // boolean: t or f, nothing else
  '#x\r\n', '#tt\r\n', '#\r\n', '#T\r\n', '#t\n',
  // null: nothing after the '_'
  '_x\r\n', '_ \r\n', '_\n',
  // double: -?digits(.digits)?([eE][+-]?digits)?, inf, nan
  ',\r\n', ',1.\r\n', ',.5\r\n', ',1e\r\n', ',1e+\r\n', ',+1\r\n', ',1.5.5\r\n', ',infinity\r\n', ',nanx\r\n', ',--1\r\n', ',1 \r\n',
  ',1\r2\r\n', ',0x10\r\n', ',1,5\r\n', ',-\r\n', ',in\r\n', ',1\n',
  // big number: -?digits
  '(\r\n', '(12a\r\n', '(+1\r\n', '(1.5\r\n', '(-\r\n', '(1e5\r\n', '(1\n',
  // verbatim: at least "txt:", the 4th byte ':'; no null
  '=3\r\ntxt\r\n', '=5\r\ntxt-x\r\n', '=0\r\n\r\n', '=-1\r\n', '=abc\r\n',
  // blob error: no null
  '!-1\r\n', '!x\r\n',
  // aggregates: no negative counts (only '*' has -1)
  '%-1\r\n', '~-1\r\n', '>-1\r\n', '|-1\r\n', '%-2\r\n', '%abc\r\n', '~2147483648\r\n',
  // streamed types: Redis 7 never sends them, and they are refused
  '$?\r\n;4\r\nHell\r\n;0\r\n', '*?\r\n:1\r\n.\r\n', '%?\r\n', '~?\r\n', ';4\r\nabcd\r\n', '.\r\n',
];

type Expected = Omit<Frame, 'frame'> & { frame: string };

/** A reply that is no aggregate, after `attrib` (attribute bytes) if any. */
export function scalar(frame: string, redirect = 0, attrib = ''): Expected {
  return { frame: attrib + frame, type: frame[0], redirect, elems: 'none', attrib: attrib.length };
}

/** An aggregate reply of these elements (a map's keys and values each), after `attrib` if any. */
export function aggregate(type: string, count: number, elements: readonly string[], attrib = ''): Expected {
  const head = `${attrib}${type}${count}\r\n`;
  const ends: number[] = [];
  let at = head.length;
  for (const e of elements) ends.push((at += e.length));
  return { frame: head + elements.join(''), type, redirect: 0, elems: ends, attrib: attrib.length };
}

const bulk = (s: string): string => `$${Buffer.byteLength(s, 'latin1')}\r\n${s}\r\n`;

export interface ServerCase {
  command: string[];
  replies: Expected[]; // what the server sends for it, frame by frame (a push may come first)
}

/**
 * Commands in this order on one fresh connection to a fresh Redis 7.0.15 (enable-debug-command
 * on), and the frames of their replies: the first ones in RESP2, HELLO 3 switches to RESP3.
 * `clientId` is what CLIENT ID answered (HELLO's map has it).
 */
export function redis70Resp3Cases(clientId: number): ServerCase[] {
  const attrib = `|1\r\n${bulk('key-popularity')}*2\r\n${bulk('key:123')}:90\r\n`;
  return [
    { command: ['CLIENT', 'ID'], replies: [scalar(`:${clientId}\r\n`)] },
    {
      command: ['HELLO', '3'],
      replies: [aggregate('%', 7, [bulk('server'), bulk('redis'), bulk('version'), bulk('7.0.15'), bulk('proto'), ':3\r\n', bulk('id'), `:${clientId}\r\n`,
        bulk('mode'), bulk('standalone'), bulk('role'), bulk('master'), bulk('modules'), '*0\r\n'])],
    },
    { command: ['DEBUG', 'PROTOCOL', 'attrib'], replies: [scalar(bulk('Some real reply following the attribute'), 0, attrib)] },
    { command: ['DEBUG', 'PROTOCOL', 'bignum'], replies: [scalar('(1234567999999999999999999999999999999\r\n')] },
    { command: ['DEBUG', 'PROTOCOL', 'true'], replies: [scalar('#t\r\n')] },
    { command: ['DEBUG', 'PROTOCOL', 'false'], replies: [scalar('#f\r\n')] },
    { command: ['DEBUG', 'PROTOCOL', 'verbatim'], replies: [scalar('=29\r\ntxt:This is a verbatim\nstring\r\n')] },
    { command: ['DEBUG', 'PROTOCOL', 'map'], replies: [aggregate('%', 3, [':0\r\n', '#f\r\n', ':1\r\n', '#t\r\n', ':2\r\n', '#f\r\n'])] },
    { command: ['DEBUG', 'PROTOCOL', 'set'], replies: [aggregate('~', 3, [':0\r\n', ':1\r\n', ':2\r\n'])] },
    { command: ['DEBUG', 'PROTOCOL', 'double'], replies: [scalar(',3.141\r\n')] },
    { command: ['DEBUG', 'PROTOCOL', 'null'], replies: [scalar('_\r\n')] },
    {
      command: ['DEBUG', 'PROTOCOL', 'push'],
      replies: [aggregate('>', 2, [bulk('server-cpu-usage'), ':42\r\n']), scalar(bulk('Some real reply following the push reply'))],
    },
    { command: ['DEBUG', 'PROTOCOL', 'array'], replies: [aggregate('*', 3, [':0\r\n', ':1\r\n', ':2\r\n'])] },
    { command: ['DEBUG', 'PROTOCOL', 'integer'], replies: [scalar(':12345\r\n')] },
    { command: ['DEBUG', 'PROTOCOL', 'string'], replies: [scalar(bulk('Hello World'))] },
    { command: ['ZADD', 'z', '1.5', 'a', 'inf', 'b', '-inf', 'c'], replies: [scalar(':3\r\n')] },
    { command: ['ZSCORE', 'z', 'a'], replies: [scalar(',1.5\r\n')] },
    { command: ['ZSCORE', 'z', 'b'], replies: [scalar(',inf\r\n')] },
    { command: ['ZSCORE', 'z', 'c'], replies: [scalar(',-inf\r\n')] },
    { command: ['ZSCORE', 'z', 'nope'], replies: [scalar('_\r\n')] },
    {
      command: ['ZRANGE', 'z', '1', '2', 'WITHSCORES'],
      replies: [aggregate('*', 2, [`*2\r\n${bulk('a')},1.5\r\n`, `*2\r\n${bulk('b')},inf\r\n`])],
    },
    { command: ['HSET', 'h', 'f1', 'v1', 'f2', 'v2'], replies: [scalar(':2\r\n')] },
    { command: ['HGETALL', 'h'], replies: [aggregate('%', 2, [bulk('f1'), bulk('v1'), bulk('f2'), bulk('v2')])] },
    { command: ['HGETALL', 'nohash'], replies: [aggregate('%', 0, [])] },
    { command: ['SADD', 's', '3', '1', '2'], replies: [scalar(':3\r\n')] },
    { command: ['SMEMBERS', 's'], replies: [aggregate('~', 3, [bulk('1'), bulk('2'), bulk('3')])] },
    { command: ['GET', 'missing'], replies: [scalar('_\r\n')] },
    { command: ['EXISTS', 'h', 's', 'missing'], replies: [scalar(':2\r\n')] },
    { command: ['CONFIG', 'GET', 'maxmemory'], replies: [aggregate('%', 1, [bulk('maxmemory'), bulk('0')])] },
    { command: ['FOO'], replies: [scalar("-ERR unknown command 'FOO', with args beginning with: \r\n")] },
    { command: ['HGET', 's', 'f'], replies: [scalar('-WRONGTYPE Operation against a key holding the wrong kind of value\r\n')] },
    { command: ['SUBSCRIBE', 'ch'], replies: [aggregate('>', 3, [bulk('subscribe'), bulk('ch'), ':1\r\n'])] },
    // RESP3 lets a subscribed client run any command; its own message comes before PUBLISH's reply
    { command: ['PUBLISH', 'ch', 'hi'], replies: [aggregate('>', 3, [bulk('message'), bulk('ch'), bulk('hi')]), scalar(':1\r\n')] },
    { command: ['UNSUBSCRIBE', 'ch'], replies: [aggregate('>', 3, [bulk('unsubscribe'), bulk('ch'), ':0\r\n'])] },
    { command: ['CLIENT', 'TRACKING', 'on'], replies: [scalar('+OK\r\n')] },
    { command: ['GET', 'k'], replies: [scalar('_\r\n')] },
    { command: ['SET', 'k', 'v'], replies: [scalar('+OK\r\n'), aggregate('>', 2, [bulk('invalidate'), `*1\r\n${bulk('k')}`])] },
    { command: ['GET', 'k'], replies: [scalar(bulk('v'))] },
    { command: ['FLUSHALL'], replies: [scalar('+OK\r\n'), aggregate('>', 2, [bulk('invalidate'), '_\r\n'])] },
    { command: ['PING'], replies: [scalar('+PONG\r\n')] },
  ];
}

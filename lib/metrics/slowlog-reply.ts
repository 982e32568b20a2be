// SLOWLOG GET / LEN / RESET / HELP from the proxy's own slow log, with Redis 7's replies
// (src/slowlog.c): an entry is [id, unix time, microseconds, [args...], client addr, client name].
import { encode, error, integer, OK, simple, type RespValue } from '../protocol/resp';
import { lower, redactArgs } from './redact';
import type { SlowEntry, SlowLog } from './slowlog';

function entryValue(e: SlowEntry): RespValue {
  return [e.id, e.time, e.micros, redactArgs(e.args), e.client, e.name];
}

/** SLOWLOG's arguments after the subcommand name, Redis's way of reading a count (string2l). */
function parseCount(arg: Buffer): number | null {
  const s = arg.toString('latin1');
  if (!/^(0|-?[1-9][0-9]{0,18})$/.test(s)) return null;
  const n = Number(s);
  return Number.isSafeInteger(n) && n >= -1 ? n : null;
}

const HELP = [
  'SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'GET [<count>]',
  '    Return top <count> entries from the slowlog (default: 10, -1 mean all).',
  '    Entries are made of:',
  '    id, timestamp, time in microseconds, arguments array, client IP and port,',
  '    client name',
  'LEN',
  '    Return the length of the slowlog.',
  'RESET',
  '    Reset the slowlog.',
  'HELP',
  '    Print this help.',
];

export function helpReply(lines: readonly string[]): Buffer {
  return Buffer.concat([Buffer.from(`*${lines.length}\r\n`), ...lines.map(simple)]);
}

const syntaxError = (sub: Buffer): Buffer => error(`ERR unknown subcommand or wrong number of arguments for '${sub.toString('latin1').slice(0, 128)}'. Try SLOWLOG HELP.`);

/** The reply to SLOWLOG <sub> ...; `args` are the whole command (args[0] = SLOWLOG). */
export function slowlogReply(log: SlowLog, args: readonly Buffer[]): Buffer {
  const sub = lower(args[1]);
  if (sub === 'get') {
    if (args.length > 3) return syntaxError(args[1]);
    let count = 10;
    if (args.length === 3) {
      const n = parseCount(args[2]);
      if (n === null) return error('ERR count should be greater than or equal to -1');
      count = n === -1 ? log.length : n;
    }
    return encode(log.newest(count).map(entryValue));
  }
  if (args.length !== 2) return syntaxError(args[1]);
  if (sub === 'len') return integer(log.length);
  if (sub === 'reset') {
    log.reset();
    return OK;
  }
  if (sub === 'help') return helpReply(HELP);
  return syntaxError(args[1]);
}

// SLOWLOG GET / LEN / RESET / HELP from the proxy's own slow log, with Redis 7's replies
// (src/slowlog.c): an entry is [id, unix time, microseconds, [args...], client addr, client name].
import { encode, error, integer, OK, simple, type RespValue } from '../protocol/resp';
import type { SlowEntry, SlowLog } from './slowlog';

const REDACTED = Buffer.from('(redacted)');
const SECRET_CONFIGS = new Set(['requirepass', 'masterauth', 'masteruser']);

const lower = (b: Buffer | undefined): string => (b ? b.toString('latin1').toLowerCase() : '');

/**
 * Arguments Redis 7 never shows in SLOWLOG or MONITOR (redactClientCommandArgument): passwords
 * of AUTH, HELLO ... AUTH, MIGRATE ... AUTH/AUTH2, ACL SETUSER rules, CONFIG SET of secrets.
 * The log keeps what the session gave it; redacting here keeps them from ever reaching a client.
 */
export function redactArgs(args: readonly Buffer[]): Buffer[] {
  const out = [...args];
  const hide = (i: number): void => {
    if (i < out.length) out[i] = REDACTED;
  };
  const name = lower(args[0]);
  if (name === 'auth') {
    for (let i = 1; i < out.length; i++) hide(i);
  } else if (name === 'hello') {
    for (let i = 2; i < out.length; i++) {
      if (lower(args[i]) === 'auth') {
        hide(i + 1);
        hide(i + 2);
        i += 2;
      }
    }
  } else if (name === 'migrate') {
    for (let i = 6; i < out.length; i++) {
      const opt = lower(args[i]);
      if (opt === 'auth') hide(++i);
      else if (opt === 'auth2') {
        hide(i + 1);
        hide(i + 2);
        i += 2;
      } else if (opt === 'keys') break;
    }
  } else if (name === 'acl' && lower(args[1]) === 'setuser') {
    for (let i = 3; i < out.length; i++) hide(i);
  } else if (name === 'config' && lower(args[1]) === 'set') {
    for (let i = 2; i + 1 < out.length; i += 2) if (SECRET_CONFIGS.has(lower(args[i]))) hide(i + 1);
  }
  return out;
}

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

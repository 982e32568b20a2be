// COMMAND, COMMAND COUNT, COMMAND LIST and COMMAND INFO answered from the proxy's command table,
// so that they describe what this server accepts: the cluster's entries as the cluster sent them,
// plus what the proxy answers itself (PROXY, CLUSTER MYSHARDID, CLIENT SETINFO ...). A cluster
// client reads COMMAND for key positions (redis-py) and flags (go-redis); COMMAND DOCS and
// GETKEYS still come from a master.
import { globToRegExp } from '../auth/glob';
import { encode, type RespValue } from '../protocol/resp';
import type { CommandInfo } from '../commands/command-info';
import type { KeySpec } from '../commands/key-spec';
import type { CommandRow, CommandTable } from '../commands/table';

const simple = (s: unknown): RespValue => ({ simple: String(s) });

/** A decoded reply value back as RESP. */
function asResp(v: unknown): RespValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'string' || Buffer.isBuffer(v)) return v;
  if (Array.isArray(v)) return v.map(asResp);
  return String(v);
}

/** A key spec map as decoded (name, value, ...): its flags are simple strings in Redis's reply. */
function rawSpec(spec: unknown): RespValue {
  if (!Array.isArray(spec)) return asResp(spec);
  const out: RespValue[] = [];
  for (let i = 0; i + 1 < spec.length; i += 2) {
    out.push(asResp(spec[i]));
    out.push(String(spec[i]) === 'flags' && Array.isArray(spec[i + 1]) ? (spec[i + 1] as unknown[]).map(simple) : asResp(spec[i + 1]));
  }
  return out;
}

function specValue(spec: KeySpec): RespValue {
  const begin: RespValue =
    spec.begin.type === 'index'
      ? ['type', 'index', 'spec', ['index', spec.begin.pos]]
      : spec.begin.type === 'keyword'
        ? ['type', 'keyword', 'spec', ['keyword', spec.begin.keyword, 'startfrom', spec.begin.startfrom]]
        : ['type', 'unknown', 'spec', []];
  const f = spec.find;
  const find: RespValue =
    f.type === 'range'
      ? ['type', 'range', 'spec', ['lastkey', f.lastkey, 'keystep', f.keystep, 'limit', f.limit]]
      : f.type === 'keynum'
        ? ['type', 'keynum', 'spec', ['keynumidx', f.keynumidx, 'firstkey', f.firstkey, 'keystep', f.keystep]]
        : ['type', 'unknown', 'spec', []];
  return ['flags', spec.flags.map(simple), 'begin_search', begin, 'find_keys', find];
}

/** One COMMAND entry: [name, arity, flags, first, last, step, acl categories, tips, key specs, subcommands]. */
function entry(info: CommandInfo, subcommands: RespValue[]): RespValue {
  const raw = info.raw;
  if (raw && raw.length >= 10) {
    return [
      asResp(raw[0]),
      asResp(raw[1]),
      (raw[2] as unknown[]).map(simple),
      asResp(raw[3]),
      asResp(raw[4]),
      asResp(raw[5]),
      (raw[6] as unknown[]).map(simple),
      asResp(raw[7]),
      (raw[8] as unknown[]).map(rawSpec),
      subcommands,
    ];
  }
  return [
    info.name,
    info.arity,
    info.flags.map(simple),
    info.firstKey,
    info.lastKey,
    info.step,
    info.aclCategories.map((c) => simple(`@${c}`)),
    info.tips,
    info.keySpecs.map(specValue),
    subcommands,
  ];
}

/** The replies, built once per table (the table does not change while the proxy runs). */
class CommandReplies {
  readonly entries = new Map<string, Buffer>();
  readonly all: Buffer;
  readonly count: number;
  readonly names: string[] = [];
  private readonly infoOf = new Map<string, CommandInfo>();

  constructor(table: CommandTable) {
    const tops: CommandRow[] = [];
    const subs = new Map<CommandRow, CommandRow[]>();
    for (const row of table.rows) {
      if (!row || row.handler.kind === 'close') continue;
      if (row.parent) {
        let list = subs.get(row.parent);
        if (!list) subs.set(row.parent, (list = []));
        list.push(row);
      } else tops.push(row);
    }
    const parts: Buffer[] = [];
    for (const top of tops) {
      const children = subs.get(top) ?? [];
      const bytes = encode(entry(top.info, children.map((c) => entry(c.info, []))));
      this.entries.set(top.name, bytes);
      this.infoOf.set(top.name, top.info);
      this.names.push(top.name);
      parts.push(bytes);
      for (const c of children) {
        this.entries.set(c.name, encode(entry(c.info, [])));
        this.infoOf.set(c.name, c.info);
        this.names.push(c.name);
      }
    }
    this.count = tops.length;
    this.all = Buffer.concat([Buffer.from(`*${tops.length}\r\n`), ...parts]);
  }

  info(name: string): CommandInfo | undefined {
    return this.infoOf.get(name);
  }
}

const cache = new WeakMap<CommandTable, CommandReplies>();
const repliesOf = (table: CommandTable): CommandReplies => {
  let r = cache.get(table);
  if (!r) cache.set(table, (r = new CommandReplies(table)));
  return r;
};

const NIL = Buffer.from('$-1\r\n');

/** COMMAND (every command), or COMMAND INFO with names (nil for unknown ones, as Redis answers). */
export function commandInfoReply(table: CommandTable, names: readonly string[] | null): Buffer {
  const r = repliesOf(table);
  if (names === null || names.length === 0) return r.all;
  return Buffer.concat([Buffer.from(`*${names.length}\r\n`), ...names.map((n) => r.entries.get(n.toLowerCase()) ?? NIL)]);
}

export function commandCount(table: CommandTable): number {
  return repliesOf(table).count;
}

/**
 * COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN glob]: commands and subcommands
 * ("config|get"). The proxy knows no module of a command, so MODULE matches nothing. Returns
 * null for a syntax error.
 */
export function commandList(table: CommandTable, args: readonly string[]): string[] | null {
  const r = repliesOf(table);
  if (args.length === 0) return r.names;
  if (args.length !== 3 || args[0].toLowerCase() !== 'filterby') return null;
  const [, by, value] = args;
  switch (by.toLowerCase()) {
    case 'module':
      return [];
    case 'aclcat': {
      const cat = value.toLowerCase();
      return r.names.filter((n) => r.info(n)!.aclCategories.includes(cat));
    }
    case 'pattern': {
      const re = new RegExp(globToRegExp(value).source, 'i');
      return r.names.filter((n) => re.test(n));
    }
    default:
      return null;
  }
}

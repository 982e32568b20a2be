// COMMAND, COMMAND COUNT, COMMAND LIST and COMMAND INFO answered from the proxy's command table,
// so that they describe what this server accepts: the cluster's entries as the cluster sent them,
// plus what the proxy answers itself (PROXY, CLUSTER MYSHARDID, CLIENT SETINFO ...). A cluster
// client reads COMMAND for key positions (redis-py) and flags (go-redis); COMMAND DOCS and
// GETKEYS still come from a master.
import { globToRegExp } from '../auth/glob';
import { encode, mapOf, nullBulk, setOf, type RespValue } from '../protocol/resp';
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

/** A map as decoded (name, value, ...): RESP3 sends it as a map, RESP2 as this flat array. */
function rawMap(flat: unknown, value: (name: string, v: unknown) => RespValue): RespValue {
  if (!Array.isArray(flat)) return asResp(flat);
  const out: RespValue[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push(asResp(flat[i]), value(String(flat[i]), flat[i + 1]));
  return mapOf(out);
}

/** A decoded key spec: a map whose flags are a set of simple strings, begin_search and find_keys maps of maps. */
function rawSpec(spec: unknown): RespValue {
  return rawMap(spec, (name, v) => {
    if (name === 'flags' && Array.isArray(v)) return setOf(v.map(simple));
    if (name === 'begin_search' || name === 'find_keys') return rawMap(v, (inner, w) => (inner === 'spec' ? rawMap(w, (_n, x) => asResp(x)) : asResp(w)));
    return asResp(v);
  });
}

function specValue(spec: KeySpec): RespValue {
  const begin: RespValue =
    spec.begin.type === 'index'
      ? mapOf(['type', 'index', 'spec', mapOf(['index', spec.begin.pos])])
      : spec.begin.type === 'keyword'
        ? mapOf(['type', 'keyword', 'spec', mapOf(['keyword', spec.begin.keyword, 'startfrom', spec.begin.startfrom])])
        : mapOf(['type', 'unknown', 'spec', mapOf([])]);
  const f = spec.find;
  const find: RespValue =
    f.type === 'range'
      ? mapOf(['type', 'range', 'spec', mapOf(['lastkey', f.lastkey, 'keystep', f.keystep, 'limit', f.limit])])
      : f.type === 'keynum'
        ? mapOf(['type', 'keynum', 'spec', mapOf(['keynumidx', f.keynumidx, 'firstkey', f.firstkey, 'keystep', f.keystep])])
        : mapOf(['type', 'unknown', 'spec', mapOf([])]);
  return mapOf(['flags', setOf(spec.flags.map(simple)), 'begin_search', begin, 'find_keys', find]);
}

/**
 * One COMMAND entry: [name, arity, flags, first, last, step, acl categories, tips, key specs,
 * subcommands], with Redis 7.0's RESP3 types (src/server.c addReplyCommandInfo): flags, categories,
 * tips and key specs are sets, a key spec a map; subcommands an array, or an empty set.
 */
function entry(info: CommandInfo, subcommands: RespValue[]): RespValue {
  const subs = subcommands.length === 0 ? setOf([]) : subcommands;
  const raw = info.raw;
  if (raw && raw.length >= 10) {
    return [
      asResp(raw[0]),
      asResp(raw[1]),
      setOf((raw[2] as unknown[]).map(simple)),
      asResp(raw[3]),
      asResp(raw[4]),
      asResp(raw[5]),
      setOf((raw[6] as unknown[]).map(simple)),
      setOf((raw[7] as unknown[]).map(asResp)),
      setOf((raw[8] as unknown[]).map(rawSpec)),
      subs,
    ];
  }
  return [
    info.name,
    info.arity,
    setOf(info.flags.map(simple)),
    info.firstKey,
    info.lastKey,
    info.step,
    setOf(info.aclCategories.map((c) => simple(`@${c}`))),
    setOf(info.tips),
    setOf(info.keySpecs.map(specValue)),
    subs,
  ];
}

/** The replies, built once per table (the table does not change while the proxy runs). */
class CommandReplies {
  readonly entries = new Map<string, Buffer>();
  readonly all: Buffer;
  readonly count: number;
  readonly names: string[] = [];
  private readonly infoOf = new Map<string, CommandInfo>();

  constructor(
    table: CommandTable,
    readonly resp3: boolean,
  ) {
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
      const bytes = encode(entry(top.info, children.map((c) => entry(c.info, []))), resp3);
      this.entries.set(top.name, bytes);
      this.infoOf.set(top.name, top.info);
      this.names.push(top.name);
      parts.push(bytes);
      for (const c of children) {
        this.entries.set(c.name, encode(entry(c.info, []), resp3));
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

const caches = [new WeakMap<CommandTable, CommandReplies>(), new WeakMap<CommandTable, CommandReplies>()];
const repliesOf = (table: CommandTable, resp3 = false): CommandReplies => {
  const cache = caches[resp3 ? 1 : 0];
  let r = cache.get(table);
  if (!r) cache.set(table, (r = new CommandReplies(table, resp3)));
  return r;
};

/**
 * COMMAND (every command), or COMMAND INFO with names (nil for unknown ones, as Redis answers), in
 * RESP2 or RESP3.
 */
export function commandInfoReply(table: CommandTable, names: readonly string[] | null, resp3 = false): Buffer {
  const r = repliesOf(table, resp3);
  if (names === null || names.length === 0) return r.all;
  const nil = nullBulk(resp3);
  return Buffer.concat([Buffer.from(`*${names.length}\r\n`), ...names.map((n) => r.entries.get(n.toLowerCase()) ?? nil)]);
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

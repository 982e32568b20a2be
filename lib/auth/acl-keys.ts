// The keys and channels of a command as Redis 7.0's ACL sees them: keys from the command's key
// specs (getKeysUsingKeySpecs in src/db.c, every spec it can follow, "not_key" specs skipped),
// each with the permission it needs (access: read; insert, update, delete: write), or from the
// per-command functions where the specs are incomplete or their flags vary (sortGetKeys,
// migrateGetKeys, setGetKeys, bitfieldGetKeys); channels from Redis's table of pub/sub commands.
import type { KeySpec } from '../commands/key-spec';
import type { CommandRow } from '../commands/table';
import { PERM_ALL, PERM_READ, PERM_WRITE } from './acl-rules';

export interface AclKey {
  /** argument index */
  readonly index: number;
  readonly perms: number;
}

const is = (arg: Buffer, word: string): boolean => arg.length === word.length && arg.toString('latin1').toLowerCase() === word;

/** Redis 7.0's getkeys functions that set flags per call (the specs say "variable_flags"). */
const VARIABLE: Readonly<Record<string, (args: Buffer[]) => AclKey[]>> = {
  // SET ... GET reads the old value
  set: (args) => [{ index: 1, perms: args.slice(3).some((a) => is(a, 'get')) ? PERM_ALL : PERM_WRITE }],
  // BITFIELD of GET (and OVERFLOW) operations only is a read; anything else, or a syntax error, writes
  bitfield: (args) => {
    for (let i = 2; i < args.length; i++) {
      const left = args.length - i - 1;
      if (is(args[i], 'get') && left >= 2) i += 2;
      else if (is(args[i], 'overflow') && left >= 1) i += 1;
      else return [{ index: 1, perms: PERM_ALL }];
    }
    return [{ index: 1, perms: PERM_READ }];
  },
};

/** Permissions of the keys a KEY_PROCS function finds: the first key's, then the others'. */
const PROC_PERMS: Readonly<Record<string, readonly [number, number]>> = {
  sort: [PERM_READ, PERM_WRITE], // the sorted key, then the STORE destination
  sort_ro: [PERM_READ, PERM_READ],
  migrate: [PERM_ALL, PERM_ALL],
};

function specPerms(flags: readonly string[]): number {
  let p = 0;
  if (flags.includes('access')) p |= PERM_READ;
  if (flags.includes('insert') || flags.includes('update') || flags.includes('delete')) p |= PERM_WRITE;
  return p;
}

/** The first argument a spec's begin_search points to, or 0 when its keyword is absent. */
function beginOf(spec: KeySpec, argc: number, args: Buffer[]): number {
  const b = spec.begin;
  if (b.type === 'index') return b.pos;
  if (b.type !== 'keyword') return -1;
  const keyword = b.keyword.toLowerCase();
  const start = b.startfrom > 0 ? b.startfrom : argc + b.startfrom;
  const end = b.startfrom > 0 ? argc - 1 : 1;
  for (let i = start; i !== end; i = start <= end ? i + 1 : i - 1) {
    if (i >= argc || i < 1) break;
    if (is(args[i], keyword)) return i + 1;
  }
  return 0;
}

/**
 * Every key of the command with the permissions it needs; null when the proxy cannot know them
 * all (a spec it cannot follow and no function for the command).
 */
export function aclKeys(row: CommandRow, args: Buffer[]): AclKey[] | null {
  const variable = VARIABLE[row.name];
  if (variable) return variable(args);
  if (row.keyProc) {
    const perms = PROC_PERMS[row.name] ?? [PERM_ALL, PERM_ALL];
    return row.keyProc(args).map((index, i) => ({ index, perms: perms[i === 0 ? 0 : 1] }));
  }
  const argc = args.length;
  const out: AclKey[] = [];
  for (const spec of row.info.keySpecs) {
    if (spec.flags.includes('not_key')) continue;
    if (spec.flags.includes('incomplete') || spec.begin.type === 'unknown' || spec.find.type === 'unknown') return null;
    const perms = spec.flags.includes('variable_flags') ? PERM_ALL : specPerms(spec.flags);
    let first = beginOf(spec, argc, args);
    if (first <= 0) continue;
    let last: number;
    let step: number;
    const f = spec.find;
    if (f.type === 'range') {
      step = f.keystep;
      if (f.lastkey >= 0) last = first + f.lastkey;
      else if (!f.limit) last = argc + f.lastkey;
      else last = first + Math.floor((argc - first) / f.limit) + f.lastkey;
    } else if (f.type === 'keynum') {
      step = f.keystep;
      if (first + f.keynumidx >= argc) continue;
      const text = args[first + f.keynumidx].toString('latin1');
      const n = /^-?\d+$/.test(text) ? Number(text) : NaN;
      if (!(n >= 0)) continue;
      first += f.firstkey;
      last = first + n - 1;
    } else continue;
    // an argument list the spec does not fit is a syntax error the node reports; no key is read
    if (last >= argc || last < first || first >= argc) continue;
    for (let i = first; i <= last; i += step) out.push({ index: i, perms });
  }
  return out;
}

/** SUBSCRIBE's channels are matched against the user's patterns; PSUBSCRIBE's patterns literally. */
const CHANNEL_ARGS: Readonly<Record<string, { last: number; pattern: boolean }>> = {
  publish: { last: 1, pattern: false },
  spublish: { last: 1, pattern: false },
  subscribe: { last: -1, pattern: false },
  ssubscribe: { last: -1, pattern: false },
  psubscribe: { last: -1, pattern: true },
};

/** The channels a command publishes or subscribes to (UNSUBSCRIBE and the rest: none). */
export function aclChannels(row: CommandRow, args: Buffer[]): { name: string; pattern: boolean; index: number }[] {
  const spec = CHANNEL_ARGS[row.name];
  if (!spec) return [];
  const last = spec.last < 0 ? args.length - 1 : Math.min(spec.last, args.length - 1);
  const out: { name: string; pattern: boolean; index: number }[] = [];
  for (let i = 1; i <= last; i++) out.push({ name: args[i].toString('latin1'), pattern: spec.pattern, index: i });
  return out;
}

// Users described as Redis 7.0 describes them (ACL GETUSER, ACL LIST, ACL SAVE; src/acl.c,
// ACLDescribeUser and ACLDescribeSelectorCommandRules). A selector's commands are not kept as
// written but described from what it may run: +@all or -@all (which one its last word on all
// commands was), then the category that best fits the commands still to describe, again and
// again, then single commands (and allowed first arguments) for what is left.
//
// Redis lists those single commands in the order of its command dict, which changes each time it
// starts; here they come in the order of the command table. Texts are latin1 strings: one
// character per byte of the patterns and names, as the replies carry them.
import type { CommandRow, CommandTable } from '../commands/table';
import { CATEGORIES } from './acl-commands';
import { PERM_ALL, PERM_READ, type KeyPattern, type Selector, type User } from './acl-rules';

interface Commands {
  readonly all: readonly CommandRow[];
  /** commands without a parent, each followed in Redis's walk by its subcommands */
  readonly top: readonly CommandRow[];
  readonly children: ReadonlyMap<number, readonly CommandRow[]>;
  readonly byCategory: ReadonlyMap<string, readonly CommandRow[]>;
}

const walks = new WeakMap<CommandTable, Commands>();

function commandsOf(table: CommandTable): Commands {
  let c = walks.get(table);
  if (c) return c;
  const all = table.rows.filter((r): r is CommandRow => r !== undefined);
  const children = new Map<number, CommandRow[]>();
  const byCategory = new Map<string, CommandRow[]>(CATEGORIES.map((cat) => [cat, []]));
  for (const r of all) {
    if (r.parent) children.set(r.parent.id, [...(children.get(r.parent.id) ?? []), r]);
    for (const cat of r.info.aclCategories) byCategory.get(cat)?.push(r);
  }
  c = { all, top: all.filter((r) => !r.parent), children, byCategory };
  walks.set(table, c);
  return c;
}

/** Allows or forbids `row` in `bits`, and its subcommands with it (Redis's ACLChangeSelectorPerm). */
function change(c: Commands, bits: Set<number>, row: CommandRow, allow: boolean): void {
  for (const r of [row, ...(c.children.get(row.id) ?? [])]) {
    if (allow) bits.add(r.id);
    else bits.delete(r.id);
  }
}

function changeCategory(c: Commands, bits: Set<number>, cat: string, allow: boolean): void {
  for (const r of c.byCategory.get(cat)!) change(c, bits, r, allow);
}

/** The command rules of a selector, as ACL GETUSER's "commands" gives them. */
export function describeCommands(s: Selector, table: CommandTable): string {
  const c = commandsOf(table);
  const user = s.allowed ?? new Set(c.all.map((r) => r.id));
  const additive = !s.allCommands;
  const rules = [additive ? '-@all' : '+@all'];
  // `fake` is what the rules emitted so far allow; `temp` what is left to describe
  const fake = additive ? new Set<number>() : new Set(c.all.map((r) => r.id));
  const temp = new Set(user);
  const applied = new Set<string>();
  for (;;) {
    let best: string | null = null;
    let minDiff = Infinity;
    let maxSame = 0;
    for (const cat of CATEGORIES) {
      if (applied.has(cat)) continue;
      let on = 0;
      let off = 0;
      for (const r of c.byCategory.get(cat)!) if (temp.has(r.id)) on++;
      else off++;
      const diff = additive ? off : on;
      const same = additive ? on : off;
      if (same > diff && (diff < minDiff || (diff === minDiff && same > maxSame))) {
        best = cat;
        minDiff = diff;
        maxSame = same;
      }
    }
    if (best === null) break;
    changeCategory(c, fake, best, additive);
    changeCategory(c, temp, best, !additive);
    rules.push(`${additive ? '+' : '-'}@${best}`);
    applied.add(best);
  }
  const single = (row: CommandRow): void => {
    const mine = user.has(row.id);
    if (mine !== fake.has(row.id)) {
      rules.push(`${mine ? '+' : '-'}${row.name}`);
      change(c, fake, row, mine);
    }
  };
  for (const row of c.top) {
    single(row);
    for (const sub of c.children.get(row.id) ?? []) single(sub);
    const first = s.firstArgs.get(row.id);
    if (first && !user.has(row.id)) for (const arg of first) rules.push(`+${row.name}|${arg}`);
  }
  return rules.join(' ');
}

function patternText(k: KeyPattern): string {
  const prefix = k.perms === PERM_ALL ? '~' : k.perms === PERM_READ ? '%R~' : '%W~';
  return prefix + k.text;
}

/** ACL GETUSER's "keys" of a selector. */
export function describeKeys(s: Selector): string {
  return s.allKeys ? '~*' : s.keys.map(patternText).join(' ');
}

/** ACL GETUSER's "channels" of a selector. */
export function describeChannels(s: Selector): string {
  return s.allChannels ? '&*' : s.channels.map((ch) => `&${ch.text}`).join(' ');
}

/** A selector as ACL LIST writes it: keys, channels, commands. */
function describeSelector(s: Selector, table: CommandTable): string {
  const keys = s.allKeys ? '~* ' : s.keys.map((k) => patternText(k) + ' ').join('');
  const channels = s.allChannels ? '&* ' : 'resetchannels ' + s.channels.map((ch) => `&${ch.text} `).join('');
  return keys + channels + describeCommands(s, table);
}

/** ACL GETUSER's "flags": on/off, nopass, the payload check asked for. */
export function userFlags(u: User): string[] {
  const flags = [u.enabled ? 'on' : 'off'];
  if (u.nopass) flags.push('nopass');
  if (u.sanitize) flags.push(u.sanitize);
  return flags;
}

const latin1 = (s: string): string => Buffer.from(s).toString('latin1');

/** A user as ACL LIST and ACL SAVE write it: "user <name> <flags> #<hashes> <selectors>". */
export function describeUser(u: User, table: CommandTable): string {
  const parts = [`user ${latin1(u.name)}`, ...userFlags(u), ...[...u.passwords].map((h) => `#${h}`)];
  let line = parts.join(' ') + ' ' + describeSelector(u.root, table);
  for (const s of u.selectors) line += ` (${describeSelector(s, table)})`;
  return line;
}

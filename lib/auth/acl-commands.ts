// Command rules (+get, -@dangerous, +config|get, +select|0 ...) resolved against the command table
// as Redis 7.0 applies them (ACLSetSelector, ACLChangeSelectorPerm in src/acl.c): a command rule
// covers its subcommands, a category rule covers the subcommands of a container in that category
// and, each by its own categories, the other subcommands; "+cmd|arg" on a command without
// subcommands allows that first argument only.
import type { CommandRow, CommandTable } from '../commands/table';
import type { Selector, User } from './acl-rules';

/**
 * Redis 7's ACL categories, in its order (ACL CAT lists them so, ACL GETUSER tries them so); a
 * rule naming another (and none the cluster describes) is refused.
 */
export const CATEGORIES: readonly string[] = [
  'keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog', 'geo', 'stream',
  'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection', 'transaction', 'scripting',
];
const KNOWN = new Set(CATEGORIES);

/** A command rule Redis would refuse: `rule`, and Redis's words for the problem. */
export class AclRuleError extends Error {
  constructor(
    line: string,
    readonly rule: string,
    readonly problem: string,
  ) {
    super(`${line}: Error in applying operation '${rule}': ${problem}`);
  }
}

const unknown = (line: string, rule: string): Error => new AclRuleError(line, rule, 'Unknown command or category name in ACL');

export function resolveSelector(s: Selector, table: CommandTable): void {
  const rows = table.rows.filter((r): r is CommandRow => r !== undefined);
  const children = new Map<number, CommandRow[]>();
  for (const r of rows) if (r.parent) children.set(r.parent.id, [...(children.get(r.parent.id) ?? []), r]);
  let allowed = new Set<number>();
  let allCommands = false;
  const firstArgs = new Map<number, Set<string>>();
  const change = (row: CommandRow, allow: boolean): void => {
    for (const r of [row, ...(children.get(row.id) ?? [])]) {
      if (allow) allowed.add(r.id);
      else allowed.delete(r.id);
    }
    firstArgs.delete(row.id);
  };
  for (const { rule, line } of s.commandRules) {
    const add = rule[0] === '+';
    const what = rule.slice(1);
    if (what === '@all') {
      allowed = add ? new Set(rows.map((r) => r.id)) : new Set();
      allCommands = add;
      firstArgs.clear();
    } else if (what.startsWith('@')) {
      const cat = what.slice(1);
      const hit = rows.filter((r) => r.info.aclCategories.includes(cat));
      if (hit.length === 0 && !KNOWN.has(cat)) throw unknown(line, rule);
      // (containers come before their subcommands in the table, as Redis recurses)
      for (const r of hit) change(r, add);
    } else {
      const bar = what.indexOf('|');
      const row = table.get(what);
      if (bar < 0 || !add) {
        if (!row || (bar < 0 && row.parent)) throw unknown(line, rule);
        change(row, add);
        continue;
      }
      const parent = table.get(what.slice(0, bar));
      const arg = what.slice(bar + 1);
      if (!parent || parent.parent) throw unknown(line, rule);
      if (children.has(parent.id)) {
        if (arg.includes('|')) throw new AclRuleError(line, rule, 'Allowing first-arg of a subcommand is not supported');
        if (!row) throw unknown(line, rule);
        change(row, true);
      } else {
        // Redis's deprecated first-arg rule: this first argument is allowed even if the command is not
        const args = firstArgs.get(parent.id) ?? new Set<string>();
        args.add(arg.toLowerCase());
        firstArgs.set(parent.id, args);
      }
    }
  }
  s.allowed = allowed.size === rows.length ? null : allowed;
  s.allCommands = allCommands;
  s.firstArgs = firstArgs;
}

/** Resolves every selector of the user, and whether it may run anything without a check. */
export function resolveUser(u: User, table: CommandTable): void {
  resolveSelector(u.root, table);
  for (const s of u.selectors) resolveSelector(s, table);
  u.unrestricted = u.root.allowed === null && u.root.allKeys && u.root.allChannels;
}

// ACL SETUSER, DELUSER, LOAD and SAVE on the proxy's users, as Redis 7.0 runs them on its own
// (src/acl.c, aclCommand): each builds a new set of users, or returns Redis's error and changes
// nothing; the caller puts the new users in force (open connections follow users-reload.ts).
import fs from 'node:fs';
import type { CommandTable } from '../commands/table';
import { AclRuleError, resolveUser } from './acl-commands';
import { describeUser } from './acl-describe';
import { applyUserRule, copyUser, mergeSelectorArgs, newUser, type PubsubDefault } from './acl-rules';
import { Authenticator } from './users';

/** Redis's ACLStringHasSpaces: no whitespace nor NUL in user names (and key patterns). */
const hasSpaces = (s: string): boolean => /[\s\0]/.test(s);

/** ACL SETUSER: the users with `name` created or changed by `rules`, all of them or none. */
export function setUser(auth: Authenticator, table: CommandTable, pubsub: PubsubDefault, name: string, rules: readonly string[]): Authenticator | string {
  if (hasSpaces(name)) return "ERR Usernames can't contain spaces or null characters";
  const merged = mergeSelectorArgs(rules);
  if (!Array.isArray(merged)) return `ERR Unmatched parenthesis in acl selector starting at '${merged.unmatched}'.`;
  const old = auth.users.get(name);
  const u = old ? copyUser(old) : newUser(name, pubsub);
  for (const rule of merged) {
    if (rule === '') continue;
    const problem = applyUserRule(u, rule, 'ACL SETUSER', pubsub);
    if (problem) return `ERR Error in ACL SETUSER modifier '${rule}': ${problem}`;
  }
  try {
    resolveUser(u, table);
  } catch (err) {
    if (!(err instanceof AclRuleError)) throw err;
    // the modifier that holds the rule (a selector holds several)
    const lower = err.rule.toLowerCase();
    const modifier = merged.find((m) => m.toLowerCase() === lower || (m.startsWith('(') && m.slice(1, -1).toLowerCase().split(/\s+/).includes(lower))) ?? err.rule;
    return `ERR Error in ACL SETUSER modifier '${modifier}': ${err.problem}`;
  }
  const users = new Map(auth.users);
  users.set(name, u);
  return new Authenticator(users);
}

/** ACL DELUSER: the users without `names` and how many of them existed; default cannot go. */
export function delUsers(auth: Authenticator, names: readonly string[]): { auth: Authenticator; deleted: number } | string {
  if (names.includes('default')) return "ERR The 'default' user cannot be removed";
  const users = new Map(auth.users);
  let deleted = 0;
  for (const n of names) if (users.delete(n)) deleted++;
  return { auth: new Authenticator(users), deleted };
}

/** ACL LOAD: the users file read again (as SIGHUP reads it), or why it cannot be. */
export function loadUsers(password: string, file: string, pubsub: PubsubDefault, table: CommandTable): Authenticator | string {
  try {
    const auth = new Authenticator(password, file, pubsub);
    auth.resolve(table);
    return auth;
  } catch (err) {
    return `ERR ${(err as Error).message}. WARNING: ACL errors detected, no change to the previously active ACL rules was performed`;
  }
}

/** ACL SAVE: the users written over `file` as ACL LIST shows them, by name (through a temporary file). */
export function saveUsers(auth: Authenticator, table: CommandTable, file: string): void {
  const names = [...auth.users.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const text = names.map((n) => describeUser(auth.users.get(n)!, table) + '\n').join('');
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  try {
    fs.writeFileSync(tmp, text, { encoding: 'latin1', mode: 0o600 });
    fs.renameSync(tmp, file);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

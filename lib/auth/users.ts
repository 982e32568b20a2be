// Users for client authentication: SLOTPROXY_PASSWORD makes the default user need a password
// (like requirepass); SLOTPROXY_USERS_FILE holds users in Redis's ACL file syntax, of which the
// proxy understands: on/off, >password, #<sha256>, nopass, resetpass, ~pattern, allkeys,
// resetkeys, +@category, -@category, +command, -command, +command|sub, allcommands, nocommands,
// and accepts (without effect) channel rules (&pattern, allchannels, resetchannels).
import { createHash, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import type { CommandTable } from '../commands/table';
import { globToRegExp } from './glob';

export interface User {
  readonly name: string;
  enabled: boolean;
  nopass: boolean;
  passwords: Set<string>; // sha256 hex
  allKeys: boolean;
  keyPatterns: RegExp[];
  /** command rules in order, applied to the table by allowedIds() */
  commandRules: string[];
  /** row ids the user may run; null = every command */
  allowed: Set<number> | null;
}

export const sha256 = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

function newUser(name: string): User {
  return { name, enabled: false, nopass: false, passwords: new Set(), allKeys: false, keyPatterns: [], commandRules: [], allowed: new Set() };
}

/** Applies one ACL rule; returns an error text for a rule the proxy does not understand. */
function applyRule(u: User, rule: string): string | null {
  const lower = rule.toLowerCase();
  if (lower === 'on') u.enabled = true;
  else if (lower === 'off') u.enabled = false;
  else if (lower === 'nopass') {
    u.nopass = true;
    u.passwords.clear();
  } else if (lower === 'resetpass') {
    u.nopass = false;
    u.passwords.clear();
  } else if (rule.startsWith('>')) {
    u.nopass = false;
    u.passwords.add(sha256(rule.slice(1)));
  } else if (rule.startsWith('#')) {
    if (!/^#[0-9a-f]{64}$/i.test(rule)) return `'${rule}' is not a SHA-256 hex digest`;
    u.nopass = false;
    u.passwords.add(rule.slice(1).toLowerCase());
  } else if (lower === 'allkeys' || rule === '~*') {
    u.allKeys = true;
  } else if (lower === 'resetkeys') {
    u.allKeys = false;
    u.keyPatterns = [];
  } else if (rule.startsWith('~')) {
    // keys are compared as latin1 strings of their bytes: the pattern is read the same way
    u.keyPatterns.push(globToRegExp(Buffer.from(rule.slice(1)).toString('latin1')));
  } else if (rule.startsWith('%')) {
    return `'${rule}' (read/write key permissions) is not supported by slotproxy; use ~pattern`;
  } else if (rule.startsWith('&') || lower === 'allchannels' || lower === 'resetchannels') {
    // channel permissions are not enforced by the proxy
  } else if (lower === 'allcommands' || lower === 'nocommands' || /^[+-]/.test(rule)) {
    u.commandRules.push(lower === 'allcommands' ? '+@all' : lower === 'nocommands' ? '-@all' : lower);
  } else {
    return `unknown rule '${rule}'`;
  }
  return null;
}

/** Which rows of the table a user may run, from its command rules in order. */
export function resolveCommands(u: User, table: CommandTable): void {
  const rows = table.scannerRows().map((r) => table.row(r.id)!);
  const allowed = new Set<number>();
  for (const rule of u.commandRules) {
    const add = rule[0] === '+';
    const what = rule.slice(1);
    let hit = rows;
    if (what.startsWith('@')) {
      const cat = what.slice(1);
      if (cat !== 'all') hit = rows.filter((r) => r.info.aclCategories.includes(cat));
    } else {
      // a container rule covers its subcommands; "container|sub" only that one
      hit = rows.filter((r) => r.name === what || (!what.includes('|') && r.parent?.name === what));
    }
    for (const r of hit) {
      if (add) allowed.add(r.id);
      else allowed.delete(r.id);
    }
  }
  const everything = rows.every((r) => allowed.has(r.id));
  u.allowed = everything ? null : allowed;
}

export function parseUsersFile(text: string, file = 'users file'): Map<string, User> {
  const users = new Map<string, User>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const [word, name, ...rules] = line.split(/\s+/);
    if (word !== 'user' || !name) throw new Error(`${file}:${i + 1}: expected "user <name> <rules...>"`);
    const u = users.get(name) ?? newUser(name);
    for (const rule of rules) {
      const problem = applyRule(u, rule);
      if (problem) throw new Error(`${file}:${i + 1}: ${problem}`);
    }
    users.set(name, u);
  });
  return users;
}

export class Authenticator {
  readonly users: Map<string, User>;
  /** false when clients need no password at all (no SLOTPROXY_PASSWORD, no users file) */
  readonly required: boolean;

  constructor(password: string, usersFile: string) {
    this.users = usersFile ? parseUsersFile(fs.readFileSync(usersFile, 'utf8'), usersFile) : new Map();
    if (!this.users.has('default')) {
      const d = newUser('default');
      for (const rule of ['on', 'nopass', 'allkeys', '+@all']) applyRule(d, rule);
      this.users.set('default', d);
    }
    if (password) {
      const d = this.users.get('default')!;
      d.nopass = false;
      d.passwords = new Set([sha256(password)]);
    }
    const d = this.users.get('default')!;
    this.required = !(d.enabled && d.nopass);
  }

  resolve(table: CommandTable): void {
    for (const u of this.users.values()) resolveCommands(u, table);
  }

  /** The user a new connection starts as: default when it needs no password, else none. */
  initialUser(): User | null {
    return this.required ? null : this.users.get('default')!;
  }

  /** The user these credentials log in as, or null (WRONGPASS). */
  check(username: string, password: Buffer): User | null {
    const u = this.users.get(username);
    if (!u || !u.enabled) return null;
    if (u.nopass) return u;
    const given = Buffer.from(sha256(password), 'hex');
    let ok = false;
    for (const h of u.passwords) ok = timingSafeEqual(given, Buffer.from(h, 'hex')) || ok;
    return ok ? u : null;
  }

  /** The default user needs no password (for AUTH's "called without any password" error). */
  get defaultIsNopass(): boolean {
    return this.users.get('default')!.nopass;
  }
}

// Users for client authentication: SLOTPROXY_PASSWORD makes the default user need a password
// (like requirepass); SLOTPROXY_USERS_FILE holds users in Redis's ACL file syntax, every rule of
// Redis 7.0 (acl-rules.ts): on/off, passwords (>, #, <, !, nopass, resetpass), key patterns
// (~, %R~, %W~, allkeys, resetkeys), channel patterns (&, allchannels, resetchannels), command
// rules (+/-command, +/-@category, +command|sub, +command|firstarg), selectors "(...)", reset.
import { timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import type { CommandTable } from '../commands/table';
import { resolveUser } from './acl-commands';
import { applyUserRule, lineWords, newUser, sha256, type PubsubDefault, type User } from './acl-rules';

export { sha256, type User } from './acl-rules';

/** Redis's default user when the users file has none: every command, key and channel. */
function defaultUser(): User {
  const d = newUser('default', 'allchannels');
  for (const rule of ['on', 'nopass', '~*', '&*', '+@all']) applyUserRule(d, rule, 'default', 'allchannels');
  return d;
}

export function parseUsersFile(text: string, file = 'users file', pubsub: PubsubDefault = 'resetchannels'): Map<string, User> {
  const users = new Map<string, User>();
  text.split('\n').forEach((raw, i) => {
    const where = `${file}:${i + 1}`;
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const words = lineWords(line);
    if (!words) throw new Error(`${where}: Unmatched parenthesis in acl selector`);
    const [word, name, ...rules] = words;
    if (word !== 'user' || !name) throw new Error(`${where}: expected "user <name> <rules...>"`);
    // Redis refuses a file that defines a user twice (ACLLoadFromFile)
    if (users.has(name)) throw new Error(`${where}: Duplicate user '${name}' found`);
    const u = newUser(name, pubsub);
    for (const rule of rules) {
      const problem = applyUserRule(u, rule, where, pubsub);
      if (problem) throw new Error(`${where}: ${problem} ('${rule}')`);
    }
    users.set(name, u);
  });
  return users;
}

export class Authenticator {
  readonly users: Map<string, User>;
  /** false when clients need no password at all (no SLOTPROXY_PASSWORD, no users file) */
  readonly required: boolean;

  /**
   * The users of `usersFile` (read now), default's password replaced by `password` if set; or,
   * given a map, exactly those users (ACL SETUSER and DELUSER make a new map).
   */
  constructor(password: string, usersFile: string, pubsub?: PubsubDefault);
  constructor(users: Map<string, User>);
  constructor(source: string | Map<string, User>, usersFile = '', pubsub: PubsubDefault = 'resetchannels') {
    if (typeof source !== 'string') {
      this.users = source;
    } else {
      this.users = usersFile ? parseUsersFile(fs.readFileSync(usersFile, 'utf8'), usersFile, pubsub) : new Map();
      if (!this.users.has('default')) this.users.set('default', defaultUser());
      const d = this.users.get('default')!;
      if (source) {
        d.nopass = false;
        d.passwords = new Set([sha256(source)]);
      }
    }
    const d = this.users.get('default')!;
    this.required = !(d.enabled && d.nopass);
  }

  /** Resolves the command rules against the table; throws naming the rule Redis would refuse. */
  resolve(table: CommandTable): void {
    for (const u of this.users.values()) resolveUser(u, table);
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

// Permission checks for users with restrictions, as Redis 7.0 makes them before a command runs
// (ACLCheckAllUserCommandPerm in src/acl.c): the command (or its first argument), every key with
// the read/write permission it needs, every channel; a user with selectors may run the command
// when one of them allows it all. Unrestricted users never get here (the hot path skips it).
//
// What a script or function does inside the server is out of the proxy's sight: see
// runsCode(), AclChecker.scriptsAsUser and docs/security.md.
import type { CommandRow } from '../commands/table';
import { aclChannels, aclKeys, type AclKey } from './acl-keys';
import type { Selector, User } from './acl-rules';

// Redis's ACL_DENIED_* codes, whose order decides which error a user with selectors gets.
const DENIED_CMD = 1;
const DENIED_KEY = 2;
const DENIED_CHANNEL = 4;

export const NOPERM_KEYS = 'NOPERM this user has no permissions to access one of the keys used as arguments';
export const NOPERM_CHANNELS = 'NOPERM this user has no permissions to access one of the channels used as arguments';
export const noPermCommand = (name: string): string => `NOPERM this user has no permissions to run the '${name}' command`;

/** Commands that run code on the server (EVAL*, FCALL*): every @scripting command but SCRIPT and FUNCTION's subcommands. */
export function runsCode(row: CommandRow): boolean {
  return row.parent === null && row.info.aclCategories.includes('scripting');
}

export class AclChecker {
  /**
   * Scripts of restricted users run on the nodes as the user, who checks what they do
   * (SLOTPROXY_ACL_SCRIPTS=cluster, lib/auth/cluster-scripts.ts); false: they are refused.
   */
  scriptsAsUser = false;

  /** The NOPERM error for this command, or null when the user may run it. */
  denied(user: User, row: CommandRow, args: Buffer[]): string | null {
    let keys: AclKey[] | null | undefined;
    let worst = 0;
    let allowed = false;
    for (let i = -1; i < user.selectors.length && !allowed; i++) {
      const s = i < 0 ? user.root : user.selectors[i];
      if (!s.allKeys && keys === undefined) keys = aclKeys(row, args);
      const verdict = this.check(s, row, args, keys ?? []);
      if (verdict === 0 && keys === null && !s.allKeys) {
        worst = Math.max(worst, DENIED_KEY);
        continue;
      }
      if (verdict === 0) allowed = true;
      else worst = Math.max(worst, verdict);
    }
    if (!allowed) {
      if (worst === DENIED_CMD) return noPermCommand(row.name);
      if (worst === DENIED_CHANNEL) return NOPERM_CHANNELS;
      return keys === null
        ? `NOPERM slotproxy cannot tell which keys '${row.name}' uses from its arguments, so users with key patterns may not run it`
        : NOPERM_KEYS;
    }
    if (runsCode(row) && !user.unrestricted && !this.scriptsAsUser) {
      return (
        `NOPERM slotproxy cannot see which keys, commands and channels a script or function uses, so users with key, command or channel rules ` +
        `may not run '${row.name}'; set SLOTPROXY_ACL_SCRIPTS=cluster to have the cluster check them (docs/security.md)`
      );
    }
    return null;
  }

  /** For a command denied() let through: it must run on the nodes as the user. */
  runsAsUser(user: User, row: CommandRow): boolean {
    return this.scriptsAsUser && !user.unrestricted && runsCode(row);
  }

  private check(s: Selector, row: CommandRow, args: Buffer[], keys: AclKey[]): number {
    // AUTH and HELLO (flag no_auth) are never refused by command rules
    if (s.allowed !== null && !s.allowed.has(row.id) && !row.info.flags.includes('no_auth')) {
      const first = s.firstArgs.get(row.id);
      const at = row.parent ? 2 : 1;
      if (!first || args.length <= at || !first.has(args[at].toString('latin1').toLowerCase())) return DENIED_CMD;
    }
    if (!s.allKeys) {
      for (const k of keys) {
        const name = args[k.index].toString('latin1');
        if (!s.keys.some((p) => (p.perms & k.perms) === k.perms && p.re.test(name))) return DENIED_KEY;
      }
    }
    if (!s.allChannels) {
      for (const c of aclChannels(row, args)) {
        if (!s.channels.some((p) => (c.pattern ? p.text === c.name : p.re.test(c.name)))) return DENIED_CHANNEL;
      }
    }
    return 0;
  }
}

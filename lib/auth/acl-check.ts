// Permission checks for users with restrictions, as Redis 7.0 makes them before a command runs
// (ACLCheckAllUserCommandPerm in src/acl.c): the command (or its first argument), every key with
// the read/write permission it needs, every channel; a user with selectors may run the command
// when one of them allows it all. Unrestricted users never get here (the hot path skips it).
//
// What a script or function does inside the server is out of the proxy's sight: see
// runsCode(), AclChecker.scriptsAsUser and docs/security.md.
import type { CommandRow } from '../commands/table';
import { aclChannels, aclKeys, type AclKey } from './acl-keys';
import { AclLog } from './acl-log';
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

/** Why Redis refused a command (ACL LOG's "reason"), and the argument it names (a key or channel). */
export interface Denial {
  readonly reason: 'command' | 'key' | 'channel';
  /** the key's or channel's argument index; -1 for the command */
  readonly index: number;
}

const REASONS = { [DENIED_CMD]: 'command', [DENIED_KEY]: 'key', [DENIED_CHANNEL]: 'channel' } as const;

export class AclChecker {
  /**
   * Scripts of restricted users run on the nodes as the user, who checks what they do
   * (SLOTPROXY_ACL_SCRIPTS=cluster, lib/auth/cluster-scripts.ts); false: they are refused.
   */
  scriptsAsUser = false;
  /** refusals and failed logins, for ACL LOG */
  readonly log = new AclLog();
  /** what denied() last refused for Redis's reasons (null: it was one of the proxy's own), for ACL LOG */
  lastDenial: Denial | null = null;
  /** the argument index check() failed on */
  private failedAt = -1;

  /** The NOPERM error for this command, or null when the user may run it. */
  denied(user: User, row: CommandRow, args: Buffer[]): string | null {
    const keys = this.keysOf(user, row, args);
    const d = this.redisDenial(user, row, args, keys);
    this.lastDenial = d;
    if (d !== null && d.reason === 'key' && keys === null) {
      this.lastDenial = null;
      return `NOPERM slotproxy cannot tell which keys '${row.name}' uses from its arguments, so users with key patterns may not run it`;
    }
    if (d !== null) {
      if (d.reason === 'command') return noPermCommand(row.name);
      return d.reason === 'channel' ? NOPERM_CHANNELS : NOPERM_KEYS;
    }
    if (runsCode(row) && !user.unrestricted && !this.scriptsAsUser) {
      return (
        `NOPERM slotproxy cannot see which keys, commands and channels a script or function uses, so users with key, command or channel rules ` +
        `may not run '${row.name}'; set SLOTPROXY_ACL_SCRIPTS=cluster to have the cluster check them (docs/security.md)`
      );
    }
    return null;
  }

  /**
   * ACL DRYRUN's answer: null when Redis would let `user` run it, else Redis's text ("This user
   * has no permissions to access the 'bar' key"), or the proxy's own refusal.
   */
  dryRun(user: User, row: CommandRow, args: Buffer[]): string | null {
    const keys = this.keysOf(user, row, args);
    const d = this.redisDenial(user, row, args, keys);
    if (d === null || (d.reason === 'key' && keys === null)) {
      const own = this.denied(user, row, args);
      return own === null ? null : own.replace(/^NOPERM /, '');
    }
    if (d.reason === 'command') return `This user has no permissions to run the '${row.name}' command`;
    return `This user has no permissions to access the '${args[d.index].toString('latin1')}' ${d.reason}`;
  }

  /** For a command denied() let through: it must run on the nodes as the user. */
  runsAsUser(user: User, row: CommandRow): boolean {
    return this.scriptsAsUser && !user.unrestricted && runsCode(row);
  }

  /** The keys the ACL checks (null: unknown), or [] when every selector may use any key. */
  private keysOf(user: User, row: CommandRow, args: Buffer[]): AclKey[] | null {
    if (user.root.allKeys && user.selectors.every((s) => s.allKeys)) return [];
    return aclKeys(row, args);
  }

  /**
   * Redis's verdict (ACLCheckAllUserCommandPerm): allowed when one selector allows it all; else
   * the command when no selector may run it, otherwise the last key or channel none may use.
   * A selector with key patterns cannot allow a command whose keys are unknown.
   */
  private redisDenial(user: User, row: CommandRow, args: Buffer[], keys: AclKey[] | null): Denial | null {
    let worst = DENIED_CMD;
    let worstAt = 0;
    for (let i = -1; i < user.selectors.length; i++) {
      const s = i < 0 ? user.root : user.selectors[i];
      this.failedAt = 0;
      const verdict = this.check(s, row, args, keys);
      if (verdict === 0) return null;
      if (verdict > worst || (verdict === worst && this.failedAt > worstAt)) {
        worst = verdict;
        worstAt = this.failedAt;
      }
    }
    return { reason: REASONS[worst as keyof typeof REASONS], index: worst === DENIED_CMD ? -1 : worstAt };
  }

  private check(s: Selector, row: CommandRow, args: Buffer[], keys: AclKey[] | null): number {
    // AUTH and HELLO (flag no_auth) are never refused by command rules
    if (s.allowed !== null && !s.allowed.has(row.id) && !row.info.flags.includes('no_auth')) {
      const first = s.firstArgs.get(row.id);
      const at = row.parent ? 2 : 1;
      if (!first || args.length <= at || !first.has(args[at].toString('latin1').toLowerCase())) return DENIED_CMD;
    }
    if (!s.allKeys) {
      if (keys === null) return DENIED_KEY;
      for (const k of keys) {
        const name = args[k.index].toString('latin1');
        if (!s.keys.some((p) => (p.perms & k.perms) === k.perms && p.re.test(name))) {
          this.failedAt = k.index;
          return DENIED_KEY;
        }
      }
    }
    if (!s.allChannels) {
      for (const c of aclChannels(row, args)) {
        if (!s.channels.some((p) => (c.pattern ? p.text === c.name : p.re.test(c.name)))) {
          this.failedAt = c.index;
          return DENIED_CHANNEL;
        }
      }
    }
    return 0;
  }
}

// ACL about the proxy's own users (SLOTPROXY_USERS_FILE, lib/auth), answered with Redis 7.0's
// replies and errors (src/acl.c, aclCommand). Sent to a node, these would describe the node's
// users, the proxy's own cluster user among them (ACL WHOAMI said "default"), or change them.
// What changes users (SETUSER, DELUSER, LOAD, SAVE) needs SLOTPROXY_ADMIN_COMMANDS=yes, and
// acts on the proxy's users. Who may run which subcommand is the ACL check's business, as in
// Redis (GETUSER, LIST, LOG ... are @admin @dangerous).
import { randomBytes } from 'node:crypto';
import { delUsers, loadUsers, saveUsers, setUser } from '../../auth/acl-admin';
import { CATEGORIES } from '../../auth/acl-commands';
import { describeChannels, describeCommands, describeKeys, describeUser, userFlags } from '../../auth/acl-describe';
import type { PubsubDefault, Selector, User } from '../../auth/acl-rules';
import type { CommandRow } from '../../commands/table';
import { bulk, encode, integer, mapOf, nullBulk, OK, setOf, type RespValue } from '../../protocol/resp';
import type { AclChecker } from '../../auth/acl-check';
import type { AclLogReason } from '../../auth/acl-log';
import type { Authenticator } from '../../auth/users';
import type { SessionInfo } from '../context';
import { clientLine } from './client';
import { ImmediateReply } from '../client-request';
import { subcommandSyntaxError, wrongArity } from '../errors';
import type { FamilyDispatch, FamilyHandlers, FamilySession, ParsedCommand } from '../family';

/**
 * Records a command refused for ACL reasons, or a failed login, in ACL LOG (Redis's
 * addACLLogEntry): `object` is the command, key or channel refused, or the login command typed;
 * `object` and `username` are latin1 text (a byte per character).
 */
export function logAclEvent(session: SessionInfo, acl: AclChecker, reason: AclLogReason, object: string, username: string, command: string): void {
  acl.log.add({ reason, context: session.flags === 'x' ? 'multi' : 'toplevel', object, username, clientInfo: clientLine(session, session, command) });
}

/** A refusal of AclChecker.denied(), logged when it was one of Redis's (not the proxy's own). */
export function logDenial(session: SessionInfo, acl: AclChecker, user: User, row: CommandRow, args: Buffer[]): void {
  const d = acl.lastDenial;
  if (d === null) return;
  logAclEvent(session, acl, d.reason, d.index < 0 ? row.name : latin1(args[d.index]), latin1(Buffer.from(user.name)), row.name);
}

const answer = (session: FamilySession, reply: Buffer): void => session.enqueue(new ImmediateReply(reply));
const text = (s: string): Buffer => Buffer.from(s, 'latin1');
const latin1 = (b: Buffer): string => b.toString('latin1');

/** Redis's getLongFromObjectOrReply: an integer as string2ll reads it, or null. */
function long(b: Buffer): number | null {
  const s = latin1(b);
  return /^(0|-?[1-9][0-9]{0,17})$/.test(s) ? Number(s) : null;
}
const NOT_AN_INTEGER = 'ERR value is not an integer or out of range';

/** The users by name, in Redis's order (its radix tree's: by bytes). */
function usersByName(session: FamilySession): User[] {
  return [...session.ctx.auth.users.values()].sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
}

function getuser(session: FamilySession, cmd: ParsedCommand): void {
  const u = session.ctx.auth.users.get(latin1(cmd.args()[2]));
  if (!u) return answer(session, nullBulk(session.resp3));
  const table = session.ctx.table;
  const selector = (s: Selector): RespValue[] => ['commands', text(describeCommands(s, table)), 'keys', text(describeKeys(s)), 'channels', text(describeChannels(s))];
  // RESP3: a map whose flags are a set and whose selectors are maps, as Redis 7.0 writes it
  const reply = mapOf(['flags', setOf(userFlags(u)), 'passwords', [...u.passwords], ...selector(u.root), 'selectors', u.selectors.map((s) => mapOf(selector(s)))]);
  answer(session, encode(reply, session.resp3));
}

function cat(session: FamilySession, cmd: ParsedCommand): void {
  const args = cmd.args();
  if (args.length > 3) return session.reject(subcommandSyntaxError(args));
  if (args.length === 2) return answer(session, encode([...CATEGORIES]));
  const name = latin1(args[2]);
  const category = CATEGORIES.find((c) => c === name.toLowerCase());
  if (!category) return session.reject(`ERR Unknown category '${name.slice(0, 128)}'`);
  const rows = session.ctx.table.rows.filter((r): r is CommandRow => r !== undefined && r.info.aclCategories.includes(category));
  answer(session, encode(rows.map((r) => r.name)));
}

/** The command ACL DRYRUN asks about, as Redis's lookupCommand finds it (a container's subcommand when named). */
function lookup(session: FamilySession, args: Buffer[]): CommandRow | undefined {
  const table = session.ctx.table;
  const row = table.get(latin1(args[0]));
  if (!row || args.length < 2 || row.info.subcommands.length === 0) return row;
  return table.get(`${row.name}|${latin1(args[1])}`);
}

function dryrun(session: FamilySession, cmd: ParsedCommand): void {
  const args = cmd.args();
  const user = session.ctx.auth.users.get(latin1(args[2]));
  if (!user) return session.reject(`ERR User '${latin1(args[2])}' not found`);
  const command = args.slice(3);
  const row = lookup(session, command);
  if (!row) return session.reject(`ERR Command '${latin1(args[3])}' not found`);
  const arity = row.info.arity;
  if ((arity > 0 && arity !== command.length) || command.length < -arity) return session.reject(wrongArity(row.name));
  const refused = session.ctx.acl.dryRun(user, row, command);
  answer(session, refused === null ? OK : bulk(text(refused)));
}

function genpass(session: FamilySession, cmd: ParsedCommand): void {
  const args = cmd.args();
  if (args.length > 3) return session.reject(subcommandSyntaxError(args));
  const bits = args.length === 3 ? long(args[2]) : 256;
  if (bits === null) return session.reject(NOT_AN_INTEGER);
  if (bits <= 0 || bits > 4096) return session.reject('ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096');
  const chars = Math.floor((bits + 3) / 4);
  answer(session, bulk(randomBytes(Math.ceil(chars / 2)).toString('hex').slice(0, chars)));
}

function log(session: FamilySession, cmd: ParsedCommand): void {
  const args = cmd.args();
  if (args.length > 3) return session.reject(subcommandSyntaxError(args));
  const aclLog = session.ctx.acl.log;
  let count = 10;
  if (args.length === 3) {
    if (latin1(args[2]).toLowerCase() === 'reset') {
      aclLog.reset();
      return answer(session, OK);
    }
    const n = long(args[2]);
    if (n === null) return session.reject(NOT_AN_INTEGER);
    count = Math.max(0, n);
  }
  answer(session, aclLog.reply(count, session.resp3));
}

/**
 * A subcommand that changes the proxy's users: refused, saying what it would do, unless an
 * operator allowed admin commands; with several workers, those that would leave the workers
 * with different users are refused too (SIGHUP reaches them all).
 */
function changesUsers(sub: string, wouldDo: string, everyWorker: boolean, run: FamilyDispatch): FamilyDispatch {
  return (session, cmd) => {
    const config = session.ctx.config;
    if (!config.adminCommands) {
      return session.reject(
        `ERR ACL ${sub} is turned off in slotproxy: it would ${wouldDo}. Edit SLOTPROXY_USERS_FILE and send SIGHUP, or an operator can allow it with SLOTPROXY_ADMIN_COMMANDS=yes`,
      );
    }
    if (everyWorker && config.workers > 1) {
      return session.reject(`ERR ACL ${sub} would change the users of one worker only (SLOTPROXY_WORKERS=${config.workers}): edit SLOTPROXY_USERS_FILE and send SIGHUP, which every worker takes`);
    }
    run(session, cmd);
  };
}

/**
 * Puts new users in force and answers. Redis lets the client whose own user went (deleted,
 * switched off) have this reply, then closes it: so it is logged out, its reply closes it.
 */
function inForce(session: FamilySession, auth: Authenticator, reply: Buffer): void {
  const mine = session.user;
  const kept = mine === null || auth.users.get(mine.name)?.enabled === true;
  if (!kept) session.user = null;
  session.enqueue(new ImmediateReply(reply, !kept));
  session.ctx.useUsers(auth);
}

/** ACL LOAD and SAVE need the users file. */
function usersFile(session: FamilySession, sub: string): string | null {
  const file = session.ctx.config.usersFile;
  if (!file) session.reject(`ERR ACL ${sub} needs a users file, and slotproxy has none: set SLOTPROXY_USERS_FILE`);
  return file || null;
}

export const ACL = {
  whoami(session) {
    const u = session.user;
    answer(session, u === null ? nullBulk(session.resp3) : bulk(Buffer.from(u.name)));
  },
  cat,
  getuser,
  list: (session) => answer(session, encode(usersByName(session).map((u) => text(describeUser(u, session.ctx.table))))),
  users: (session) => answer(session, encode(usersByName(session).map((u) => Buffer.from(u.name)))),
  dryrun,
  log,
  genpass,
  setuser: changesUsers('SETUSER', 'change the proxy’s users until the users file is read again (ACL SAVE writes them to it)', true, (session, cmd) => {
    const args = cmd.args();
    const ctx = session.ctx;
    const next = setUser(ctx.auth, ctx.table, ctx.config.aclPubsubDefault as PubsubDefault, latin1(args[2]), args.slice(3).map(latin1));
    if (typeof next === 'string') return session.reject(next);
    inForce(session, next, OK);
  }),
  deluser: changesUsers('DELUSER', 'delete users of the proxy and close their connections', true, (session, cmd) => {
    const ctx = session.ctx;
    const next = delUsers(ctx.auth, cmd.args().slice(2).map(latin1));
    if (typeof next === 'string') return session.reject(next);
    inForce(session, next.auth, integer(next.deleted));
  }),
  load: changesUsers('LOAD', 'read the users file (SLOTPROXY_USERS_FILE) again, as SIGHUP does', true, (session) => {
    const ctx = session.ctx;
    const file = usersFile(session, 'LOAD');
    if (file === null) return;
    const next = loadUsers(ctx.config.password, file, ctx.config.aclPubsubDefault as PubsubDefault, ctx.table);
    if (typeof next === 'string') return session.reject(next);
    inForce(session, next, OK);
  }),
  save: changesUsers('SAVE', 'write the proxy’s users over the users file (SLOTPROXY_USERS_FILE)', false, (session) => {
    const file = usersFile(session, 'SAVE');
    if (file === null) return;
    try {
      saveUsers(session.ctx.auth, session.ctx.table, file);
    } catch (err) {
      return session.reject(`ERR There was an error trying to save the ACLs: ${(err as Error).message}`);
    }
    answer(session, OK);
  }),
} satisfies FamilyHandlers<'acl'>;


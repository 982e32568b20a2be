// Commands the proxy answers itself, with Redis 7's replies and errors (src/server.c,
// src/networking.c). Each takes the decoded arguments (arity already checked by the table).
import type { LocalCommand } from '../commands/handlers';
import { commandCount, commandInfoReply, commandList } from './command-reply';
import { infoSections as sectionsFor, renderInfo } from '../metrics/info';
import type { ProxyView } from '../metrics/view';
import type { MastersInfo } from '../metrics/masters-info';
import { keySlot } from '../protocol/crc16';
import { bulk, encode, error, integer, mapOf, nullBulk, OK, PONG, verbatim } from '../protocol/resp';
import type { ProxyContext, SessionInfo } from './context';
import { logAclEvent } from './families/acl';
import { WRONGPASS, wrongArity } from './errors';

export interface LocalResult {
  reply: Buffer;
  /** close the connection after this reply (QUIT) */
  close?: boolean;
}

type LocalFn = (args: Buffer[], session: SessionInfo, ctx: ProxyContext) => LocalResult;

const r = (reply: Buffer): LocalResult => ({ reply });

/** Redis's getLongLongFromObject: string2ll rules (no spaces, no '+', no leading zeros). */
function strictInt(b: Buffer): number | null {
  const s = b.toString('latin1');
  if (!/^(0|-?[1-9][0-9]{0,18})$/.test(s)) return null;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : null;
}

/** RESP3 came with Redis 6; a version the proxy could not read is given the benefit of the doubt. */
function speaksResp3(version: string): boolean {
  const major = Number(/^(\d+)\./.exec(version)?.[1]);
  return !(major < 6);
}

/** Client names and CLIENT SETINFO values: printable ASCII without spaces (clientSetName). */
function printableNoSpaces(b: Buffer): boolean {
  for (const c of b) if (c < 33 || c > 126) return false;
  return true;
}

function setName(session: SessionInfo, name: Buffer): LocalResult | null {
  if (!printableNoSpaces(name)) return r(error('ERR Client names cannot contain spaces, newlines or special characters.'));
  session.name = name.length ? name.toString('latin1') : null;
  return null;
}

/** The INFO sections these arguments ask for, in output order (Redis 7 rules; see lib/metrics/info.ts). */
export function infoSections(args: readonly string[]): string[] {
  return sectionsFor(args);
}

/** The proxy's INFO; `masters` is what the masters' INFO said, merged. */
export function infoText(ctx: ProxyView, sections: readonly string[], masters?: MastersInfo): string {
  return renderInfo(ctx, sections, masters);
}

/** WRONGPASS, and an ACL LOG entry (reason auth, the command as typed), as Redis logs it. */
function loginFailed(args: Buffer[], username: string, session: SessionInfo, ctx: ProxyContext): LocalResult {
  const typed = args[0].toString('latin1');
  logAclEvent(session, ctx.acl, 'auth', typed, username, typed.toLowerCase());
  return r(error(WRONGPASS));
}

export const LOCAL_COMMANDS: Record<LocalCommand, LocalFn> = {
  ping(args) {
    if (args.length > 2) return r(error(wrongArity('ping')));
    return r(args.length === 2 ? bulk(args[1]) : PONG);
  },
  echo: (args) => r(bulk(args[1])),
  quit: () => ({ reply: OK, close: true }),
  readonly(_args, session) {
    session.switchReads('readonly');
    return r(OK);
  },
  readwrite(_args, session) {
    session.switchReads('readwrite');
    return r(OK);
  },
  select(args) {
    const id = strictInt(args[1]);
    if (id === null) return r(error('ERR value is not an integer or out of range'));
    if (id < -(2 ** 31) || id > 2 ** 31 - 1) return r(error('ERR value is out of range, value must between -2147483648 and 2147483647'));
    if (id !== 0) return r(error('ERR SELECT is not allowed in cluster mode'));
    return r(OK);
  },
  hello(args, session, ctx) {
    // Redis 7.0's helloCommand (src/networking.c): version, options, AUTH, then the name, then
    // the protocol switch; each failure leaves the client as it was up to that step.
    let resp3 = session.resp3;
    if (args.length >= 2) {
      const v = strictInt(args[1]);
      if (v === null) return r(error('ERR Protocol version is not an integer or out of range'));
      // a cluster of Redis 5 cannot say HELLO 3 to the proxy's connections
      if (v < 2 || v > 3 || (v === 3 && !speaksResp3(ctx.clusterVersion))) return r(error('NOPROTO unsupported protocol version'));
      resp3 = v === 3;
    }
    let name: Buffer | null = null;
    let credentials: [Buffer, Buffer] | null = null;
    for (let j = 2; j < args.length; j++) {
      const opt = args[j].toString('latin1').toLowerCase();
      const more = args.length - 1 - j;
      if (opt === 'auth' && more >= 2) {
        credentials = [args[j + 1], args[j + 2]];
        j += 2;
      } else if (opt === 'setname' && more >= 1) {
        name = args[++j];
      } else {
        return r(error(`ERR Syntax error in HELLO option '${args[j].toString('latin1')}'`));
      }
    }
    if (credentials) {
      const user = ctx.auth.check(credentials[0].toString('latin1'), credentials[1]);
      if (!user) return loginFailed(args, credentials[0].toString('latin1'), session, ctx);
      session.user = user;
    }
    if (session.user === null) {
      return r(
        error(
          'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
        ),
      );
    }
    if (name) {
      const bad = setName(session, name);
      if (bad) return bad;
    }
    session.resp3 = resp3;
    return r(
      encode(
        mapOf([
          'server', 'redis',
          'version', ctx.clusterVersion,
          'proto', resp3 ? 3 : 2,
          'id', session.id,
          // the proxy is a one-node cluster wherever it describes itself (CLUSTER SLOTS, INFO)
          'mode', 'cluster',
          'role', 'master',
          'modules', [],
        ]),
        resp3,
      ),
    );
  },
  auth(args, session, ctx) {
    if (args.length > 3) return r(error('ERR syntax error'));
    if (args.length === 2 && ctx.auth.defaultIsNopass) {
      return r(error('ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?'));
    }
    const [username, password] = args.length === 2 ? ['default', args[1]] : [args[1].toString('latin1'), args[2]];
    const user = ctx.auth.check(username, password);
    // a failed AUTH leaves the client as it was, as in Redis
    if (!user) return loginFailed(args, username, session, ctx);
    session.user = user;
    return r(OK);
  },
  info(args, session, ctx) {
    return r(verbatim(infoText(ctx, args.slice(1).map((a) => a.toString('latin1').toLowerCase())), session.resp3));
  },
  ok: () => r(OK),
  'client-setname'(args, session) {
    return setName(session, args[2]) ?? r(OK);
  },
  'client-getname': (_args, session) => r(session.name === null ? nullBulk(session.resp3) : bulk(session.name)),
  'client-id': (_args, session) => r(integer(session.id)),
  'client-setinfo'(args, session) {
    const attr = args[2].toString('latin1');
    const which = attr.toLowerCase();
    if (which !== 'lib-name' && which !== 'lib-ver') return r(error(`ERR Unrecognized option '${attr}'`));
    if (!printableNoSpaces(args[3])) return r(error(`ERR ${attr} cannot contain spaces, newlines or special characters.`));
    const value = args[3].length ? args[3].toString('latin1') : null;
    if (which === 'lib-name') session.libName = value;
    else session.libVer = value;
    return r(OK);
  },
  'client-no-evict'(args, session) {
    const v = args[2].toString('latin1').toLowerCase();
    if (v !== 'on' && v !== 'off') return r(error('ERR syntax error'));
    session.noEvict = v === 'on';
    return r(OK);
  },
  'cluster-keyslot': (args) => r(integer(keySlot(args[2]))),
  command: (_args, session, ctx) => r(commandInfoReply(ctx.table, null, session.resp3)),
  'command-count': (_args, _session, ctx) => r(integer(commandCount(ctx.table))),
  'command-list'(args, _session, ctx) {
    const list = commandList(ctx.table, args.slice(2).map((a) => a.toString('latin1')));
    return r(list ? encode(list) : error('ERR syntax error'));
  },
  'command-info': (args, session, ctx) => r(commandInfoReply(ctx.table, args.slice(2).map((a) => a.toString('latin1')), session.resp3)),
};

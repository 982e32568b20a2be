// CLIENT INFO / LIST / KILL about the proxy's own clients (the clients of the cluster nodes are
// the proxy's connections, which mean nothing to an application), and RESET.
import { integer, OK, verbatim } from '../../protocol/resp';
import type { SessionInfo } from '../context';
import type { FamilyHandlers, FamilySession } from '../family';
import { NodeFanout } from './node-fanout';

/**
 * One line of CLIENT LIST, with the fields Redis 7 prints that mean something here; `command` is
 * what the asking client (`me`) is running (CLIENT LIST, CLIENT INFO, PROXY CLIENTS).
 */
export function clientLine(s: SessionInfo, me: SessionInfo, command: string): string {
  const now = Date.now();
  const fields: [string, string | number][] = [
    ['id', s.id],
    ['addr', s.remoteAddress],
    ['laddr', s.localAddress],
    ['name', s.name ?? ''],
    ['age', Math.floor((now - s.createdAt) / 1000)],
    ['idle', Math.floor((now - s.lastActive) / 1000)],
    ['flags', s.flags],
    ['db', 0],
    ['multi', s.flags === 'x' ? 0 : -1],
    ['cmd', s === me ? command : 'NULL'],
    ['user', s.user?.name ?? 'default'],
    ['redir', -1],
    ['resp', s.resp3 ? 3 : 2],
    ['lib-name', s.libName ?? ''],
    ['lib-ver', s.libVer ?? ''],
  ];
  return fields.map(([k, v]) => `${k}=${v}`).join(' ');
}

function answer(session: FamilySession, reply: Buffer): void {
  session.enqueue(new NodeFanout(session, Infinity, () => reply));
}

const TYPES = new Set(['normal', 'master', 'replica', 'slave', 'pubsub']);

function typeMatches(s: SessionInfo, type: string): boolean {
  if (type === 'pubsub') return s.flags === 'P';
  if (type === 'normal') return s.flags !== 'P';
  return false; // no masters or replicas connect to a proxy
}

function list(session: FamilySession, args: Buffer[]): void {
  let sessions = [...session.ctx.sessions];
  const a = args.map((x) => x.toString('latin1'));
  if (a.length === 4 && a[2].toLowerCase() === 'type') {
    const type = a[3].toLowerCase();
    if (!TYPES.has(type)) return session.reject(`ERR Unknown client type '${a[3]}'`);
    sessions = sessions.filter((s) => typeMatches(s, type));
  } else if (a.length >= 4 && a[2].toLowerCase() === 'id') {
    const ids = a.slice(3);
    if (!ids.every((x) => /^[1-9]\d*$/.test(x))) return session.reject('ERR Invalid client ID');
    sessions = sessions.filter((s) => ids.includes(String(s.id)));
  } else if (a.length !== 2) {
    return session.reject('ERR syntax error');
  }
  answer(session, verbatim(sessions.map((s) => clientLine(s, session, 'client|list') + '\n').join(''), session.resp3));
}

function kill(session: FamilySession, args: Buffer[]): void {
  const a = args.map((x) => x.toString('latin1'));
  const all = [...session.ctx.sessions];
  if (a.length === 3) {
    // old form: CLIENT KILL addr:port
    const target = all.find((s) => s.remoteAddress === a[2]);
    if (!target) return session.reject('ERR No such client');
    target.closeNow();
    return answer(session, OK);
  }
  if (a.length % 2 !== 0) return session.reject('ERR syntax error');
  let matches = all;
  let skipMe = true;
  for (let i = 2; i < a.length; i += 2) {
    const opt = a[i].toLowerCase();
    const v = a[i + 1];
    if (opt === 'id') {
      if (!/^[1-9]\d*$/.test(v)) return session.reject('ERR client-id should be greater than 0');
      matches = matches.filter((s) => String(s.id) === v);
    } else if (opt === 'type') {
      if (!TYPES.has(v.toLowerCase())) return session.reject(`ERR Unknown client type '${v}'`);
      matches = matches.filter((s) => typeMatches(s, v.toLowerCase()));
    } else if (opt === 'addr') {
      matches = matches.filter((s) => s.remoteAddress === v);
    } else if (opt === 'laddr') {
      matches = matches.filter((s) => s.localAddress === v);
    } else if (opt === 'user') {
      matches = matches.filter((s) => (s.user?.name ?? 'default') === v);
    } else if (opt === 'skipme') {
      const yes = v.toLowerCase();
      if (yes !== 'yes' && yes !== 'no') return session.reject('ERR syntax error');
      skipMe = yes === 'yes';
    } else {
      return session.reject('ERR syntax error');
    }
  }
  if (skipMe) matches = matches.filter((s) => s !== session);
  // the reply goes out before this client's own connection is closed, as in Redis
  answer(session, integer(matches.length));
  for (const s of matches) if (s !== session) s.closeNow();
  if (matches.includes(session)) setImmediate(() => session.closeNow());
}

export const CLIENT = {
  info: (session) => answer(session, verbatim(clientLine(session, session, 'client|info') + '\n', session.resp3)),
  list: (session, cmd) => list(session, cmd.args()),
  kill: (session, cmd) => kill(session, cmd.args()),
  reset(session) {
    // Leaves a transaction or subscribed mode (their connections are closed), forgets the
    // name, and answers as Redis 6.2+ does.
    session.mode?.close();
    session.mode = null;
    session.outputLimits = null;
    // and turns tracking off (clearClientConnectionState)
    session.ctx.tracking.disable(session);
    session.name = null;
    session.libName = null;
    session.libVer = null;
    // Redis's RESET leaves READONLY mode; here the client goes back to SLOTPROXY_READ_FROM
    session.switchReads('default');
    // RESET also takes the connection back to RESP2 (Redis's clearClientConnectionState)
    session.resp3 = false;
    answer(session, Buffer.from('+RESET\r\n'));
  },
} satisfies FamilyHandlers<'client'>;

// CLIENT TRACKING, CACHING, TRACKINGINFO and GETREDIR, answered as Redis 7.0 answers them
// (src/networking.c clientCommand), for the proxy's own tracking (lib/proxy/tracking).
import { encode, integer, mapOf, OK, setOf } from '../../protocol/resp';
import type { FamilyHandlers, FamilySession } from '../family';
import type { TrackedSession } from '../tracking/client-tracking';
import { parseTracking } from '../tracking/tracking-options';
import { AsyncRequest } from './async-request';
import { NodeFanout } from './node-fanout';

/**
 * The reply once every earlier command of the client was answered: tracking on or off changes
 * the connections its later commands take, which must not overtake the earlier ones.
 */
function afterEarlier(session: FamilySession, reply: Buffer): void {
  session.enqueue(new NodeFanout(session, Infinity, () => reply));
}

function sessionById(session: FamilySession, id: number): TrackedSession | null {
  for (const s of session.ctx.sessions) if (s.id === id) return s as unknown as TrackedSession;
  return null;
}

export const TRACKING = {
  tracking(session, cmd) {
    const args = cmd.args().slice(2).map((a) => a.toString('latin1'));
    const current = session.tracking?.active ? session.tracking : null;
    const parsed = parseTracking(args, current, (id) => sessionById(session, id) !== null);
    if (typeof parsed === 'string') return session.reject(parsed);
    const tracking = session.ctx.tracking;
    if (!parsed.on) {
      tracking.disable(session);
      return afterEarlier(session, OK);
    }
    const ready = tracking.enable(session as unknown as TrackedSession & FamilySession, parsed, parsed.redirect ? sessionById(session, parsed.redirect) : null);
    // BCAST: OK once every master tracks the prefixes, later commands waiting (a write right
    // after it is seen); other modes: its later commands take the tracking connections
    if (parsed.bcast) session.enqueue(new AsyncRequest(session, () => ready.then(() => OK), true));
    else afterEarlier(session, OK);
  },
  caching(session, cmd) {
    const t = session.tracking;
    if (!t?.active) return session.reject('ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled');
    const opt = cmd.args()[2].toString('latin1').toLowerCase();
    if (opt === 'yes') {
      if (!t.optin) return session.reject('ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.');
    } else if (opt === 'no') {
      if (!t.optout) return session.reject('ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.');
    } else {
      return session.reject('ERR syntax error');
    }
    t.cachingNext();
    session.enqueue(new NodeFanout(session, Infinity, () => OK));
  },
  trackinginfo(session) {
    const t = session.tracking?.active ? session.tracking : null;
    const prefixes = t ? [...t.prefixes].sort() : [];
    const reply = mapOf(['flags', setOf(t ? t.flags() : ['off']), 'redirect', t ? t.redirect : -1, 'prefixes', prefixes]);
    session.enqueue(new NodeFanout(session, Infinity, () => encode(reply, session.resp3)));
  },
  getredir(session) {
    const t = session.tracking?.active ? session.tracking : null;
    session.enqueue(new NodeFanout(session, Infinity, () => integer(t ? t.redirect : -1)));
  },
} satisfies FamilyHandlers<'tracking'>;


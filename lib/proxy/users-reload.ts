// Users read again (SIGHUP) applied to the clients already connected. Redis 7.0's ACL LOAD closes
// every connection of every user but default; Redis 7.2 (redis/redis#12171) closes only those of
// users that are gone, and subscribers who lost a channel. The proxy closes the connections of
// users removed or switched off (default included), and subscribed ones whose user's channel
// rules changed (it does not look into which channels they hold); every other connection goes
// on under its user's new rules, as in 7.2: a changed password does not end open connections.
import type { SessionInfo } from './context';
import type { Selector, User } from '../auth/acl-rules';
import type { Authenticator } from '../auth/users';

const channelRules = (s: Selector): string => (s.allChannels ? '*' : s.channels.map((c) => c.text).join('\n'));

function sameChannels(a: User, b: User): boolean {
  const all = (u: User): string => [u.root, ...u.selectors].map(channelRules).join('\0');
  return all(a) === all(b);
}

/** Moves each session to its user's new definition, or closes it; returns how many were closed. */
export function applyUsers(sessions: Iterable<SessionInfo>, auth: Authenticator): number {
  let closed = 0;
  for (const s of [...sessions]) {
    const old = s.user;
    if (old === null) continue;
    const next = auth.users.get(old.name);
    const subscribed = s.flags === 'P';
    if (!next || !next.enabled || (subscribed && !sameChannels(old, next))) {
      s.closeNow();
      closed++;
    } else {
      s.user = next;
    }
  }
  return closed;
}

// The 'pubsub' family: (P|S)SUBSCRIBE and (P|S)UNSUBSCRIBE (pubsub-mode.ts, over dedicated
// connections: pubsub-link.ts) and the PUBSUB introspection subcommands (pubsub-introspect.ts).
// PUBLISH and SPUBLISH are ordinary keyed commands and never come here.
import type { FamilyDispatch } from '../family';
import { introspect } from './pubsub-introspect';
import { PubSubMode, SUBSCRIBE_VARIANTS } from './pubsub-mode';

export const dispatch: FamilyDispatch = (session, cmd) => {
  const variant = cmd.row.handler.kind === 'family' ? cmd.row.handler.variant : '';
  if (!SUBSCRIBE_VARIANTS.has(variant)) return introspect(session, cmd, variant);
  const mode = session.mode;
  if (mode instanceof PubSubMode) return mode.run(cmd);
  if (mode) {
    // Another mode (a transaction) let the command through: running it would replace that mode.
    return session.reject(`ERR slotproxy: ${cmd.row.name.toUpperCase()} cannot be used inside a transaction; subscribe outside MULTI`);
  }
  // Not subscribed yet: a fresh state, which enters subscribed mode once something is subscribed.
  new PubSubMode(session).run(cmd);
};

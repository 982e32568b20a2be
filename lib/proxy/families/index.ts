// Each command family's handlers, by variant: what the `family` handlers of the command table
// (lib/commands/families.ts) run.
import type { FamilyHandler, FamilyName } from '../../commands/families';
import type { FamilyDispatch, FamilyHandlers } from '../family';
import { ACL } from './acl';
import { ADMIN } from './admin';
import { CLIENT } from './client';
import { CLUSTER } from './cluster';
import { FANOUT } from './fanout';
import { PROXY } from './proxy-admin';
import { PUBSUB } from './pubsub-introspect';
import { PubSubMode } from './pubsub-mode';
import { SPLIT } from './split';
import { TRACKING } from './tracking';
import { TRANSACTION } from './transaction';

const FAMILIES: { readonly [F in FamilyName]: FamilyHandlers<F> } = {
  split: SPLIT,
  fanout: FANOUT,
  transaction: TRANSACTION,
  subscribe: PubSubMode.family,
  pubsub: PUBSUB,
  cluster: CLUSTER,
  client: CLIENT,
  acl: ACL,
  tracking: TRACKING,
  admin: ADMIN,
  proxy: PROXY,
};

/** The handler of a family command. */
export function familyDispatch<F extends FamilyName>(h: FamilyHandler<F>): FamilyDispatch {
  return FAMILIES[h.family][h.variant];
}

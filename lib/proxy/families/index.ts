// Which module handles each command family (the `family` handler kind of the command table).
import type { FamilyName } from '../../commands/handlers';
import type { FamilyDispatch } from '../family';
import { dispatch as admin } from './admin';
import { dispatch as client } from './client';
import { dispatch as cluster } from './cluster';
import { dispatch as fanout } from './fanout';
import { dispatch as proxy } from './proxy-admin';
import { dispatch as pubsub } from './pubsub';
import { dispatch as split } from './split';
import { dispatch as transaction } from './transaction';

export const FAMILIES: Readonly<Record<FamilyName, FamilyDispatch>> = { split, fanout, transaction, pubsub, cluster, client, admin, proxy };

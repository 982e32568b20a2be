// SLOTPROXY_ACL_SCRIPTS=cluster, part one: the users of the users file, kept as users of every
// cluster node (masters and replicas: a replica may become a master), so that a script of a
// restricted user can run on a connection logged in as that user and Redis checks what it does.
//
// Each user is created as "slotproxy:<name>" (never touching the node's own users, the default
// user and SLOTPROXY_REDIS_USERNAME included) with the user's rules, the channel default the
// proxy applies, "+asking" (the proxy follows ASK redirects on its connections), and a password
// derived from the cluster credentials and the rules: a node left with older rules (a sync that
// failed, a node that restarted) refuses the login instead of running a script under them.
// ACL SETUSER is not propagated by Redis Cluster: the proxy sends it to each node, again after a
// reload (SIGHUP), to nodes that join, and to a node that refuses a login.
import { createHash, createHmac } from 'node:crypto';
import { ControlConnection, type ControlOptions } from '../backend/control-connection';
import { parseAddress } from '../cluster/cluster-slots';
import { logger } from '../log';
import type { PubsubDefault, User } from './acl-rules';

export const NODE_USER_PREFIX = 'slotproxy:';

export interface NodeUser {
  readonly name: string;
  readonly password: string;
  /** ACL SETUSER's rules, password included */
  readonly rules: string[];
}

const PASSWORD_RULES = /^(on|off|nopass|resetpass|[><#!].*)$/i;
/** commands only the proxy knows: the nodes would refuse a rule naming them */
const PROXY_ONLY = /^[+-](proxy|post|host:)(\||$)/i;

/** The twin of `u` on the nodes. */
export function nodeUser(u: User, pubsub: PubsubDefault, secret: string): NodeUser {
  // 'reset' leaves the node's own acl-pubsub-default: the proxy's is restated after it
  const rules = ['reset', pubsub];
  for (const r of u.rules) {
    if (PASSWORD_RULES.test(r) || PROXY_ONLY.test(r)) continue;
    rules.push(r);
    if (r.toLowerCase() === 'reset') rules.push(pubsub);
  }
  const password = createHmac('sha256', secret).update(`${u.name}\0${rules.join('\0')}`).digest('hex');
  return { name: NODE_USER_PREFIX + u.name, password, rules: [...rules, '+asking', u.enabled ? 'on' : 'off', `>${password}`] };
}

/** The key of the node users' passwords: the same for every proxy with the same cluster credentials. */
export function nodeUserSecret(control: ControlOptions): string {
  return createHash('sha256').update(`slotproxy node users\0${control.username ?? ''}\0${control.password ?? ''}`).digest('hex');
}

export class NodeUsers {
  private users = new Map<string, NodeUser>();
  private generation = 0;
  /** address -> the generation of users it holds */
  private readonly synced = new Map<string, number>();
  private readonly syncing = new Map<string, Promise<void>>();
  private readonly log = logger('acl');

  constructor(
    private readonly control: ControlOptions,
    private readonly secret: string,
  ) {}

  /** New users (start-up, SIGHUP): every node gets them on its next sync. */
  setUsers(users: Iterable<User>, pubsub: PubsubDefault): void {
    this.users = new Map([...users].map((u) => [u.name, nodeUser(u, pubsub, this.secret)]));
    this.generation++;
  }

  /** The node-side twin of a user of the users file. */
  get(name: string): NodeUser | undefined {
    return this.users.get(name);
  }

  /** Syncs every node; rejects naming the nodes that failed (start-up fails on it). */
  async syncAll(addresses: readonly string[]): Promise<void> {
    const results = await Promise.allSettled(addresses.map((a) => this.sync(a)));
    const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [`${addresses[i]}: ${(r.reason as Error).message}`] : []));
    if (failed.length) throw new Error(`SLOTPROXY_ACL_SCRIPTS=cluster: cannot create the users on the nodes (${failed.join('; ')})`);
  }

  /** A new topology: nodes that do not hold the current users get them (errors are logged). */
  nodesSeen(addresses: readonly string[]): void {
    for (const a of addresses) {
      if (this.synced.get(a) !== this.generation) this.sync(a).catch((err) => this.log.error({ address: a, err: (err as Error).message }, `could not create the users on ${a}`));
    }
  }

  /** Sends the users to one node (one sync at a time per node; a sync asked meanwhile follows it). */
  sync(address: string): Promise<void> {
    const running = this.syncing.get(address);
    const next = (running ?? Promise.resolve()).catch(() => undefined).then(() => this.syncNow(address));
    const tracked = next.finally(() => {
      if (this.syncing.get(address) === tracked) this.syncing.delete(address);
    });
    this.syncing.set(address, tracked);
    return tracked;
  }

  private async syncNow(address: string): Promise<void> {
    const generation = this.generation;
    const users = [...this.users.values()];
    const { host, port } = parseAddress(address);
    const conn = await ControlConnection.connect(host, port, this.control);
    try {
      for (const u of users) await conn.call('ACL', 'SETUSER', u.name, ...u.rules);
      // users of an earlier users file are removed (which also closes their connections)
      const listed = (await conn.call('ACL', 'USERS')) as string[];
      const keep = new Set(users.map((u) => u.name));
      for (const name of listed) if (name.startsWith(NODE_USER_PREFIX) && !keep.has(name)) await conn.call('ACL', 'DELUSER', name);
      this.synced.set(address, generation);
    } finally {
      conn.close();
    }
  }
}

// SLOTPROXY_ACL_SCRIPTS=cluster as the proxy sees it: the users kept on the nodes
// (node-users.ts), the connections logged in as them (user-links.ts) and the scripts run there
// (lib/proxy/requests/user-script-request.ts), started once the cluster is known and told of new users and nodes.
import type { ControlOptions } from '../backend/control-connection';
import type { TlsMaterial } from '../backend/dial';
import type { Scanners } from '../protocol/scanners';
import type { AclChecker } from './acl-check';
import type { PubsubDefault, User } from './acl-rules';
import { NodeUsers, nodeUserSecret } from './node-users';
import { UserLinks } from './user-links';

export interface ClusterScriptsOptions {
  control: ControlOptions;
  tls: TlsMaterial | null;
  scanners: Scanners;
  connectTimeoutMs: number;
  requestTimeoutMs: () => number;
  /** called after each read of a link's replies: what they completed may be written now */
  onReadDone: () => void;
}

export class ClusterScripts {
  private constructor(
    private readonly users: NodeUsers,
    /** the connections logged in as the users, which the scripts run on (lib/proxy/requests/user-script-request.ts) */
    readonly links: UserLinks,
  ) {}

  /** Creates the users on every node (start-up fails when a node refuses) and routes scripts of restricted users to them. */
  static async start(options: ClusterScriptsOptions, acl: AclChecker, users: Iterable<User>, pubsub: PubsubDefault, nodes: readonly string[]): Promise<ClusterScripts> {
    const nodeUsers = new NodeUsers(options.control, nodeUserSecret(options.control));
    nodeUsers.setUsers(users, pubsub);
    await nodeUsers.syncAll(nodes);
    const links = new UserLinks(nodeUsers, { scanners: options.scanners, connectTimeoutMs: options.connectTimeoutMs, tls: options.tls, onReadDone: options.onReadDone }, options.requestTimeoutMs);
    acl.scriptsAsUser = true;
    return new ClusterScripts(nodeUsers, links);
  }

  /** The users file was read again: the nodes get the new users, links of changed users close. */
  usersChanged(users: Iterable<User>, pubsub: PubsubDefault, nodes: readonly string[]): void {
    this.users.setUsers(users, pubsub);
    this.links.prune();
    this.users.nodesSeen(nodes);
  }

  /** A new topology: nodes that joined get the users. */
  nodesSeen(nodes: readonly string[]): void {
    this.users.nodesSeen(nodes);
  }

  close(): void {
    this.links.close();
  }
}

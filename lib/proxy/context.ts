// What the request classes and local commands may see of the proxy.
import type { Config } from '../config';
import type { CommandTable } from '../commands/table';
import type { RequestScanner, Scanners } from '../protocol/scanners';
import type { AclChecker } from '../auth/acl-check';
import type { Authenticator, User } from '../auth/users';
import type { CommandStats } from '../metrics/command-stats';
import type { SlowLog } from '../metrics/slowlog';
import type { TopologyRefresher } from '../cluster/refresher';
import type { Router } from './router';
import type { Peers } from '../workers/worker-link';

export interface ProxyStats {
  connectionsReceived: number;
  connectionsRejected: number;
  commandsProcessed: number;
}

export interface SessionInfo {
  readonly id: number;
  /** who the client authenticated as; null before AUTH when a password is needed */
  user: User | null;
  name: string | null;
  libName: string | null;
  libVer: string | null;
  readonly blocked: boolean;
  /** "ip:port" of the client, and of the proxy's end of the connection */
  readonly remoteAddress: string;
  readonly localAddress: string;
  /** Date.now() when it connected, and of its last read */
  readonly createdAt: number;
  readonly lastActive: number;
  /** commands read and not yet answered */
  readonly pending: number;
  /** CLIENT LIST flags: N normal, b blocked, x in MULTI, P subscribed ... */
  readonly flags: string;
  /** closes the connection now (CLIENT KILL) */
  closeNow(): void;
}

export interface ProxyContext {
  readonly refresher: TopologyRefresher;
  /** re-derives what depends on settings changed at run time (PROXY CONFIG SET, SIGHUP) */
  applyConfig(): void;
  readonly commandStats: CommandStats;
  readonly slowlog: SlowLog;
  readonly auth: Authenticator;
  readonly acl: AclChecker;
  /** the SCRIPT LOAD commands clients sent, by SHA1, to repeat on a node that answers NOSCRIPT */
  readonly scripts: Map<string, Buffer>;
  readonly config: Config;
  readonly router: Router;
  readonly scanners: Scanners;
  readonly table: CommandTable;
  /** re-scans inline commands once they are turned into RESP */
  readonly inlineScanner: RequestScanner;
  /** redis_version reported by the cluster */
  readonly clusterVersion: string;
  readonly version: string;
  readonly startedAt: number;
  readonly stats: ProxyStats;
  readonly sessions: ReadonlySet<SessionInfo>;
  readonly listenPort: number;
  /** output buffer limits of ordinary clients (SLOTPROXY_CLIENT_OUTPUT_LIMIT); null = none */
  readonly normalOutputLimits: { hard: number; soft: number; softSeconds: number } | null;
  onSessionClosed(session: SessionInfo): void;
  /** the other workers, when SLOTPROXY_WORKERS > 1 (INFO and RESETSTAT cover them all) */
  readonly peers: Peers | null;
}

// What the request classes and local commands may see of the proxy, in roles: a module asks for
// the roles it uses (routing, the client registry, observability, security, settings), and
// ProxyContext, all of them, is what a session is handed. lib/server.ts's Proxy provides it.
import type { Config } from '../config';
import type { CommandTable } from '../commands/table';
import type { RequestScanner, Scanners } from '../protocol/scanners';
import type { AclChecker } from '../auth/acl-check';
import type { UserLinks } from '../auth/user-links';
import type { Authenticator, User } from '../auth/users';
import type { CommandStats } from '../metrics/command-stats';
import type { SlowLog } from '../metrics/slowlog';
import type { ProxyStats, ProxyView } from '../metrics/view';
import type { TopologyRefresher } from '../cluster/refresher';
import type { ClientMemory } from './client-memory';
import type { Router } from './router';
import type { ProxyTracking } from './tracking/proxy-tracking';

export interface SessionInfo {
  readonly id: number;
  /** who the client authenticated as; null before AUTH when a password is needed */
  user: User | null;
  name: string | null;
  libName: string | null;
  libVer: string | null;
  /** CLIENT NO-EVICT on: never closed for SLOTPROXY_MAXMEMORY_CLIENTS */
  noEvict: boolean;
  /** speaks RESP3 (after HELLO 3) */
  resp3: boolean;
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
  /** READONLY, READWRITE, RESET ('default'): where its reads go from now on (lib/proxy/client-reads.ts) */
  switchReads(mode: 'readonly' | 'readwrite' | 'default'): void;
}

/**
 * The other workers, when SLOTPROXY_WORKERS > 1 (lib/workers/worker-link.ts is one): INFO and
 * RESETSTAT cover them all, and a script one worker loaded is known to every one.
 */
export interface Peers {
  /** The whole proxy, all workers added up; this worker alone if the primary does not answer. */
  clusterView(): Promise<ProxyView>;
  /** RESETSTAT for every worker (this one at once). */
  resetAll(): void;
  /** A SCRIPT LOAD this worker sent, for the others to repair NOSCRIPT with too. */
  shareScript(sha: string, frame: Buffer): void;
  /** SCRIPT FLUSH: no worker repairs NOSCRIPT from its copy any more. */
  flushScripts(): void;
}

/** What reading, routing and repairing a command needs. */
export interface Routing {
  readonly table: CommandTable;
  readonly scanners: Scanners;
  /** re-scans inline commands once they are turned into RESP */
  readonly inlineScanner: RequestScanner;
  readonly router: Router;
  /** client tracking: its clients, key table and the nodes' tracking connections */
  readonly tracking: ProxyTracking;
  /** the SCRIPT LOAD commands clients sent, by SHA1, to repeat on a node that answers NOSCRIPT */
  readonly scripts: Map<string, Buffer>;
}

/** The client registry: CLIENT LIST / KILL read it, a session leaves it when it closes. */
export interface Clients {
  readonly sessions: ReadonlySet<SessionInfo>;
  /** the memory all clients hold, and its limit (SLOTPROXY_MAXMEMORY_CLIENTS) */
  readonly clientMemory: ClientMemory;
  onSessionClosed(session: SessionInfo): void;
}

/** What INFO, SLOWLOG and the statistics read and count. */
export interface Observability {
  readonly commandStats: CommandStats;
  readonly slowlog: SlowLog;
  readonly stats: ProxyStats;
  readonly refresher: TopologyRefresher;
  /** redis_version reported by the cluster */
  readonly clusterVersion: string;
  readonly version: string;
  readonly startedAt: number;
  readonly listenPort: number;
  /** the other workers, when SLOTPROXY_WORKERS > 1 (INFO and RESETSTAT cover them all) */
  readonly peers: Peers | null;
}

/** Who may connect and run what. */
export interface Security {
  readonly auth: Authenticator;
  readonly acl: AclChecker;
  /** SLOTPROXY_ACL_SCRIPTS=cluster: the connections logged in as each user, for their scripts */
  readonly userLinks: UserLinks | null;
  /**
   * Puts these users in force (ACL SETUSER, DELUSER, LOAD; a reload): open connections move to
   * their user's new rules or are closed (lib/proxy/users-reload.ts), the nodes get them when
   * scripts run there. Returns how many connections were closed.
   */
  useUsers(auth: Authenticator): number;
}

/** The settings, and what is derived from them. */
export interface Settings {
  readonly config: Config;
  /**
   * Takes over the settings of `next` that can change at run time (OPTIONS' `live` column; PROXY
   * CONFIG SET, SIGHUP); returns the variables of the others that differ (they need a restart).
   * Throws, changing nothing, when what depends on them cannot be built (an unreadable users file).
   */
  reload(next: Config): string[];
  /** output buffer limits of ordinary clients (SLOTPROXY_CLIENT_OUTPUT_LIMIT); null = none */
  readonly normalOutputLimits: { hard: number; soft: number; softSeconds: number } | null;
}

export interface ProxyContext extends Routing, Clients, Observability, Security, Settings {}

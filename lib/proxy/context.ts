// What the request classes and local commands may see of the proxy.
import type { Config } from '../config';
import type { CommandTable } from '../commands/table';
import type { RequestScanner, Scanners } from '../protocol/scanners';
import type { Router } from './router';

export interface ProxyStats {
  connectionsReceived: number;
  connectionsRejected: number;
  commandsProcessed: number;
}

export interface SessionInfo {
  readonly id: number;
  name: string | null;
  libName: string | null;
  libVer: string | null;
  readonly blocked: boolean;
}

export interface ProxyContext {
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
  onSessionClosed(session: SessionInfo): void;
}

// Who a client is, as CLIENT LIST / CLIENT INFO and the ACL checks see it: the user it
// authenticated as, the names it gave itself, its addresses and times. ClientSession extends
// it so that these stay plain fields of the session, which families read and set
// (session.name = ..., session.user = ...) and the fast path reads per command.
import type { TrackingRoute } from '../backend/backend-command';
import type { User } from '../auth/users';
import type { ClientTracking } from './tracking/client-tracking';

/** The ends of the client's connection (a net.Socket). */
export interface ClientEndpoints {
  readonly remoteAddress?: string;
  readonly remotePort?: number;
  readonly localAddress?: string;
  readonly localPort?: number;
}

export class ClientIdentity {
  /** CLIENT SETNAME, and CLIENT SETINFO's lib-name / lib-ver */
  name: string | null = null;
  libName: string | null = null;
  libVer: string | null = null;
  /**
   * speaks RESP3 (HELLO 3; HELLO 2 and RESET go back to RESP2): its commands go to the nodes'
   * RESP3 connections, and what the proxy writes itself is encoded in RESP3
   */
  resp3 = false;
  /** Date.now() when it connected, and of its last read */
  readonly createdAt = Date.now();
  lastActive = this.createdAt;
  private currentUser: User | null = null;
  private evictable = true;
  /** authenticated as a user who may run anything on any key: no ACL check */
  protected anyCommandAnyKey = false;
  /** commands can take the fast path: anyCommandAnyKey, and no CLIENT CACHING choice to clear */
  protected fast = false;
  /** CLIENT TRACKING on: the client's tracking state (lib/proxy/tracking) */
  tracking: ClientTracking | null = null;
  /** how its commands reach the nodes while it tracks keys (BackendCommand.tracking) */
  trackingRoute: TrackingRoute | null = null;
  private caching = false;
  private remote: string | null = null;

  constructor(
    readonly id: number,
    private readonly endpoints: ClientEndpoints,
    user: User | null,
  ) {
    this.user = user;
  }

  /** Before AUTH, Redis 7's limits for unauthenticated clients apply (10 arguments, 16 KiB each). */
  get authRequired(): boolean {
    return this.currentUser === null;
  }

  /** who the client authenticated as; null before AUTH when a password is needed */
  get user(): User | null {
    return this.currentUser;
  }

  set user(u: User | null) {
    this.currentUser = u;
    this.anyCommandAnyKey = u !== null && u.unrestricted;
    this.fast = this.anyCommandAnyKey && !this.caching;
  }

  /** CLIENT CACHING was given: the next command clears it, on the slow path (ClientTracking.commandDone) */
  get cachingOnce(): boolean {
    return this.caching;
  }

  set cachingOnce(on: boolean) {
    this.caching = on;
    this.fast = this.anyCommandAnyKey && !on;
  }

  /** CLIENT NO-EVICT on: never closed for SLOTPROXY_MAXMEMORY_CLIENTS */
  get noEvict(): boolean {
    return !this.evictable;
  }

  set noEvict(on: boolean) {
    this.evictable = !on;
    this.exemptionChanged();
  }

  /** CLIENT NO-EVICT changed (the session tells the client memory registry). */
  protected exemptionChanged(): void {}

  get unrestricted(): boolean {
    return this.anyCommandAnyKey;
  }

  /** "ip:port" of the client: asked for each slow-log entry (under overload every request is one) */
  get remoteAddress(): string {
    return (this.remote ??= `${this.endpoints.remoteAddress}:${this.endpoints.remotePort}`);
  }

  get localAddress(): string {
    return `${this.endpoints.localAddress}:${this.endpoints.localPort}`;
  }
}

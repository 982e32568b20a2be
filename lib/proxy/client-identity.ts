// Who a client is, as CLIENT LIST / CLIENT INFO and the ACL checks see it: the user it
// authenticated as, the names it gave itself, its addresses and times. ClientSession extends
// it so that these stay plain fields of the session, which families read and set
// (session.name = ..., session.user = ...) and the fast path reads per command.
import type { User } from '../auth/users';

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
  /** Date.now() when it connected, and of its last read */
  readonly createdAt = Date.now();
  lastActive = this.createdAt;
  private currentUser: User | null = null;
  private evictable = true;
  /** authenticated as a user who may run anything on any key: commands can take the fast path */
  protected anyCommandAnyKey = false;
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

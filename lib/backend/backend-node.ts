// Everything the proxy holds open to one cluster node: a few multiplexed connections (each
// client pinned to one) and a bounded pool of dedicated connections for blocking commands, each
// once per protocol: RESP3 clients' commands go to connections that said HELLO 3, so Redis
// itself writes their replies in RESP3 (maps, sets, doubles, pushes). The RESP3 ones are opened
// on the first RESP3 client's command; a proxy without RESP3 clients never has any. Clients with
// CLIENT TRACKING on have connections of their own, in both protocols, whose handshake turns
// tracking on (lib/proxy/tracking): they exist only while such clients do.
import type { Scanners } from '../protocol/scanners';
import { command } from '../protocol/resp';
import type { TlsMaterial } from './dial';
import { BackendConnection, ConnState, type ConnectionHooks } from './backend-connection';
import type { WireCommand } from './wire-command';

/** Sent once on every connection that carries reads to the node as a replica. */
const READONLY = command(['READONLY']);

export interface NodeOptions {
  connections: number;
  dedicatedLimit: number;
  connectTimeoutMs: number;
  handshake: Buffer[];
  tls: TlsMaterial | null;
}

const HELLO3 = command(['HELLO', '3']);

type Conns<C extends WireCommand> = (BackendConnection<C> | undefined)[];

/** `conn` is one of the pools' (a pool of each protocol, null until first used). */
function inPools<C extends WireCommand>(pools: readonly (Conns<C> | null)[], conn: BackendConnection<C>): boolean {
  return pools.some((conns) => conns !== null && conns.includes(conn));
}

/** `C`: the commands its connections carry (see BackendConnection). */
export class BackendNode<C extends WireCommand = WireCommand> {
  private readonly conns: (BackendConnection<C> | undefined)[];
  /** the RESP3 twins of `conns`, made on first use */
  private conns3: (BackendConnection<C> | undefined)[] | null = null;
  /**
   * Reads sent to the node as a replica, RESP2 and RESP3, on connections of their own that sent
   * READONLY: those for everything else keep a replica's MOVED, so a master demoted under a stale
   * map is noticed. Made on first use.
   */
  private readonly replicaConns: [Conns<C> | null, Conns<C> | null] = [null, null];
  private readonly idle: BackendConnection<C>[] = [];
  private readonly idle3: BackendConnection<C>[] = [];
  /** every dedicated connection open, idle or busy, so closing the node closes them all */
  private readonly dedicated = new Set<BackendConnection<C>>();
  /** dedicated connections open (idle or busy) */
  dedicatedOpen = 0;
  /** the tracking clients' connections, RESP2 and RESP3, made on first use */
  private readonly tracked: [Conns<C> | null, Conns<C> | null] = [null, null];
  /** what turns tracking on for them (CLIENT TRACKING on REDIRECT <id>); null: none may be opened */
  private trackingSetup: Buffer | null = null;
  /** for the proxy's own commands that must not wait behind a client's (SCRIPT KILL, busy probes) */
  private controlConn: BackendConnection<C> | null = null;
  /** multiplexed connections set aside behind a long script (busy-watch.ts), open for their replies */
  readonly parked = new Set<BackendConnection<C>>();

  constructor(
    readonly address: string,
    readonly host: string,
    readonly port: number,
    private readonly scanners: Scanners,
    private readonly options: NodeOptions,
    private readonly hooks: ConnectionHooks<C>,
  ) {
    this.conns = new Array(options.connections);
  }

  /** The shared connection for a client's commands: `pin` chooses among those of its protocol. */
  connectionFor(pin: number, resp3 = false): BackendConnection<C> {
    const conns = resp3 ? (this.conns3 ??= new Array(this.conns.length)) : this.conns;
    return this.pooled(conns, pin, resp3, null);
  }

  /** A tracking client's connection (null until setTracking() gave what turns tracking on). */
  trackedFor(pin: number, resp3: boolean): BackendConnection<C> | null {
    const setup = this.trackingSetup;
    if (setup === null) return null;
    return this.pooled((this.tracked[resp3 ? 1 : 0] ??= new Array(this.conns.length)), pin, resp3, setup);
  }

  /** Closes the tracking connections; later ones say `setup` in their handshake (null: none may open). */
  setTracking(setup: Buffer | null, reason: string): void {
    this.trackingSetup = setup;
    for (const conns of this.tracked) {
      if (!conns) continue;
      for (let i = 0; i < conns.length; i++) {
        conns[i]?.close(reason);
        conns[i] = undefined;
      }
    }
  }

  /** `conn` is a tracking client's connection. */
  isTracked(conn: BackendConnection<C>): boolean {
    return inPools(this.tracked, conn);
  }

  /** A connection outside the pools, `extra` sent after the handshake, reporting to `hooks`. */
  openExtra(resp3: boolean, extra: Buffer[], hooks: ConnectionHooks<C>, reconnect: boolean): BackendConnection<C> {
    return this.open(reconnect, resp3, extra, hooks);
  }

  /** The connection for reads the router sends to this node as a replica (READONLY), in the client's protocol. */
  replicaConnectionFor(pin: number, resp3: boolean): BackendConnection<C> {
    return this.pooled((this.replicaConns[resp3 ? 1 : 0] ??= new Array(this.conns.length)), pin, resp3, READONLY);
  }

  /** A connection of replicaConnectionFor(). */
  carriesReplicaReads(conn: BackendConnection<C>): boolean {
    return inPools(this.replicaConns, conn);
  }

  /** `conns`' connection for `pin`, opened (saying `extra` after the handshake) when it has none alive. */
  private pooled(conns: Conns<C>, pin: number, resp3: boolean, extra: Buffer | null): BackendConnection<C> {
    const i = pin % conns.length;
    const conn = conns[i];
    return conn && !conn.dead ? conn : (conns[i] = this.open(true, resp3, extra === null ? [] : [extra]));
  }

  /** A connection that carries no client command, so what is sent there is answered at once. */
  control(): BackendConnection<C> {
    // RESP2: the proxy reads and merges what comes back, and writes it in each client's protocol
    if (!this.controlConn || this.controlConn.dead) this.controlConn = this.open(true, false);
    return this.controlConn;
  }

  controlIfOpen(): BackendConnection<C> | null {
    return this.controlConn;
  }

  /**
   * Sets a multiplexed connection aside: later commands get a new one, `conn` stays open until
   * what it carries is answered. Returns its commands not written yet, to be routed again.
   */
  park(conn: BackendConnection<C>): C[] {
    // (a replica's read connection runs long scripts too: EVAL_RO, FCALL_RO)
    const conns = [this.conns, this.conns3, ...this.tracked, ...this.replicaConns].find((list) => list !== null && list.includes(conn));
    if (!conns) return [];
    conns[conns.indexOf(conn)] = undefined;
    this.parked.add(conn);
    return conn.retire();
  }

  /** Multiplexed connections opened so far, of both protocols (the replica reads' ones last). */
  multiplexed(): BackendConnection<C>[] {
    const all = this.conns3 === null ? [...this.conns] : [...this.conns, ...this.conns3];
    for (const conns of this.tracked) if (conns) all.push(...conns);
    for (const conns of this.replicaConns) if (conns) all.push(...conns);
    return all.filter((c): c is BackendConnection<C> => c !== undefined);
  }

  /** A dedicated connection of that protocol, or null when the node's limit (both protocols) is reached. */
  acquireDedicated(resp3 = false): BackendConnection<C> | null {
    const idle = resp3 ? this.idle3 : this.idle;
    while (idle.length) {
      const conn = idle.pop()!;
      if (conn.state !== ConnState.Closed) {
        conn.busy = true;
        return conn;
      }
    }
    if (this.dedicatedOpen >= this.options.dedicatedLimit) return null;
    this.dedicatedOpen++;
    const conn = this.open(false, resp3);
    this.dedicated.add(conn);
    conn.busy = true;
    return conn;
  }

  /** Back to the pool after its command was answered; a connection in doubt is closed instead. */
  releaseDedicated(conn: BackendConnection<C>, reusable: boolean): void {
    conn.busy = false;
    conn.pushHandler = null;
    if (reusable && conn.state !== ConnState.Closed && conn.inFlight === 0 && conn.queued === 0) {
      (conn.resp3 ? this.idle3 : this.idle).push(conn);
    } else {
      conn.close('dedicated connection released');
    }
  }

  /** Called by the hooks when a dedicated connection is gone. */
  dedicatedClosed(conn: BackendConnection<C>): void {
    const idle = conn.resp3 ? this.idle3 : this.idle;
    const i = idle.indexOf(conn);
    if (i >= 0) idle.splice(i, 1);
    this.dedicated.delete(conn);
    this.dedicatedOpen = Math.max(0, this.dedicatedOpen - 1);
  }

  close(reason: string): void {
    for (const c of this.multiplexed()) c.close(reason);
    for (const c of this.parked) c.close(reason);
    this.parked.clear();
    this.controlConn?.close(reason);
    this.idle.length = 0;
    this.idle3.length = 0;
    for (const c of [...this.dedicated]) c.close(reason);
  }

  private open(multiplexed: boolean, resp3: boolean, extra: Buffer[] = [], hooks = this.hooks): BackendConnection<C> {
    // HELLO 3 after AUTH: a node with a password refuses HELLO before it
    const handshake = [...this.options.handshake, ...(resp3 ? [HELLO3] : []), ...extra];
    return new BackendConnection<C>(
      this.host,
      this.port,
      this.address,
      this.scanners,
      { connectTimeoutMs: this.options.connectTimeoutMs, reconnect: multiplexed, handshake, tls: this.options.tls, resp3 },
      hooks,
    );
  }
}

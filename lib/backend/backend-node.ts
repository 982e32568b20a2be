// Everything the proxy holds open to one cluster node: a few multiplexed connections (each
// client pinned to one) and a bounded pool of dedicated connections for blocking commands.
import type { Scanners } from '../protocol/scanners';
import type { TlsMaterial } from './dial';
import { BackendConnection, ConnState, type ConnectionHooks } from './backend-connection';
import type { WireCommand } from './wire-command';

export interface NodeOptions {
  connections: number;
  dedicatedLimit: number;
  connectTimeoutMs: number;
  handshake: Buffer[];
  tls: TlsMaterial | null;
}

/** `C`: the commands its connections carry (see BackendConnection). */
export class BackendNode<C extends WireCommand = WireCommand> {
  private readonly conns: (BackendConnection<C> | undefined)[];
  private readonly idle: BackendConnection<C>[] = [];
  /** every dedicated connection open, idle or busy, so closing the node closes them all */
  private readonly dedicated = new Set<BackendConnection<C>>();
  /** dedicated connections open (idle or busy) */
  dedicatedOpen = 0;
  /** the `written` set noteWrite() last added this node to */
  private lastWritten: Set<string> | null = null;
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

  /**
   * Adds this node to a client's set of masters written to (for WAIT). A client's writes come in
   * runs to one node (one per part of a split MSET): a Set#add per write was 1.7% of the proxy.
   * Sets only grow, so the set noted last already holds this node.
   */
  noteWrite(written: Set<string>): void {
    if (this.lastWritten === written) return;
    this.lastWritten = written;
    written.add(this.address);
  }

  connectionFor(pin: number): BackendConnection<C> {
    const i = pin % this.conns.length;
    const conn = this.conns[i];
    return conn && !conn.dead ? conn : (this.conns[i] = this.open(true));
  }

  /** A connection that carries no client command, so what is sent there is answered at once. */
  control(): BackendConnection<C> {
    if (!this.controlConn || this.controlConn.dead) this.controlConn = this.open(true);
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
    const i = this.conns.indexOf(conn);
    if (i < 0) return [];
    this.conns[i] = undefined;
    this.parked.add(conn);
    return conn.retire();
  }

  /** Multiplexed connections opened so far. */
  multiplexed(): BackendConnection<C>[] {
    return this.conns.filter((c): c is BackendConnection<C> => c !== undefined);
  }

  /** A dedicated connection, or null when the node's limit is reached. */
  acquireDedicated(): BackendConnection<C> | null {
    while (this.idle.length) {
      const conn = this.idle.pop()!;
      if (conn.state !== ConnState.Closed) {
        conn.busy = true;
        return conn;
      }
    }
    if (this.dedicatedOpen >= this.options.dedicatedLimit) return null;
    this.dedicatedOpen++;
    const conn = this.open(false);
    this.dedicated.add(conn);
    conn.busy = true;
    return conn;
  }

  /** Back to the pool after its command was answered; a connection in doubt is closed instead. */
  releaseDedicated(conn: BackendConnection<C>, reusable: boolean): void {
    conn.busy = false;
    if (reusable && conn.state !== ConnState.Closed && conn.inFlight === 0 && conn.queued === 0) {
      this.idle.push(conn);
    } else {
      conn.close('dedicated connection released');
    }
  }

  /** Called by the hooks when a dedicated connection is gone. */
  dedicatedClosed(conn: BackendConnection<C>): void {
    const i = this.idle.indexOf(conn);
    if (i >= 0) this.idle.splice(i, 1);
    this.dedicated.delete(conn);
    this.dedicatedOpen = Math.max(0, this.dedicatedOpen - 1);
  }

  close(reason: string): void {
    for (const c of this.multiplexed()) c.close(reason);
    for (const c of this.parked) c.close(reason);
    this.parked.clear();
    this.controlConn?.close(reason);
    this.idle.length = 0;
    for (const c of [...this.dedicated]) c.close(reason);
  }

  private open(multiplexed: boolean): BackendConnection<C> {
    return new BackendConnection<C>(
      this.host,
      this.port,
      this.address,
      this.scanners,
      { connectTimeoutMs: this.options.connectTimeoutMs, reconnect: multiplexed, handshake: this.options.handshake, tls: this.options.tls },
      this.hooks,
    );
  }
}

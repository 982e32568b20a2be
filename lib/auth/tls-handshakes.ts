// TLS clients become sessions only once their handshake is done; until then Node holds their
// sockets unaccounted for, for up to two minutes. A flood of TCP connections that never start a
// handshake would then hold every file descriptor: real clients get no answer and the proxy's own
// connections to the cluster fail with EMFILE. So connections still in their handshake count
// against SLOTPROXY_MAX_CLIENTS (beyond it a new one is closed at once, as Redis closes a client
// over maxclients) and are closed when the handshake is not done within the handshake timeout.
import type net from 'node:net';

/** The handshake bound when SLOTPROXY_TIMEOUT is 0, or longer: what clients allow to connect (Lettuce: 10 s). */
export const MAX_HANDSHAKE_MS = 10_000;

/** SLOTPROXY_TIMEOUT (seconds) as a handshake bound: never more than MAX_HANDSHAKE_MS. */
export function handshakeTimeoutMs(timeoutSeconds: number): number {
  return timeoutSeconds > 0 ? Math.min(timeoutSeconds * 1000, MAX_HANDSHAKE_MS) : MAX_HANDSHAKE_MS;
}

interface Pending {
  readonly raw: net.Socket;
  readonly timer: NodeJS.Timeout;
}

// A TLS socket has the address and port of the TCP connection it runs over: that pairs them.
const keyOf = (s: net.Socket): string => `${s.remoteAddress}|${s.remotePort}`;

export class HandshakeGuard {
  private readonly pending = new Map<string, Pending>();

  constructor(
    /** the limit and the clients counted against it now, and the timeout, read per connection */
    private readonly limits: () => { maxClients: number; sessions: number; timeoutMs: number },
    private readonly onRejected: () => void,
  ) {}

  /** Connections whose handshake is not done yet. */
  get size(): number {
    return this.pending.size;
  }

  /** A TCP connection to the TLS listener, before its handshake. */
  connection(raw: net.Socket): void {
    const { maxClients, sessions, timeoutMs } = this.limits();
    if (raw.remoteAddress === undefined) return; // already gone
    if (sessions + this.pending.size >= maxClients) {
      this.onRejected();
      raw.destroy();
      return;
    }
    const key = keyOf(raw);
    const timer = setTimeout(() => raw.destroy(), timeoutMs);
    this.pending.set(key, { raw, timer });
    raw.once('close', () => this.settle(key, raw));
  }

  /** The handshake of `socket` is done: it is a client like any other now. */
  secured(socket: net.Socket): void {
    const entry = this.pending.get(keyOf(socket));
    if (entry) this.settle(keyOf(socket), entry.raw);
  }

  /** Closes every connection still in its handshake (shutdown). */
  close(): void {
    for (const { raw } of [...this.pending.values()]) raw.destroy();
  }

  private settle(key: string, raw: net.Socket): void {
    const entry = this.pending.get(key);
    if (!entry || entry.raw !== raw) return;
    clearTimeout(entry.timer);
    this.pending.delete(key);
  }
}

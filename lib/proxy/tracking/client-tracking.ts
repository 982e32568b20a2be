// One client's CLIENT TRACKING state: its mode and options, how its commands reach the nodes
// (its route: the nodes' tracking connections, its reads noted in the proxy's key table or not),
// and how its invalidations reach it (a push on its own connection in RESP3, or through its
// REDIRECT client), as Redis 7.0's sendTrackingMessage sends them.
import type { BackendCommand, TrackingRoute } from '../../backend/backend-command';
import type { BackendNode } from '../../backend/backend-node';
import { invalidateMessage, invalidatePush, redirBroken } from './invalidation-frames';
import type { KeyReader } from './key-table';
import type { TrackingOptions } from './tracking-options';

/** A client connection as tracking sees it (a ClientSession). */
export interface TrackedSession {
  readonly id: number;
  readonly resp3: boolean;
  readonly closed: boolean;
  /** CLIENT LIST flags: 'P' while subscribed */
  readonly flags: string;
  push(frame: Buffer): void;
  /** how its new commands reach the nodes (BackendCommand.tracking); null: as other clients' */
  trackingRoute: TrackingRoute | null;
  /** the next command decides alone about caching (CLIENT CACHING): it takes the slow path */
  cachingOnce: boolean;
}

/** What a client's route asks of the proxy's tracking (ProxyTracking). */
export interface TrackingSender {
  send(cmd: BackendCommand, node: BackendNode, client: ClientTracking, remember: boolean): void;
}

export class ClientTracking implements KeyReader {
  active = true;
  bcast: boolean;
  optin: boolean;
  optout: boolean;
  noloop: boolean;
  redirect: number;
  /** BCAST prefixes (latin1), in the order added */
  readonly prefixes: string[] = [];
  /** CLIENT CACHING was given for the next command */
  caching = false;
  /** an invalidation found the REDIRECT client gone */
  brokenRedirect = false;
  /** a command went to a node since the last "flush everything": a new one means something */
  sentSinceFlush = false;
  /** its reads are noted (the client caches them) */
  private readonly remembering: TrackingRoute;
  /** its reads are not noted (OPTIN without CACHING yes, OPTOUT after CACHING no) */
  private readonly passing: TrackingRoute;

  constructor(
    readonly session: TrackedSession,
    options: TrackingOptions,
    /** the REDIRECT client, looked up once (it is checked for being gone at each invalidation) */
    private target: TrackedSession | null,
    sender: TrackingSender,
  ) {
    this.bcast = options.bcast;
    this.optin = options.optin;
    this.optout = options.optout;
    this.noloop = options.noloop;
    this.redirect = options.redirect;
    this.remembering = { send: (cmd, node) => sender.send(cmd, node, this, true) };
    this.passing = { send: (cmd, node) => sender.send(cmd, node, this, false) };
    this.addPrefixes(options.prefixes);
    this.settle();
  }

  /** CLIENT TRACKING on again: Redis resets the flags and adds the prefixes. */
  update(options: TrackingOptions, target: TrackedSession | null): void {
    this.optin = options.optin;
    this.optout = options.optout;
    this.noloop = options.noloop;
    this.redirect = options.redirect;
    this.target = target;
    this.brokenRedirect = false;
    this.addPrefixes(options.prefixes);
    this.settle();
  }

  /** CLIENT CACHING yes|no: for the next command only. */
  cachingNext(): void {
    this.caching = true;
    this.session.cachingOnce = true;
    this.settle();
  }

  /** A command was dispatched: CACHING's choice lasts until a command other than CLIENT ... */
  commandDone(name: string): void {
    if (!this.caching || name.startsWith('client|')) return;
    this.caching = false;
    this.session.cachingOnce = false;
    this.settle();
  }

  off(): void {
    this.active = false;
    this.session.trackingRoute = null;
    this.session.cachingOnce = false;
  }

  /** Keys `keys` (null: everything) may have changed: tell the client as Redis would. */
  deliver(keys: readonly Buffer[] | null): void {
    const session = this.session;
    if (!this.active || session.closed) return;
    if (keys === null && !this.bcast) {
      // one flush until the client reads again (every node sends its own on FLUSHALL)
      if (!this.sentSinceFlush) return;
      this.sentSinceFlush = false;
    }
    if (this.redirect === 0) {
      // a RESP2 client without REDIRECT gets nothing: RESP2 has no pushes (as in Redis)
      if (session.resp3) session.push(invalidatePush(keys));
      return;
    }
    const target = this.target;
    if (target === null || target.closed) {
      this.brokenRedirect = true;
      if (session.resp3) session.push(redirBroken(this.redirect));
      return;
    }
    if (target.resp3) target.push(invalidatePush(keys));
    else if (target.flags === 'P') target.push(invalidateMessage(keys));
  }

  /** The flags CLIENT TRACKINGINFO lists, in Redis's order. */
  flags(): string[] {
    const f = ['on'];
    if (this.bcast) f.push('bcast');
    if (this.optin) f.push('optin', ...(this.caching ? ['caching-yes'] : []));
    if (this.optout) f.push('optout', ...(this.caching ? ['caching-no'] : []));
    if (this.noloop) f.push('noloop');
    if (this.brokenRedirect) f.push('broken_redirect');
    return f;
  }

  private addPrefixes(prefixes: readonly string[]): void {
    if (!this.bcast) return;
    // BCAST without PREFIX tracks every key: the empty prefix, as Redis records it
    for (const p of prefixes.length === 0 ? [''] : prefixes) if (!this.prefixes.includes(p)) this.prefixes.push(p);
  }

  /** Which route its next commands take. */
  private settle(): void {
    // BCAST clients' invalidations come from the nodes' BCAST connections: their commands need
    // no tracking connection.
    if (this.bcast) {
      this.session.trackingRoute = null;
      return;
    }
    const remember = this.optin ? this.caching : this.optout ? !this.caching : true;
    this.session.trackingRoute = remember ? this.remembering : this.passing;
  }
}

// Client tracking's connections to one master. Redis tracks keys per connection, and a shared
// connection carries many clients, so the proxy asks each node to track its tracking connections
// (BackendNode.trackedFor: the tracking clients' commands, both protocols) and to send their
// invalidations to one listener connection of the node (CLIENT TRACKING on REDIRECT <listener>):
// the proxy knows from its own key table which clients read each key. Replies and pushes come on
// different connections, which is safe because a key is noted when its read is sent, before the
// node runs it: an invalidation of a write that followed the read reaches the client after the
// read's reply (ReplyQueue.push puts it after every request already sent).
//
// BCAST clients need no tracking connection: one connection per master says CLIENT TRACKING on
// BCAST with the fewest prefixes covering every BCAST client's, and the proxy picks the clients
// whose prefixes match each key. A new set of prefixes gets a new connection, and the old one is
// closed once the new one is in place, so no write goes unseen in between.
import { BackendCommand, type BackendAddress } from '../../backend/backend-command';
import type { BackendConnection, ConnectionHooks } from '../../backend/backend-connection';
import type { BackendNode } from '../../backend/backend-node';
import { command } from '../../protocol/resp';
import { flushClientReplies } from '../reply-writes';

/** What a node's tracking connections report to the proxy's tracking (ProxyTracking). */
export interface NodeTrackingEvents {
  /** an invalidation push for the key-table clients */
  invalidated(frame: Buffer): void;
  /** an invalidation push of the BCAST connection */
  broadcast(frame: Buffer): void;
  /** what the node tracked for the key-table clients (`bcast`: for BCAST clients) is lost */
  lost(bcast: boolean, reason: string): void;
}

const CLIENT_ID = command(['CLIENT', 'ID']);
const PING = command(['PING']);

/** A command the proxy sends for itself on a tracking connection: the reply, or null and why not. */
class OwnCall extends BackendCommand {
  constructor(
    frame: Buffer,
    private readonly settle: (reply: string | null, why: string) => void,
  ) {
    super(frame, -1, 0, Infinity);
  }

  onReply(frame: Buffer): void {
    const text = frame.toString('latin1').trim();
    if (text[0] === '-' || text[0] === '!') this.settle(null, text.slice(1));
    else this.settle(text, '');
  }

  onFailure(message: string): void {
    this.settle(null, message);
  }

  sendTo(): void {}

  get abandoned(): boolean {
    return false;
  }
}

export class NodeTracking {
  private listener: BackendConnection | null = null;
  /** tracking clients' commands waiting for the listener's id */
  private waiting: BackendCommand[] = [];
  private bcastConn: BackendConnection | null = null;
  /** the connection being replaced by bcastConn, closed once bcastConn is ready */
  private bcastOld: BackendConnection | null = null;
  private bcastPrefixes: string[] = [];
  private bcastReady: Promise<void> = Promise.resolve();

  constructor(
    readonly node: BackendNode,
    private readonly events: NodeTrackingEvents,
    /** how long the node may take to answer the listener's CLIENT ID or the BCAST connection's PING (SLOTPROXY_REQUEST_TIMEOUT_MS) */
    private readonly answerMs: () => number,
  ) {}

  /** A tracking client's command: on a tracking connection, once the listener's id is known. */
  send(cmd: BackendCommand): void {
    const conn = this.node.trackedFor(cmd.pin, cmd.resp3);
    if (conn !== null) {
      conn.send(cmd);
      return;
    }
    this.waiting.push(cmd);
    this.listen();
  }

  /** Whether `conn` is this node's listener or BCAST connection. */
  owns(conn: BackendAddress): boolean {
    return conn === this.listener || conn === this.bcastConn || conn === this.bcastOld;
  }

  /**
   * The BCAST connection asks for `prefixes` (none: no BCAST client, closed). Resolves once the
   * node tracks them (a PING after the handshake was answered), or could not.
   */
  broadcastFor(prefixes: string[]): Promise<void> {
    if (prefixes.join('\0') === this.bcastPrefixes.join('\0') && (prefixes.length === 0 || this.bcastConn !== null)) return this.bcastReady;
    this.bcastPrefixes = prefixes;
    const old = this.bcastConn;
    this.bcastConn = null;
    if (prefixes.length === 0) {
      old?.close('no BCAST client left');
      return (this.bcastReady = Promise.resolve());
    }
    const on = ['CLIENT', 'TRACKING', 'on', 'BCAST', ...(prefixes.includes('') ? [] : prefixes.flatMap((p) => ['PREFIX', p]))];
    const hooks: ConnectionHooks = {
      onOrphaned: () => undefined,
      onReadDone: flushClientReplies,
      onReady: (c) => {
        if (c !== this.bcastConn) return;
        this.bcastOld?.close('BCAST prefixes changed');
        this.bcastOld = null;
      },
      onLost: (c, reason) => {
        if (c === this.bcastConn && !c.closedByUs) this.events.lost(true, reason);
      },
    };
    this.bcastOld?.close('BCAST prefixes changed');
    this.bcastOld = old;
    const conn = this.node.openExtra(true, [command(on)], hooks, true);
    conn.pushHandler = (frame) => this.events.broadcast(frame);
    this.bcastConn = conn;
    // a node that does not answer leaves the client's CLIENT TRACKING waiting no longer than a command
    const answered = new Promise<void>((resolve) => conn.send(new OwnCall(PING, () => resolve())));
    return (this.bcastReady = Promise.race([answered, new Promise<void>((resolve) => setTimeout(resolve, this.answerMs()).unref())]));
  }

  close(reason: string): void {
    this.broadcastFor([]);
    this.bcastOld?.close(reason);
    this.bcastOld = null;
    const listener = this.listener;
    this.listener = null;
    listener?.close(reason);
    this.node.setTracking(null, reason);
    this.failWaiting(`ERR ${reason}`);
  }

  private listen(): void {
    if (this.listener !== null) return;
    const hooks: ConnectionHooks = {
      onOrphaned: (cmds) => cmds.forEach((c) => c.onFailure('ERR not sent')),
      onReadDone: flushClientReplies,
      onLost: (c, reason) => this.listenerLost(c, reason),
    };
    const conn = this.node.openExtra(true, [], hooks, false);
    conn.pushHandler = (frame) => this.events.invalidated(frame);
    this.listener = conn;
    // the commands waiting for it get an error, not a hang, from a node that does not answer
    const timer = setTimeout(() => {
      if (this.listener === conn && this.waiting.length > 0) conn.close(`${this.node.address} did not answer CLIENT ID within ${this.answerMs()} ms`);
    }, this.answerMs()).unref();
    conn.send(
      new OwnCall(CLIENT_ID, (reply, why) => {
        clearTimeout(timer);
        if (this.listener !== conn) return;
        const id = reply !== null && reply[0] === ':' ? Number(reply.slice(1)) : null;
        if (id === null) {
          conn.close(`CLIENT ID failed on ${this.node.address}: ${why}`);
          return;
        }
        this.node.setTracking(command(['CLIENT', 'TRACKING', 'on', 'REDIRECT', String(id)]), '');
        const waiting = this.waiting;
        this.waiting = [];
        for (const cmd of waiting) this.node.trackedFor(cmd.pin, cmd.resp3)!.send(cmd);
      }),
    );
  }

  /**
   * The listener is gone: the node's tracking connections redirect to nobody, so what they
   * tracked is lost. They are closed (their unwritten commands are routed again, to new ones
   * after a new listener), and every key-table client is told to flush everything.
   */
  private listenerLost(conn: BackendConnection, reason: string): void {
    if (conn !== this.listener) return;
    // (also when closed here: a listener that never answered)
    this.listener = null;
    // (first: the unwritten commands of the closed connections then wait for a new listener)
    this.failWaiting(`ERR ${reason}; the command did not run`);
    this.node.setTracking(null, `tracking listener of ${this.node.address} lost: ${reason}`);
    this.events.lost(false, reason);
  }

  private failWaiting(message: string): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const cmd of waiting) cmd.onFailure(message);
  }
}

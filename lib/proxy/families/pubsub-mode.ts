// Subscribed mode, and the six (P|S)(UN)SUBSCRIBE commands (the subscribe family; PUBLISH and
// SPUBLISH are ordinary keyed commands).
//
// Every confirmation is computed from the client's state when the command is read, with the
// counts one Redis would send: classic ones count channels + patterns, sharded ones count shard
// channels, whatever node holds them (a node's own counts are per connection). The nodes'
// confirmations only tell that a subscription is in place; the reply is released then (see
// PubSubRequest). While anything is subscribed, RESP2 allows only these commands, PING, QUIT and
// RESET (src/server.c processCommand), RESP3 any command, and the output limit of Redis's pubsub
// class applies. In RESP3 the confirmations are push frames, as Redis sends them.
import { keySlot } from '../../protocol/crc16';
import { command, error } from '../../protocol/resp';
import { ImmediateReply } from '../client-request';
import { CROSSSLOT, wrongArity } from '../errors';
import type { FamilyDispatch, FamilyHandlers, ParsedCommand, SessionMode } from '../family';
import { confirmation, keyOf, subscribedPong } from './pubsub-frames';
import { LinkOp, type PubSubLink } from './pubsub-link';
import { PubSubState, type ShardChannel } from './pubsub-state';

/** The slot all `names` hash to; -1 when they are in different slots. */
function oneSlot(names: Buffer[]): number {
  const slot = keySlot(names[0]);
  for (let i = 1; i < names.length; i++) if (keySlot(names[i]) !== slot) return -1;
  return slot;
}

export class PubSubMode extends PubSubState implements SessionMode {
  readonly flag = 'P';

  command(cmd: ParsedCommand): boolean {
    const h = cmd.row.handler;
    // the subscribe family's handler runs it, in this mode (PubSubMode.family)
    if (h.kind === 'family' && h.family === 'subscribe') return false;
    const resp3 = this.session.resp3;
    switch (cmd.row.name) {
      case 'ping': {
        // RESP3 answers PING as usual, subscribed or not
        if (resp3) return false;
        const args = cmd.args();
        this.session.enqueue(new ImmediateReply(args.length > 2 ? error(wrongArity('ping')) : subscribedPong(args[1] ?? null)));
        return true;
      }
      case 'quit':
        this.end(); // nothing may follow QUIT's +OK
        return false;
      case 'reset':
        this.end(); // unsubscribes from everything; the RESET handler replies
        return false;
      default:
        // Redis 7 lets a RESP3 client run any command while subscribed
        if (resp3) return false;
        this.session.reject(`ERR Can't execute '${cmd.row.name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`);
        return true;
    }
  }

  rejected(): void {}

  close(): void {
    this.end();
  }

  /** The subscribe family (lib/commands/families.ts): the six commands, each in this mode. */
  static readonly family = {
    subscribe: inMode((mode, names) => mode.subscribe(names, mode.channels, 'subscribe')),
    psubscribe: inMode((mode, names) => mode.subscribe(names, mode.patterns, 'psubscribe')),
    unsubscribe: inMode((mode, names) => mode.unsubscribe(names, mode.channels, 'unsubscribe')),
    punsubscribe: inMode((mode, names) => mode.unsubscribe(names, mode.patterns, 'punsubscribe')),
    ssubscribe: inMode((mode, names, cmd) => mode.ssubscribe(names, cmd.deadline)),
    sunsubscribe: inMode((mode, names) => mode.sunsubscribe(names)),
  } satisfies FamilyHandlers<'subscribe'>;

  /** SUBSCRIBE / PSUBSCRIBE: a channel on its slot's master, a pattern on the patterns' link (pubsub-state.ts). */
  private subscribe(names: Buffer[], set: Map<string, Buffer>, kind: string): void {
    const linkOf = new Map<string, PubSubLink>();
    for (const name of names) {
      const k = keyOf(name);
      if (set.has(k) || linkOf.has(k)) continue;
      const link = kind === 'subscribe' ? this.channelLink(keySlot(name)) : this.patternLink();
      if (typeof link === 'string') {
        for (const opened of linkOf.values()) this.closeIfIdle(opened);
        return this.session.reject(link);
      }
      linkOf.set(k, link);
    }
    const added = new Map<PubSubLink, Buffer[]>();
    const replies: Buffer[] = [];
    for (const name of names) {
      const k = keyOf(name);
      const link = linkOf.get(k);
      if (link && !set.has(k)) {
        const own = Buffer.from(name); // not a view: the client's read buffer is not kept alive
        set.set(k, own);
        if (kind === 'subscribe') link.channels.add(k);
        added.set(link, [...(added.get(link) ?? []), own]);
      }
      replies.push(confirmation(kind, name, this.classicCount, this.session.resp3));
    }
    const req = this.request(replies);
    for (const [link, list] of added) req.add(new LinkOp(link, req, command([kind, ...list]), kind, list));
    this.enter();
    this.session.enqueue(req);
  }

  private unsubscribe(names: Buffer[], set: Map<string, Buffer>, kind: string): void {
    const removed = new Map<PubSubLink, Buffer[]>();
    const replies: Buffer[] = [];
    const drop = (k: string, name: Buffer): void => {
      set.delete(k);
      const link = kind === 'unsubscribe' ? this.channelLinkOf(k) : this.patternsLink;
      if (!link) return;
      link.channels.delete(k);
      removed.set(link, [...(removed.get(link) ?? []), name]);
    };
    if (names.length === 0) {
      if (set.size === 0) replies.push(confirmation(kind, null, this.classicCount, this.session.resp3));
      for (const [k, name] of set) {
        drop(k, name);
        replies.push(confirmation(kind, name, this.classicCount, this.session.resp3));
      }
    } else {
      for (const name of names) {
        const k = keyOf(name);
        const had = set.get(k);
        if (had) drop(k, had);
        replies.push(confirmation(kind, name, this.classicCount, this.session.resp3));
      }
    }
    const req = this.request(replies);
    for (const [link, list] of removed) {
      if ((kind === 'unsubscribe' ? link.channels.size : this.patterns.size) > 0) {
        req.add(new LinkOp(link, req, command([kind, ...list]), kind, list));
      } else {
        this.detach(link);
        req.add(new LinkOp(link, req, null, kind, list));
      }
    }
    this.finish(req);
  }

  private ssubscribe(names: Buffer[], deadline: number): void {
    const slot = oneSlot(names);
    if (slot < 0) return this.session.reject(CROSSSLOT);
    let link: PubSubLink | null = null;
    if (names.some((n) => !this.shard.has(keyOf(n)))) {
      const got = this.shardLink(this.session.ctx.router.nodeForSlot(slot, this.session.id));
      if (typeof got === 'string') return this.session.reject(got);
      link = got;
    }
    const added: Buffer[] = [];
    const replies: Buffer[] = [];
    for (const name of names) {
      const k = keyOf(name);
      if (!this.shard.has(k) && link) {
        const own = Buffer.from(name);
        this.shard.set(k, { name: own, link });
        link.channels.add(k);
        added.push(own);
      }
      replies.push(confirmation('ssubscribe', name, this.shard.size, this.session.resp3));
    }
    const req = this.request(replies);
    if (link && added.length) {
      const op = new LinkOp(link, req, command(['ssubscribe', ...added]), 'ssubscribe', added);
      op.slot = slot;
      op.deadline = deadline;
      req.add(op);
    }
    this.enter();
    this.session.enqueue(req);
  }

  private sunsubscribe(names: Buffer[]): void {
    // A cluster node checks the slots before anything else, subscribed or not.
    if (names.length > 0 && oneSlot(names) < 0) return this.session.reject(CROSSSLOT);
    const byLink = new Map<PubSubLink, Buffer[]>();
    const replies: Buffer[] = [];
    const drop = (k: string, entry: ShardChannel): void => {
      this.shard.delete(k);
      entry.link.channels.delete(k);
      const list = byLink.get(entry.link);
      if (list) list.push(entry.name);
      else byLink.set(entry.link, [entry.name]);
    };
    if (names.length === 0) {
      if (this.shard.size === 0) replies.push(confirmation('sunsubscribe', null, 0, this.session.resp3));
      for (const [k, entry] of this.shard) {
        drop(k, entry);
        replies.push(confirmation('sunsubscribe', entry.name, this.shard.size, this.session.resp3));
      }
    } else {
      for (const name of names) {
        const k = keyOf(name);
        const entry = this.shard.get(k);
        if (entry) drop(k, entry);
        replies.push(confirmation('sunsubscribe', name, this.shard.size, this.session.resp3));
      }
    }
    const req = this.request(replies);
    for (const [link, removed] of byLink) {
      if (link.channels.size > 0) {
        req.add(new LinkOp(link, req, command(['sunsubscribe', ...removed]), 'sunsubscribe', removed));
      } else {
        this.detach(link);
        req.add(new LinkOp(link, req, null, 'sunsubscribe', removed));
      }
    }
    this.finish(req);
  }
}

/**
 * One of the six commands, run by the client's subscribed mode, or by a fresh one when it is not
 * subscribed yet (which enters subscribed mode once something is subscribed).
 */
function inMode(run: (mode: PubSubMode, names: Buffer[], cmd: ParsedCommand) => void): FamilyDispatch {
  return (session, cmd) => {
    const mode = session.mode;
    if (mode !== null && !(mode instanceof PubSubMode)) {
      // Another mode (a transaction) let the command through: running it would replace that mode.
      session.reject(`ERR slotproxy: ${cmd.row.name.toUpperCase()} cannot be used inside a transaction; subscribe outside MULTI`);
      return;
    }
    run(mode ?? new PubSubMode(session), cmd.args().slice(1), cmd);
  };
}

// One transaction as it runs: the dedicated connection it runs on (pinned to the node of its
// first keyed command), the connections that hold its WATCHes (one per node watched, see
// transaction-watch.ts), the order in which its steps reach them, what each reply means, and
// the re-run on another node when the transaction's slot moved.
//
// The node replies +OK to MULTI and +QUEUED to each command; while no command has chosen the
// node those replies cannot exist yet, and a client that waits for each reply (redis-cli, any
// client without pipelining) would wait forever. So steps still waiting when the current read
// of the client is processed are answered +OK/+QUEUED by the proxy, and the node's own replies
// to them are dropped: only the rare refusals of keyless commands (OOM, ACL) are not seen, and
// EXEC still reports them as EXECABORT.
//
// The client never sees a node's MOVED or ASK: a queued command whose key another node serves
// gets Redis Cluster's CROSSSLOT in their place (the node flagged the transaction, so EXEC answers
// EXECABORT, as the cluster would), and a watched slot that moved away makes EXEC answer nil (the
// WATCH can no longer guard it), which a client's optimistic-locking loop retries.
import type { BackendAddress } from '../../backend/backend-command';
import type { BackendNode } from '../../backend/backend-node';
import { Redirect } from '../../protocol/records';
import { error, nullArray, OK } from '../../protocol/resp';
import { CROSSSLOT, SLOT_NOT_SERVED } from '../errors';
import type { FamilySession } from '../family';
import { startsWith } from './reply-parts';
import { configSetEverywhere, type QueuedConfigSet } from './transaction-config';
import { Pin } from './transaction-pin';
import { DISCARD, EXECABORT, lostReply, MIXED_SLOTS, MULTI, noDedicated, QUEUED, StepKind, TxStep, type StepRunner } from './transaction-step';
import { callOnPin, unwatchAll, Watches, watchesHold } from './transaction-watch';

interface SeenRedirect {
  frame: Buffer;
  kind: number;
  from: BackendAddress;
}

const EXECABORT_PREFIX = Buffer.from('-EXECABORT');
/** Steps that end the transaction (or the WATCHes): they settle every connection it holds. */
const ENDS = new Set([StepKind.Exec, StepKind.Abort, StepKind.Discard, StepKind.Unwatch, StepKind.Cleanup]);
const movedOrAsk = (redirect: number): boolean => redirect === Redirect.Moved || redirect === Redirect.Ask;

export class TxRun implements StepRunner {
  /** the connection MULTI, the queued commands and EXEC go to */
  private pin: Pin | null = null;
  /** slot of the command that chose the node; -1 when a keyless EXEC/DISCARD did */
  private slot = -1;
  /** the connections holding the client's WATCHes (`pin` may be one of them) */
  private readonly watches: Watches;
  /** a watched slot moved to another node: the WATCH no longer guards it, EXEC answers nil */
  private watchVoid = false;
  /** a queued command has keys outside `slot`: a re-run elsewhere would fail just the same */
  private mixed = false;
  private polluted = false;
  private multiStarted = false;
  /** the connection failed (or could not be had): the error, for the steps still to come */
  lost: string | null = null;
  /** the failure hit a MULTI in progress (else only a WATCH was lost) */
  private lostInMulti = false;
  private closed = false;
  private waiting: TxStep[] = [];
  /** queued commands as sent, to send again if the transaction's slot moved */
  private readonly queued: TxStep[] = [];
  /** queued CONFIG SETs, for the other nodes once EXEC ran them (transaction-config.ts) */
  private readonly configSets: QueuedConfigSet[] = [];
  private redirect: SeenRedirect | null = null;
  private provisionalArmed = false;

  constructor(readonly session: FamilySession) {
    this.watches = new Watches(session);
  }

  start(step: TxStep): void {
    if (this.closed) return;
    // A pinned connection can fail while nothing is in flight: only its state tells.
    const dead = this.deadPin();
    if (dead) this.lose(`ERR ${dead.conn.lastError || 'the connection closed'}`);
    if (step.kind === StepKind.Multi) this.multiStarted = true;
    if (this.lost !== null) {
      this.answerLost(step);
      return;
    }
    if (step.kind === StepKind.Watch || step.kind === StepKind.Plain) {
      this.sendWatching(step, null);
      return;
    }
    const ends = ENDS.has(step.kind);
    if (!this.pin) {
      if (step.kind === StepKind.Cleanup && this.watches.size === 0) {
        this.answerWaiting();
        this.waiting = [];
        step.finish(null);
        return;
      }
      const chooses = step.slot >= 0 && step.kind === StepKind.Queued;
      if (!chooses && !ends) {
        this.waiting.push(step);
        this.armProvisional();
        return;
      }
      if (!this.choose(chooses ? step.slot : -1)) {
        this.answerLost(step);
        return;
      }
    }
    if (ends) this.end(step);
    else this.send(step);
  }

  onReply(step: TxStep, frame: Buffer, _type: number, redirect: number, from: BackendAddress): void {
    if (this.closed) return;
    switch (step.kind) {
      case StepKind.Queued:
        if (redirect !== Redirect.None && this.canRerun() && step.slot === this.slot) {
          // The node flags the transaction and EXEC will answer EXECABORT: it is re-run where
          // the redirect points, so this command counts as queued.
          this.redirect = { frame, kind: redirect, from };
          step.finish(QUEUED);
          return;
        }
        if (movedOrAsk(redirect)) {
          // The node flagged the transaction either way (EXEC: EXECABORT).
          if (step.slot === this.slot && this.pin?.watching) {
            this.watchVoid = true;
            step.finish(QUEUED);
          } else {
            step.finish(error(CROSSSLOT));
          }
          return;
        }
        step.finish(frame);
        return;
      case StepKind.Replay:
        if (redirect !== Redirect.None && step.slot === this.slot) this.redirect = { frame, kind: redirect, from };
        return;
      case StepKind.Watch:
      case StepKind.Plain:
        if (movedOrAsk(redirect)) {
          this.followWatching(step, frame, redirect, from);
          return;
        }
        if (step.kind === StepKind.Watch && frame[0] === 43 /* + */) {
          const pin = this.watches.ofSlot(step.slot);
          if (pin) pin.watching = true;
        } else if (step.silent) {
          this.lose(`ERR slotproxy: WATCH failed: ${frame.toString('latin1', 1).trim()}`);
        }
        step.finish(frame);
        return;
      case StepKind.Exec:
        this.onExecReply(step, frame, redirect, from);
        return;
      case StepKind.Abort:
        this.release(!this.polluted);
        step.finish(error(EXECABORT));
        return;
      case StepKind.Unwatch:
      case StepKind.Discard:
      case StepKind.Cleanup:
        this.release(!this.polluted);
        step.finish(step.kind === StepKind.Cleanup ? null : frame);
        return;
      default:
        step.finish(frame);
    }
  }

  /** A step cannot get a reply: the connection failed, was never had, or a redirect could not be followed. */
  onFailure(step: TxStep, message: string): void {
    if (this.closed) return;
    // Also a WATCH that could not follow its slot: it guards nothing, so nothing after it may run.
    this.lose(message);
    step.finish(step.kind === StepKind.Cleanup ? null : error(message));
  }

  /** The router sends a step: to follow a redirect we asked it to, or to resend what a lost connection never wrote. */
  onRouted(step: TxStep, node: BackendNode): void {
    if (this.closed) return;
    if (!step.following) {
      this.onFailure(step, this.lost ?? `ERR ${this.pin?.conn.lastError || 'the connection closed'}; the command did not run`);
      return;
    }
    step.following = false;
    if (step.kind === StepKind.Watch || step.kind === StepKind.Plain) {
      this.sendWatching(step, node);
      return;
    }
    const conn = node.acquireDedicated(this.session.resp3);
    if (!conn) {
      this.onFailure(step, noDedicated(node.address, this.session.ctx.config.blockingConnections));
      return;
    }
    this.pin = new Pin(node, conn, this.session);
    // ASKING before MULTI holds for the whole transaction: Redis keeps the flag while in MULTI.
    const multi = new TxStep(this, StepKind.Replay, MULTI, -1, step.deadline);
    multi.asking = step.asking;
    step.asking = false;
    this.send(multi);
    for (const q of this.queued) this.send(new TxStep(this, StepKind.Replay, q.frame, q.slot, step.deadline));
    this.send(step);
  }

  /** The client is gone: the connections may hold a MULTI or WATCH (or a blocked command), so they are closed. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.waiting = [];
    this.release(false);
  }

  private onExecReply(exec: TxStep, frame: Buffer, redirect: number, from: BackendAddress): void {
    const aborted = startsWith(frame, EXECABORT_PREFIX);
    if (this.canRerun() && (redirect !== Redirect.None || (aborted && this.redirect !== null))) {
      // The node discarded the transaction (EXEC answered): the connection is clean again.
      const seen = redirect !== Redirect.None ? { frame, kind: redirect, from } : this.redirect!;
      this.redirect = null;
      this.release(!this.polluted);
      exec.slot = this.slot;
      exec.following = true;
      if (this.session.ctx.router.redirect(exec, seen.frame, seen.kind, seen.from)) return;
      exec.following = false;
    }
    const watching = this.pin?.watching === true;
    const main = this.pin?.node.address ?? '';
    this.release(!this.polluted);
    if ((this.watchVoid && aborted) || (movedOrAsk(redirect) && watching)) {
      exec.finish(nullArray(this.session.resp3));
    } else if (movedOrAsk(redirect)) {
      exec.finish(error(CROSSSLOT));
    } else if (this.configSets.length > 0) {
      void configSetEverywhere(this.session, main, this.configSets, frame).then((reply) => exec.finish(reply));
    } else {
      exec.finish(frame);
    }
  }

  private canRerun(): boolean {
    return this.pin?.watching !== true && !this.mixed && this.slot >= 0;
  }

  /** Picks the connection the transaction runs on: where its first key is (a keyless one: where a WATCH is). */
  private choose(slot: number): boolean {
    let pin = slot < 0 ? this.watches.any() : null;
    if (!pin) {
      const node = this.session.ctx.router.nodeForSlot(slot, this.session.id);
      const got = node ? this.watches.on(node) : SLOT_NOT_SERVED;
      if (typeof got === 'string') {
        this.lose(got);
        return false;
      }
      pin = got;
    }
    this.pin = pin;
    this.slot = slot;
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) this.send(w);
    return true;
  }

  /** WATCH, or a command on a watched slot before MULTI: on the connection watching that slot's node. */
  private sendWatching(step: TxStep, to: BackendNode | null): void {
    let pin = to === null && step.kind === StepKind.Plain ? this.watches.ofSlot(step.slot) : undefined;
    if (!pin) {
      const node = to ?? this.session.ctx.router.nodeForSlot(step.slot, this.session.id);
      const got = node ? this.watches.on(node) : SLOT_NOT_SERVED;
      if (typeof got === 'string') {
        this.onFailure(step, got);
        return;
      }
      pin = got;
    }
    if (step.kind === StepKind.Watch) this.watches.watching(step.slot, pin);
    pin.send(step);
  }

  /**
   * A WATCH (or a command on a watched slot) went where the slot no longer is. Nothing ran: it
   * follows the redirect. A command on a watched slot that moved means the WATCH there guards
   * nothing any more.
   */
  private followWatching(step: TxStep, frame: Buffer, redirect: number, from: BackendAddress): void {
    if (step.kind === StepKind.Plain) this.watchVoid = true;
    this.watches.moved(step.slot);
    step.following = true;
    if (this.session.ctx.router.redirect(step, frame, redirect, from)) return;
    step.following = false;
    this.onFailure(step, 'ERR slotproxy: WATCH was redirected and could not follow');
  }

  /**
   * EXEC, DISCARD, UNWATCH, RESET or an aborted EXEC: the WATCHes held on other nodes are checked
   * (EXEC) or dropped, then the step goes to the transaction's connection.
   */
  private end(step: TxStep): void {
    const others = this.watches.take(this.pin);
    if (step.kind !== StepKind.Exec) {
      unwatchAll(others, step.deadline, this.session);
      this.send(step);
      return;
    }
    if (others.length === 0 && !this.watchVoid) {
      this.send(step);
      return;
    }
    void watchesHold(others, step.deadline, this.session).then((held) => {
      if (this.closed) return;
      if (held && !this.watchVoid) {
        this.send(step);
        return;
      }
      // A watched key changed: nothing runs, EXEC answers nil, as on one server.
      const pin = this.pin;
      if (!pin) {
        step.finish(nullArray(this.session.resp3));
        return;
      }
      void callOnPin(pin, DISCARD, step.deadline, this.session).then((reply) => {
        if (this.pin === pin) this.release(reply !== null && !this.polluted);
        step.finish(nullArray(this.session.resp3));
      });
    });
  }

  private send(step: TxStep): void {
    if (step.kind === StepKind.Queued) {
      this.queued.push(step);
      if (step.slot === MIXED_SLOTS || (step.slot >= 0 && step.slot !== this.slot)) this.mixed = true;
      if (step.configSet) this.configSets.push({ index: this.queued.length - 1, frame: step.frame });
    }
    if (step.polluting) this.polluted = true;
    this.pin!.send(step);
  }

  /** What a step gets once the connection failed (transaction-step.ts). */
  private answerLost(step: TxStep): void {
    step.finish(lostReply(step.kind, this.lost!, this.lostInMulti, this.session.resp3));
  }

  /** The connection failed or could not be had: outstanding steps get `message`, later ones answerLost(). */
  private lose(message: string): void {
    if (this.lost !== null) return;
    this.lost = message;
    this.lostInMulti = this.multiStarted;
    this.release(false);
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) w.finish(error(message));
  }

  /** The transaction's connection back to the pool (`reusable`) or closed; connections still watching are closed. */
  private release(reusable: boolean): void {
    const pin = this.pin;
    this.pin = null;
    pin?.release(reusable);
    for (const p of this.watches.take(pin)) p.release(false);
  }

  private deadPin(): Pin | null {
    return this.pin?.dead ? this.pin : this.watches.dead();
  }

  private answerWaiting(): void {
    for (const s of this.waiting) {
      s.finish(s.kind === StepKind.Multi ? OK : QUEUED);
    }
  }

  private armProvisional(): void {
    if (this.provisionalArmed) return;
    this.provisionalArmed = true;
    // Runs after everything the client sent in this read was processed.
    setImmediate(() => {
      this.provisionalArmed = false;
      if (!this.closed) this.answerWaiting();
    });
  }
}

// One transaction as it runs: a dedicated connection pinned to the node of its first keyed
// command (or first WATCHed key), the order in which its steps reach that connection, what each
// reply means, and the re-run on another node when the transaction's slot moved.
//
// The node replies +OK to MULTI and +QUEUED to each command; while no command has chosen the
// node those replies cannot exist yet, and a client that waits for each reply (redis-cli, any
// client without pipelining) would wait forever. So steps still waiting when the current read
// of the client is processed are answered +OK/+QUEUED by the proxy, and the node's own replies
// to them are dropped: only the rare refusals of keyless commands (OOM, ACL) are not seen, and
// EXEC still reports them as EXECABORT.
import type { BackendAddress } from '../../backend/backend-command';
import type { BackendNode } from '../../backend/backend-node';
import { Redirect } from '../../protocol/records';
import { error, nullArray, OK } from '../../protocol/resp';
import { SLOT_NOT_SERVED } from '../errors';
import type { FamilySession } from '../family';
import { Pin } from './transaction-pin';
import {
  discardedByLoss,
  EXECABORT,
  execAbortByLoss,
  MIXED_SLOTS,
  MULTI,
  noDedicated,
  plainAfterLoss,
  QUEUED,
  StepKind,
  TxStep,
  type StepRunner,
} from './transaction-step';

interface SeenRedirect {
  frame: Buffer;
  kind: number;
  from: BackendAddress;
}

const EXECABORT_PREFIX = Buffer.from('-EXECABORT');

export class TxRun implements StepRunner {
  private pin: Pin | null = null;
  /** slot of the command that chose the node; -1 when a keyless EXEC/DISCARD did */
  private slot = -1;
  private pinnedBy: TxStep | null = null;
  /** a WATCH was sent: replies go to the client as the node gives them, nothing is re-run */
  private watched = false;
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
  private redirect: SeenRedirect | null = null;
  private provisionalArmed = false;

  constructor(readonly session: FamilySession) {}

  start(step: TxStep): void {
    if (this.closed) return;
    // A pinned connection can fail while nothing is in flight: only its state tells.
    if (this.pin?.dead) this.lose(`ERR ${this.pin.conn.lastError || 'the connection closed'}`);
    if (step.kind === StepKind.Multi) this.multiStarted = true;
    if (this.lost !== null) {
      this.answerLost(step);
      return;
    }
    if (!this.pin) {
      if (step.kind === StepKind.Cleanup) {
        this.answerWaiting();
        this.waiting = [];
        step.finish(null);
        return;
      }
      const chooses = step.slot >= 0 && (step.kind === StepKind.Queued || step.kind === StepKind.Watch || step.kind === StepKind.Plain);
      const ends = step.kind === StepKind.Exec || step.kind === StepKind.Abort || step.kind === StepKind.Discard || step.kind === StepKind.Unwatch;
      if (!chooses && !ends) {
        this.waiting.push(step);
        this.armProvisional();
        return;
      }
      if (!this.choose(chooses ? step.slot : -1, step)) {
        this.answerLost(step);
        return;
      }
    }
    this.send(step);
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
        step.finish(frame);
        return;
      case StepKind.Replay:
        if (redirect !== Redirect.None && step.slot === this.slot) this.redirect = { frame, kind: redirect, from };
        return;
      case StepKind.Watch:
        if (redirect !== Redirect.None && redirect !== Redirect.Ask && this.pinnedBy === step && this.pin?.idle) {
          // Our slot map was stale: nothing is watched yet, so the WATCH moves with the slot.
          this.end(true);
          step.following = true;
          if (this.session.ctx.router.redirect(step, frame, redirect, from)) return;
          step.following = false;
          this.lose('ERR slotproxy: WATCH was redirected and could not follow');
        }
        step.finish(frame);
        return;
      case StepKind.Exec:
        this.onExecReply(step, frame, redirect, from);
        return;
      case StepKind.Abort:
        this.end(!this.polluted);
        step.finish(error(EXECABORT));
        return;
      case StepKind.Unwatch:
      case StepKind.Discard:
      case StepKind.Cleanup:
        this.end(!this.polluted);
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
    const conn = node.acquireDedicated(this.session.resp3);
    if (!conn) {
      this.onFailure(step, noDedicated(node.address, this.session.ctx.config.blockingConnections));
      return;
    }
    this.pin = new Pin(node, conn, this.session);
    this.pinnedBy = step;
    if (step.kind === StepKind.Watch) {
      this.send(step);
      return;
    }
    // ASKING before MULTI holds for the whole transaction: Redis keeps the flag while in MULTI.
    const multi = new TxStep(this, StepKind.Replay, MULTI, -1, step.deadline);
    multi.asking = step.asking;
    step.asking = false;
    this.send(multi);
    for (const q of this.queued) this.send(new TxStep(this, StepKind.Replay, q.frame, q.slot, step.deadline));
    this.send(step);
  }

  /** The client is gone: the connection may hold a MULTI or WATCH (or a blocked command), so it is closed. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.waiting = [];
    this.end(false);
  }

  private onExecReply(exec: TxStep, frame: Buffer, redirect: number, from: BackendAddress): void {
    const abortedByRedirect = this.redirect !== null && frame.subarray(0, EXECABORT_PREFIX.length).equals(EXECABORT_PREFIX);
    if (this.canRerun() && (redirect !== Redirect.None || abortedByRedirect)) {
      // The node discarded the transaction (EXEC answered): the connection is clean again.
      const seen = redirect !== Redirect.None ? { frame, kind: redirect, from } : this.redirect!;
      this.redirect = null;
      this.end(!this.polluted);
      exec.slot = this.slot;
      exec.following = true;
      if (this.session.ctx.router.redirect(exec, seen.frame, seen.kind, seen.from)) return;
      exec.following = false;
    }
    this.end(!this.polluted);
    exec.finish(frame);
  }

  private canRerun(): boolean {
    return !this.watched && !this.mixed && this.slot >= 0;
  }

  private choose(slot: number, by: TxStep): boolean {
    const node = this.session.ctx.router.nodeForSlot(slot, this.session.id);
    if (!node) {
      this.lose(SLOT_NOT_SERVED);
      return false;
    }
    const conn = node.acquireDedicated(this.session.resp3);
    if (!conn) {
      this.lose(noDedicated(node.address, this.session.ctx.config.blockingConnections));
      return false;
    }
    this.pin = new Pin(node, conn, this.session);
    this.slot = slot;
    this.pinnedBy = by;
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) this.send(w);
    return true;
  }

  private send(step: TxStep): void {
    if (step.kind === StepKind.Queued) {
      this.queued.push(step);
      if (step.slot === MIXED_SLOTS || (step.slot >= 0 && step.slot !== this.slot)) this.mixed = true;
    }
    if (step.kind === StepKind.Watch) this.watched = true;
    if (step.polluting) this.polluted = true;
    this.pin!.send(step);
  }

  /** What a step gets once the connection failed: the client is told, in Redis's terms where they fit. */
  private answerLost(step: TxStep): void {
    const lost = this.lost!;
    switch (step.kind) {
      // Only a WATCH was lost: what it guarded may have changed unseen, so the transaction runs
      // nowhere and EXEC answers as for a touched key.
      case StepKind.Multi:
        step.finish(this.lostInMulti ? error(discardedByLoss(lost)) : OK);
        return;
      case StepKind.Queued:
        step.finish(this.lostInMulti ? error(discardedByLoss(lost)) : QUEUED);
        return;
      case StepKind.Exec:
        step.finish(this.lostInMulti ? error(execAbortByLoss(lost)) : nullArray(this.session.resp3));
        return;
      case StepKind.Abort:
        step.finish(error(EXECABORT));
        return;
      case StepKind.Plain:
        step.finish(error(plainAfterLoss(lost)));
        return;
      case StepKind.Cleanup:
        step.finish(null);
        return;
      default:
        step.finish(OK);
    }
  }

  /** The connection failed or could not be had: outstanding steps get `message`, later ones answerLost(). */
  private lose(message: string): void {
    if (this.lost !== null) return;
    this.lost = message;
    this.lostInMulti = this.multiStarted;
    this.end(false);
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) w.finish(error(message));
  }

  private end(reusable: boolean): void {
    const pin = this.pin;
    this.pin = null;
    this.pinnedBy = null;
    pin?.release(reusable);
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

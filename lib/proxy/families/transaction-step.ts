// The requests of a transaction: each is a reply slot in the client's ordered list and the
// command written on the transaction's pinned connection, in one object (as RoutedRequest is for
// ordinary commands). What to do with a reply is decided by the run (transaction-run.ts), which
// knows the state of that connection.
import type { BackendAddress } from '../../backend/backend-command';
import type { BackendNode } from '../../backend/backend-node';
import { command, error, nullArray, OK } from '../../protocol/resp';
import type { FamilySession } from '../family';
import { CommandReplySlot } from '../requests/routed-request';

export const enum StepKind {
  /** MULTI; waits for the command that chooses the node */
  Multi,
  /** a command inside MULTI: the node answers +QUEUED (or why not) */
  Queued,
  /** WATCH before MULTI: the first one chooses the node */
  Watch,
  /** a command on a WATCHed slot between WATCH and MULTI: must not overtake or be overtaken by the WATCH */
  Plain,
  /** UNWATCH outside MULTI: ends the transaction */
  Unwatch,
  Exec,
  Discard,
  /** EXEC of a transaction the proxy saw errors in: DISCARD is sent, the client gets EXECABORT */
  Abort,
  /** RESET inside a transaction: clears the node's state; no reply of its own */
  Cleanup,
  /** a queued command sent again to the node a redirect named; its reply is the run's, not the client's */
  Replay,
}

export const MULTI = command(['MULTI']);
export const DISCARD = command(['DISCARD']);
export const UNWATCH = command(['UNWATCH']);
export const QUEUED = Buffer.from('+QUEUED\r\n');
export const EXECABORT = 'EXECABORT Transaction discarded because of previous errors.';
/** slot of a command whose keys are in several slots */
export const MIXED_SLOTS = -2;

/** What runs the steps of one transaction and knows the state of its connection (TxRun). */
export interface StepRunner {
  readonly session: FamilySession;
  start(step: TxStep): void;
  onReply(step: TxStep, frame: Buffer, type: number, redirect: number, from: BackendAddress): void;
  onFailure(step: TxStep, message: string): void;
  /** the router sends the step to `node` */
  onRouted(step: TxStep, node: BackendNode): void;
  /** the client is gone */
  close(): void;
}

export class TxStep extends CommandReplySlot {
  readonly holds: boolean;
  /** may change the backend connection's state (CLIENT SETNAME ...): the connection is not reused */
  polluting = false;
  /** the router is following a redirect for the run: its sendTo() is a re-run, not a lost connection */
  following = false;
  /**
   * one of the WATCHes a WATCH of keys in several slots became, but the last: no reply of its
   * own (if it fails, the transaction is lost and its EXEC answers nil)
   */
  silent = false;
  /** a queued CONFIG SET: applied to the other nodes once EXEC ran it (transaction-config.ts) */
  configSet = false;

  constructor(
    readonly run: StepRunner,
    readonly kind: StepKind,
    frame: Buffer,
    slot: number,
    deadline: number,
  ) {
    super(frame, slot, run.session.id, deadline);
    // Commands inside MULTI only queue on the node: nothing else of the client can overtake what
    // they do. Everything that acts at once must finish before the client's next command starts,
    // which may run on another connection (and MULTI must not hold: it waits for a later command).
    this.holds = kind !== StepKind.Multi && kind !== StepKind.Queued && kind !== StepKind.Replay;
  }

  start(): void {
    this.run.start(this);
  }

  abandon(): void {
    this.run.close();
  }

  get abandoned(): boolean {
    return this.run.session.closed;
  }

  onReply(frame: Buffer, type: number, redirect: number, _elems: number, _elemBase: number, from: BackendAddress): void {
    this.run.onReply(this, frame, type, redirect, from);
  }

  onFailure(message: string): void {
    this.run.onFailure(this, message);
  }

  sendTo(node: BackendNode): void {
    this.run.onRouted(this, node);
  }

  finish(reply: Buffer | null): void {
    if (this.done) return;
    this.done = true;
    this.reply = this.silent ? null : reply;
    if (this.kind !== StepKind.Replay) this.run.session.requestDone(this);
  }
}

/** The reason inside a connection error ("ERR x; the command may or may not have run" -> "x"). */
function reason(message: string): string {
  return message.replace(/^ERR (slotproxy: )?/, '').replace(/; the command (may or may not have|did not) run$/, '');
}

export function discardedByLoss(message: string): string {
  return `ERR slotproxy: the transaction's connection failed (${reason(message)}); the transaction was discarded and this command did not run: send EXEC or DISCARD, then run the transaction again`;
}

export function execAbortByLoss(message: string): string {
  return `EXECABORT Transaction discarded because its connection failed (${reason(message)}); nothing of it ran: run it again`;
}

export function plainAfterLoss(message: string): string {
  return `ERR slotproxy: the connection holding this client's WATCH failed (${reason(message)}); this command did not run and the next EXEC will abort: send UNWATCH and WATCH again`;
}

export function noDedicated(address: string, limit: number): string {
  return `ERR slotproxy: ${limit} dedicated connections (transactions and blocking commands) are already open to ${address}; the transaction did not run: raise SLOTPROXY_BLOCKING_CONNECTIONS or run fewer at once`;
}

export function notInMulti(name: string): string {
  return `ERR slotproxy: ${name.replace('|', ' ').toUpperCase()} inside MULTI is not supported: slotproxy answers it itself and cannot queue it on a node; send it outside the transaction`;
}

/**
 * What a step gets once the transaction's connection failed (`lost`): the client is told, in
 * Redis's terms where they fit. When only a WATCH was lost (not `inMulti`), what it guarded may
 * have changed unseen, so the transaction runs nowhere and EXEC answers as for a touched key.
 */
export function lostReply(kind: StepKind, lost: string, inMulti: boolean, resp3: boolean): Buffer | null {
  switch (kind) {
    case StepKind.Multi:
      return inMulti ? error(discardedByLoss(lost)) : OK;
    case StepKind.Queued:
      return inMulti ? error(discardedByLoss(lost)) : QUEUED;
    case StepKind.Exec:
      return inMulti ? error(execAbortByLoss(lost)) : nullArray(resp3);
    case StepKind.Abort:
      return error(EXECABORT);
    case StepKind.Plain:
      return error(plainAfterLoss(lost));
    case StepKind.Cleanup:
      return null;
    default:
      return OK;
  }
}

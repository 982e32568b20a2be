// The 'transaction' family: MULTI, EXEC, DISCARD, WATCH, UNWATCH. A transaction runs on a
// dedicated connection of the node that owns its slot (transaction-run.ts), so the client sees
// what a client connected to that node of Redis Cluster sees, minus the redirects (the proxy
// follows them, or answers as one server would); WATCH works on keys of any node
// (transaction-watch.ts). This module is the session mode: it sees every command from the first WATCH or MULTI
// until EXEC, DISCARD or UNWATCH and decides, in the order the client sent them, what each one
// becomes, as Redis's processCommand does (src/server.c, src/multi.c).
import { keySlot } from '../../protocol/crc16';
import { command, OK } from '../../protocol/resp';
import { ImmediateReply } from '../client-request';
import type { FamilyHandlers, FamilySession, ParsedCommand, SessionMode } from '../family';
import { adminOff } from './admin';
import { TxRun } from './transaction-run';
import { DISCARD, MIXED_SLOTS, notInMulti, StepKind, TxStep, UNWATCH } from './transaction-step';

/**
 * Commands Redis would queue that the proxy answers for itself and cannot hand to one node: they
 * would change who a pooled connection is or what it receives (HELLO 3, AUTH, SUBSCRIBE), or act
 * on the proxy's connections or users (CLIENT KILL, ACL), answer for the proxy (ROLE), or escape
 * the admin gate on a node (MIGRATE). CONFIG GET and SET are queued on the transaction's node like
 * any command once operators allowed them (transaction-config.ts).
 */
const NOT_IN_MULTI = new Set(['hello', 'auth', 'subscribe', 'psubscribe', 'ssubscribe', 'role', 'migrate']);
const FAMILIES_NOT_IN_MULTI = new Set(['client', 'acl']);

/** The slot of a command's keys, -1 without keys, MIXED_SLOTS when they are in several. */
function slotOf(cmd: ParsedCommand): number {
  const proc = cmd.row.keyProc;
  if (proc) {
    const args = cmd.args();
    const slots = new Set(proc(args).map((i) => keySlot(args[i])));
    if (slots.size > 1) return MIXED_SLOTS;
    return slots.size ? slots.values().next().value! : -1;
  }
  // (PUBLISH: routed by its channel, but keyless for the node, which is what counts here)
  if (cmd.row.info.keySpecs.length === 0) return -1;
  return cmd.crossSlot ? MIXED_SLOTS : cmd.slot;
}

/** WATCH k1 k2 ... as one WATCH per slot: [slot, frame] each, in the order of their first key. */
function watchesBySlot(args: Buffer[]): [number, Buffer][] {
  const bySlot = new Map<number, Buffer[]>();
  for (const key of args.slice(1)) {
    const slot = keySlot(key);
    const keys = bySlot.get(slot);
    if (keys) keys.push(key);
    else bySlot.set(slot, [key]);
  }
  return [...bySlot].map(([slot, keys]) => [slot, command([args[0], ...keys])]);
}

class TransactionMode implements SessionMode {
  readonly flag = 'x';
  private readonly run: TxRun;
  private inMulti = false;
  /** a command inside MULTI was refused before reaching the node: EXEC must abort */
  private dirty = false;
  /**
   * Slots WATCHed, on whichever node. The client's commands on them until MULTI use the
   * connection that watches them, so a write of its own after WATCH is seen by the WATCH, as in
   * Redis. Commands on other slots cannot touch a watched key and are routed as usual.
   */
  private readonly watchedSlots = new Set<number>();

  constructor(private readonly session: FamilySession) {
    this.run = new TxRun(session);
  }

  command(cmd: ParsedCommand): boolean {
    const { name, handler } = cmd.row;
    // the transaction family's handler runs it, in this mode (TRANSACTION below)
    if (handler.kind === 'family' && handler.family === 'transaction') return false;
    // Redis runs these at once even inside MULTI; the session answers them.
    if (name === 'quit' || handler.kind === 'close') return false;
    if (name === 'reset') {
      this.reset(cmd);
      return false;
    }
    if (this.inMulti) {
      this.queue(cmd);
      return true;
    }
    return this.pinned(cmd);
  }

  rejected(): void {
    if (this.inMulti) this.dirty = true;
  }

  close(): void {
    this.run.close();
  }

  multi(cmd: ParsedCommand): void {
    if (this.inMulti) {
      this.session.reject('ERR MULTI calls can not be nested');
      return;
    }
    this.inMulti = true;
    this.enqueue(StepKind.Multi, cmd, -1);
  }

  exec(cmd: ParsedCommand): void {
    if (!this.inMulti) {
      this.session.reject('ERR EXEC without MULTI');
      return;
    }
    this.leave();
    if (this.dirty) this.enqueue(StepKind.Abort, cmd, -1, DISCARD);
    else this.enqueue(StepKind.Exec, cmd, -1);
  }

  discard(cmd: ParsedCommand): void {
    if (!this.inMulti) {
      this.session.reject('ERR DISCARD without MULTI');
      return;
    }
    this.leave();
    this.enqueue(StepKind.Discard, cmd, -1);
  }

  watch(cmd: ParsedCommand): void {
    if (this.inMulti) {
      this.session.reject('ERR WATCH inside MULTI is not allowed');
      return;
    }
    // Keys of several nodes are watched on each (transaction-watch.ts); keys of several slots in
    // one WATCH, which a cluster node refuses, become one WATCH per slot, the last one's reply
    // the client's.
    const groups: [number, Buffer][] = cmd.crossSlot ? watchesBySlot(cmd.args()) : [[cmd.slot, cmd.frame]];
    groups.forEach(([slot, frame], i) => {
      this.watchedSlots.add(slot);
      this.enqueue(StepKind.Watch, cmd, slot, frame).silent = i < groups.length - 1;
    });
  }

  unwatch(cmd: ParsedCommand): void {
    if (this.inMulti) {
      this.queue(cmd);
      return;
    }
    this.leave();
    this.enqueue(StepKind.Unwatch, cmd, -1);
  }

  /** Inside MULTI: everything goes to the node to be queued, except what Redis or the proxy refuses. */
  private queue(cmd: ParsedCommand): void {
    const { row } = cmd;
    const handler = row.handler;
    let refusal: string | null = null;
    if (row.info.flags.includes('no_multi')) refusal = 'ERR Command not allowed inside a transaction';
    else if (handler.kind === 'refused') refusal = handler.message;
    else if (NOT_IN_MULTI.has(row.name) || (handler.kind === 'family' && FAMILIES_NOT_IN_MULTI.has(handler.family))) refusal = notInMulti(row.name);
    else if (handler.kind === 'family' && handler.family === 'admin') refusal = adminOff(this.session, cmd);
    if (refusal !== null) {
      // Redis flags the transaction for every command it refuses before queueing it.
      this.session.reject(refusal);
      this.dirty = true;
      return;
    }
    // Commands the proxy answers itself may leave state on the connection (CLIENT SETNAME, READONLY).
    const step = this.enqueue(StepKind.Queued, cmd, slotOf(cmd), cmd.frame, handler.kind === 'local');
    step.configSet = handler.kind === 'family' && handler.family === 'admin' && handler.variant === 'config-set';
  }

  /** Between WATCH and MULTI: commands on a watched slot stay on the pinned connection. */
  private pinned(cmd: ParsedCommand): boolean {
    if (this.run.lost !== null) return false;
    const h = cmd.row.handler;
    const blocking = h.kind === 'blocking' || h.kind === 'blocking-with-option';
    if (!blocking && h.kind !== 'keyed' && !(h.kind === 'family' && h.family === 'split')) return false;
    const slot = slotOf(cmd);
    if (slot < 0 || !this.watchedSlots.has(slot)) return false;
    this.enqueue(StepKind.Plain, cmd, slot, cmd.frame, false, blocking ? Infinity : cmd.deadline);
    return true;
  }

  /** RESET ends MULTI and WATCH: the node's side is cleared first, then the session answers RESET. */
  private reset(cmd: ParsedCommand): void {
    this.leave();
    this.enqueue(StepKind.Cleanup, cmd, -1, this.inMulti ? DISCARD : UNWATCH);
  }

  /** The client's next command is no longer part of this transaction (its run may still be finishing). */
  private leave(): void {
    if (this.session.mode === this) this.session.mode = null;
  }

  private enqueue(kind: StepKind, cmd: ParsedCommand, slot: number, frame = cmd.frame, polluting = false, deadline = cmd.deadline): TxStep {
    const step = new TxStep(this.run, kind, frame, slot, deadline);
    step.polluting = polluting;
    this.session.enqueue(step);
    return step;
  }
}

/** The client's transaction, or null outside one. */
function transactionOf(session: FamilySession): TransactionMode | null {
  return session.mode instanceof TransactionMode ? session.mode : null;
}

/** MULTI or WATCH outside a transaction begins one, unless the client is in another mode. */
function begin(session: FamilySession, name: string): TransactionMode | null {
  if (session.mode !== null) {
    session.reject(`ERR slotproxy: ${name} is not possible while this connection is in another mode (subscribed?); leave that mode first`);
    return null;
  }
  const mode = new TransactionMode(session);
  session.mode = mode;
  return mode;
}

export const TRANSACTION = {
  multi(session, cmd) {
    (transactionOf(session) ?? begin(session, 'MULTI'))?.multi(cmd);
  },
  watch(session, cmd) {
    const mode = transactionOf(session);
    if (mode) return mode.watch(cmd);
    begin(session, 'WATCH')?.watch(cmd);
  },
  exec(session, cmd) {
    const mode = transactionOf(session);
    if (mode) mode.exec(cmd);
    else session.reject('ERR EXEC without MULTI');
  },
  discard(session, cmd) {
    const mode = transactionOf(session);
    if (mode) mode.discard(cmd);
    else session.reject('ERR DISCARD without MULTI');
  },
  unwatch(session, cmd) {
    const mode = transactionOf(session);
    // UNWATCH with nothing watched
    if (mode) mode.unwatch(cmd);
    else session.enqueue(new ImmediateReply(OK));
  },
} satisfies FamilyHandlers<'transaction'>;

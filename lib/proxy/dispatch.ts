// A command off the fast path: the checks Redis makes before it runs a command (protocol error,
// unknown command or subcommand, arity, authentication, ACL), in Redis's order, then the handler
// of its row. The fast path (ClientSession.onRequests) skips all of this for known commands of
// unrestricted users with nothing to report.
import type { User } from '../auth/users';
import { keySlot } from '../protocol/crc16';
import { inlineLine, splitInline } from '../protocol/inline';
import { CMD_INLINE, CMD_PROTOCOL_ERROR, FLAG_ARITY, FLAG_CROSSSLOT, FLAG_UNKNOWN_SUBCOMMAND, KEY_TRIPLE, R_ARGC, R_CMD, R_END, R_FLAGS, R_KEYIDX, R_NKEYS, R_SLOT, R_START, REQ_HEADER } from '../protocol/records';
import { command, error, frameArgs } from '../protocol/resp';
import { ImmediateReply } from './client-request';
import { CROSSSLOT, NOAUTH, UNBALANCED_QUOTES, protocolError, unknownCommand, unknownSubcommand, wrongArity } from './errors';
import { familyDispatch } from './families';
import { logDenial } from './families/acl';
import type { FamilySession, ParsedCommand } from './family';
import { LOCAL_COMMANDS } from './local-commands';
import { BlockingRequest } from './requests/blocking-request';
import { SingleRequest } from './requests/single-request';
import { runAsUser } from './requests/user-script-request';

export interface DispatchSession extends FamilySession {
  /** authenticated as a user who may run anything on any key: no ACL check */
  readonly unrestricted: boolean;
  /** an error reply for a command refused before it ran (a transaction must learn of it) */
  refuse(message: string): void;
  /**
   * The command being dispatched is row `row` of the table, sent as `frame` (an inline command,
   * once re-encoded): its statistics, slow log entry and read-your-writes count go by that row.
   */
  commandIs(row: number, frame: Buffer): void;
}

/**
 * Dispatches record `at` of `rec` (the scanner's records for `buf`). What it enqueues may keep
 * ranges of `buf` anywhere: the caller pins the read slab.
 */
export function dispatchSlow(session: DispatchSession, buf: Buffer, rec: Int32Array, at: number, deadline: number): void {
  const cmd = rec[at + R_CMD];
  const frame = buf.subarray(rec[at + R_START], rec[at + R_END]);
  if (cmd === CMD_PROTOCOL_ERROR) {
    session.enqueue(new ImmediateReply(error(protocolError(rec[at + R_ARGC], rec[at + R_SLOT])), true));
    return;
  }
  if (cmd === CMD_INLINE) {
    dispatchInline(session, frame, deadline);
    return;
  }
  if (cmd === 0) {
    session.refuse(unknownCommand(frameArgs(frame)));
    return;
  }
  const ctx = session.ctx;
  const row = ctx.table.rows[cmd]!;
  const flags = rec[at + R_FLAGS];
  if (flags & FLAG_UNKNOWN_SUBCOMMAND) {
    session.refuse(unknownSubcommand(frameArgs(frame)));
    return;
  }
  if (flags & FLAG_ARITY) {
    session.refuse(wrongArity(row.name));
    return;
  }
  if (row.handler.kind === 'close') {
    // HTTP sent to the port (POST, Host:): Redis drops the connection unanswered in every state,
    // before authentication too (processCommand logs "Possible SECURITY ATTACK detected").
    session.enqueue(new ImmediateReply(null, true));
    return;
  }
  let args: Buffer[] | null = null;
  let asUser: User | null = null;
  if (!session.unrestricted) {
    const user = session.user;
    if (user === null) {
      if (!row.info.flags.includes('no_auth')) {
        session.refuse(NOAUTH);
        return;
      }
    } else {
      const denied = ctx.acl.denied(user, row, (args ??= frameArgs(frame)));
      if (denied) {
        logDenial(session, ctx.acl, user, row, args);
        session.refuse(denied);
        return;
      }
      if (ctx.acl.runsAsUser(user, row)) asUser = user;
    }
  }
  let keys: number[] | null = null;
  const keyIdx = rec[at + R_KEYIDX];
  if (row.wantKeys && keyIdx >= 0) {
    // The shared key array is overwritten by the next scan: keep this command's triples, in a
    // plain array (Int32Array#slice cost 3% of the proxy at split MSET -P16).
    const shared = ctx.scanners.requestKeys;
    const base = keyIdx * KEY_TRIPLE;
    const n = rec[at + R_NKEYS] * KEY_TRIPLE;
    const start = rec[at + R_START];
    keys = new Array<number>(n);
    for (let k = 0; k < n; k += KEY_TRIPLE) {
      keys[k] = shared[base + k] - start;
      keys[k + 1] = shared[base + k + 1];
      keys[k + 2] = shared[base + k + 2];
    }
  }
  const parsed: ParsedCommand = {
    row,
    frame,
    source: buf,
    sourceStart: rec[at + R_START],
    slot: rec[at + R_SLOT],
    crossSlot: (flags & FLAG_CROSSSLOT) !== 0,
    deadline,
    keys,
    args: () => (args ??= frameArgs(frame)),
  };
  if (asUser !== null) {
    // a script of a restricted user, which the nodes check as that user (SLOTPROXY_ACL_SCRIPTS=cluster)
    runAsUser(session, parsed, asUser, ctx.userLinks!);
    return;
  }
  if (session.mode && session.mode.command(parsed)) return;
  dispatchRow(session, parsed);
}

function dispatchRow(session: DispatchSession, cmd: ParsedCommand): void {
  const { row, frame } = cmd;
  let slot = cmd.slot;
  const h = row.handler;
  switch (h.kind) {
    case 'keyed': {
      if (row.keyProc) {
        const args = cmd.args();
        const slots = new Set(row.keyProc(args).map((i) => keySlot(args[i])));
        if (slots.size > 1) {
          session.refuse(CROSSSLOT);
          return;
        }
        slot = slots.size ? slots.values().next().value! : -1;
      } else if (cmd.crossSlot) {
        session.refuse(CROSSSLOT);
        return;
      }
      session.enqueue(SingleRequest.of(session, cmd, slot));
      return;
    }
    case 'blocking':
    case 'blocking-with-option': {
      if (cmd.crossSlot) {
        session.refuse(CROSSSLOT);
        return;
      }
      let blocks = true;
      if (h.kind === 'blocking-with-option') {
        const option = h.option.toLowerCase();
        blocks = cmd.args().some((a) => a.length === option.length && a.toString('latin1').toLowerCase() === option);
      }
      if (blocks) {
        session.enqueue(new BlockingRequest(session, frame, slot, session.id));
        return;
      }
      // XREAD without BLOCK: a read like any other
      session.enqueue(SingleRequest.of(session, cmd, slot));
      return;
    }
    case 'local': {
      const result = LOCAL_COMMANDS[h.name](cmd.args(), session, session.ctx);
      session.enqueue(new ImmediateReply(result.reply, result.close === true));
      return;
    }
    case 'refused':
      session.refuse(h.message);
      return;
    case 'close':
      // Redis logs "Possible SECURITY ATTACK detected" and drops the connection unanswered.
      session.enqueue(new ImmediateReply(null, true));
      return;
    case 'family':
      familyDispatch(h)(session, cmd);
      return;
  }
}

/** An inline command (telnet style) is re-encoded as RESP and scanned like any other. */
function dispatchInline(session: DispatchSession, frame: Buffer, deadline: number): void {
  const args = splitInline(inlineLine(frame));
  if (args === null) {
    session.enqueue(new ImmediateReply(error(UNBALANCED_QUOTES), true));
    return;
  }
  if (args.length === 0) return;
  const resp = command(args);
  const ctx = session.ctx;
  const n = ctx.inlineScanner.scan(resp, 0, resp.length, false);
  if (n !== 1) return; // cannot happen: a well-formed command
  const rec = ctx.scanners.requestRecords;
  session.commandIs(Math.max(rec[REQ_HEADER + R_CMD], 0), resp);
  dispatchSlow(session, resp, rec, REQ_HEADER, deadline);
}

// What a node's overdue requests get. A request not answered within SLOTPROXY_REQUEST_TIMEOUT_MS
// used to reset its connection: right for a node that stopped answering, wrong for one running a
// long script (EVAL, FCALL). Such a node is alive: past its busy-reply-threshold it answers every
// other connection -BUSY at once, and the request at the head of the stuck connection is the
// script itself, which one server would let run until it ends or SCRIPT KILL stops it.
//
// So before anything is torn down the node is asked, with a PING on its control connection
// (BackendNode.control, which carries no client command):
// - BUSY: the connection is kept. The script's own request waits for the script, as on one
//   server (SCRIPT KILL and FUNCTION KILL through the proxy reach it on the control connection);
//   the requests written behind the script get their error at their own deadline (they may still
//   run when the script ends: Redis reads them then); and the connection is parked, so that new
//   requests go to a fresh one, where the node answers BUSY at once, as one server answers its
//   other clients. The node is asked again while the script runs; a parked connection closes once
//   everything on it is answered.
// - anything else, or no answer within the probe's time: the node stalled, the connection is
//   reset as before (every request on it gets its "may or may not have run" error).
import { cachedNow } from '../clock';
import { command } from '../protocol/resp';
import { BackendCommand } from './backend-command';
import type { BackendConnection } from './backend-connection';
import type { BackendNode } from './backend-node';

const PING = command(['PING']);
const BUSY = Buffer.from('-BUSY ');
/** A busy node answers a probe at once; one that does not within this long has stalled. */
const PROBE_MS = 1000;

export interface BusyHooks {
  /** commands of a parked connection not written yet: routed again */
  reroute(cmds: BackendCommand[]): void;
  /** the connection's head request stalled on a node that is not busy: reset it */
  stalled(conn: BackendConnection<BackendCommand>, reason: string): void;
  /** the error of a command that could not be written in time */
  unwritten(conn: BackendConnection<BackendCommand>): string;
  /** the node did not answer the probe at all */
  silent(node: BackendNode<BackendCommand>): void;
}

class Probe extends BackendCommand {
  constructor(
    private readonly watch: BusyWatch,
    deadline: number,
  ) {
    super(PING, -1, 0, deadline);
  }

  onReply(frame: Buffer): void {
    this.watch.answered(frame.length >= BUSY.length && frame.compare(BUSY, 0, BUSY.length, 0, BUSY.length) === 0);
  }

  onFailure(): void {
    this.watch.noAnswer();
  }

  /** The control connection reconnects with what it holds: a probe is never moved. */
  sendTo(): void {
    this.watch.noAnswer();
  }

  get abandoned(): boolean {
    return false;
  }
}

export function busyBehindScript(address: string, timeoutMs: number): string {
  return `ERR slotproxy: ${address} is running a script that has not ended within ${timeoutMs} ms (SLOTPROXY_REQUEST_TIMEOUT_MS); this command was sent behind it and may run when the script ends (SCRIPT KILL or FUNCTION KILL stops the script)`;
}

/** The overdue requests of one node, and whether it is busy running a script. */
export class BusyWatch {
  /** the last answer said BUSY */
  busy = false;
  /** the last probe got no answer at all */
  unanswered = false;
  /** when the last answer came (0: none yet) */
  private answeredAt = 0;
  private probing = false;

  constructor(
    readonly node: BackendNode<BackendCommand>,
    private readonly hooks: BusyHooks,
  ) {}

  noAnswer(): void {
    this.answered(false);
    this.unanswered = true;
    this.hooks.silent(this.node);
  }

  answered(busy: boolean): void {
    this.probing = false;
    this.unanswered = false;
    this.busy = busy;
    this.answeredAt = cachedNow();
  }

  /** The router's sweep of this node's connections (`now` from the clock, SLOTPROXY_REQUEST_TIMEOUT_MS > 0). */
  sweep(now: number, timeoutMs: number): void {
    const node = this.node;
    const control = node.controlIfOpen();
    if (control) {
      control.expirePending(now, () => this.hooks.unwritten(control));
      const oldest = control.oldestInFlight();
      if (oldest && oldest.deadline <= now) control.reset(`no reply from ${node.address} in time on the proxy's own connection (SCRIPT KILL, busy check)`);
    }
    for (const conn of node.parked) {
      if (conn.inFlight === 0 || conn.dead) {
        node.parked.delete(conn);
        conn.close('everything it carried was answered');
      } else {
        this.overdue(conn, now, timeoutMs);
      }
    }
    for (const conn of node.multiplexed()) this.overdue(conn, now, timeoutMs);
  }

  private overdue(conn: BackendConnection<BackendCommand>, now: number, timeoutMs: number): void {
    const head = conn.oldestInFlight();
    // asked about once its head has waited half the timeout (at most PROBE_MS): a busy node is
    // then found before the requests behind the script time out
    if (!head || now - (head.deadline - timeoutMs) < Math.min(PROBE_MS, timeoutMs / 2)) return;
    const overdue = head.deadline <= now;
    const busy = this.busy && now - this.answeredAt <= 2 * PROBE_MS;
    const reason = `no reply from ${conn.address} within ${timeoutMs} ms (SLOTPROXY_REQUEST_TIMEOUT_MS)`;
    // Those behind the head get their error at their deadline, whatever the node says.
    if (overdue) conn.answerOverdue(now, busy ? busyBehindScript(conn.address, timeoutMs) : `ERR ${reason}; the command may or may not have run`);
    if (busy) {
      if (!conn.dead && !this.node.parked.has(conn)) this.hooks.reroute(this.node.park(conn));
    } else if (overdue && this.answeredAt >= head.deadline && this.answeredAt < now) {
      // (not on the sweep the answer came in: the script's reply may be in the same read)
      this.hooks.stalled(conn, reason);
      return;
    }
    // asked again now and then: a node that dies while busy must not hold the script's client
    if (now - this.answeredAt >= PROBE_MS || (overdue && this.answeredAt < head.deadline)) this.probe(now);
  }

  /** Asks the node (unless a question is out already). */
  probe(now: number): void {
    if (this.probing) return;
    this.probing = true;
    this.node.control().send(new Probe(this, now + PROBE_MS));
  }
}

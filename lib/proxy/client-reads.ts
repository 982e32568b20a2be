// One client's side of read-your-writes (docs/operations.md, "Reads from replicas"): its read
// policy, the requests it sent that may write and are not answered yet, and the replica poll
// round its latest answered one asks a replica to have reached. The session counts a request
// when it is enqueued and again when its reply is collected, by its command-table row's mayWrite:
// every command sent to a node but those flagged readonly, so scripts and transactions count as
// writes.
import { ReadPolicy, type ReadFence } from '../commands/access';
import type { CommandRow } from '../commands/table';

export class ClientReads implements ReadFence {
  /** requests that may write, enqueued and not yet collected */
  pending: number;
  /** see ReadFence.round */
  round: number;

  constructor(
    public policy: ReadPolicy,
    /** requests that may write already outstanding when the client started being tracked */
    pending: number,
    round: number,
  ) {
    this.pending = pending;
    this.round = round;
  }

  /** A request that may write was answered: its write, if any, is on its master now. */
  answered(nextRound: number): void {
    this.pending--;
    this.round = nextRound;
  }
}

/**
 * Whether a request of `row` counts as one that may write. An inline command counts by the row it
 * is re-scanned as (ClientSession.commandIs); row 0 (an unknown command, a protocol error) and -1
 * (no command: a pub/sub message) write nothing.
 */
export function mayWrite(rows: readonly (CommandRow | undefined)[], row: number): boolean {
  return row > 0 && rows[row]!.mayWrite;
}

/**
 * The policy a client's READONLY / READWRITE / RESET gives it under SLOTPROXY_READ_FROM
 * `setting`: READWRITE reads from masters; READONLY from replicas (the setting's own way when it
 * already reads from replicas first: replica, prefer-replica or any; otherwise `replica`); RESET
 * goes back to the setting, as a new connection.
 */
export function policyAfter(mode: 'readonly' | 'readwrite' | 'default', setting: ReadPolicy): ReadPolicy {
  if (mode === 'readwrite') return ReadPolicy.Master;
  if (mode === 'default') return setting;
  return setting >= ReadPolicy.Replica ? setting : ReadPolicy.Replica;
}

// What a command does to the data, as the read routing needs it (docs/operations.md, "Reads from
// replicas"): a row's `access` (lib/commands/table.ts), copied onto each request sent for it, and
// the read policies of SLOTPROXY_READ_FROM.

/**
 * A row's access, then a request's: the router moves a read between the last three as it sends
 * it (to a replica, or back to the master after a replica failed it).
 */
export const enum Access {
  /** neither flagged `write` nor a read a replica may serve (EVAL, PING, XREAD BLOCK ...) */
  Other = 0,
  /** COMMAND flag `write` (WAIT counts the node it went to) */
  Write = 1,
  /** a read that went to a replica and failed there: the master answers it, never a replica again */
  ReadOnMaster = 2,
  /** flagged `readonly`, not blocking, routed by its keys: a replica may serve it */
  Read = 3,
  /** a read written to a replica's connection (if that connection fails, the master answers it) */
  ReadOnReplica = 4,
}

/** SLOTPROXY_READ_FROM, as Lettuce's ReadFrom and Envoy's read_policy mean each one. */
export const enum ReadPolicy {
  Master = 0,
  PreferMaster = 1,
  Replica = 2,
  PreferReplica = 3,
  Any = 4,
}

/** The setting's values, in ReadPolicy order. */
export const READ_POLICIES = ['master', 'prefer-master', 'replica', 'prefer-replica', 'any'] as const;

export function readPolicyOf(name: string): ReadPolicy {
  const i = READ_POLICIES.indexOf(name as (typeof READ_POLICIES)[number]);
  if (i < 0) throw new Error(`unknown read policy ${JSON.stringify(name)} (${READ_POLICIES.join(', ')})`);
  return i as ReadPolicy;
}

/**
 * What the read routing needs of one client (lib/proxy/client-reads.ts keeps it): its policy and
 * what read-your-writes asks of the replica that serves it.
 */
export interface ReadFence {
  readonly policy: ReadPolicy;
  /** requests that may write, sent and not answered yet: while any is, reads go to the master */
  readonly pending: number;
  /**
   * the replica poll round that started after the client's latest possible write was answered:
   * a replica serves the client only once it reached its master's offset of that round
   */
  readonly round: number;
}

// How slotproxy handles a command: one handler kind per request family (lib/proxy/requests/ for
// the plain ones, lib/proxy/families/ for those with their own state or merging).

/** Command families with a module of their own under lib/proxy/families/. */
export type FamilyName =
  | 'split' // multi-key commands split by slot and merged (MGET, MSET, DEL, EXISTS ...)
  | 'fanout' // whole-cluster commands sent to every master and merged (SCAN, DBSIZE, FLUSHALL ...)
  | 'transaction' // MULTI/EXEC/DISCARD/WATCH/UNWATCH on a pinned dedicated connection
  | 'pubsub' // SUBSCRIBE families, PUBSUB introspection
  | 'cluster' // CLUSTER subcommands answered as a one-node cluster
  | 'client' // CLIENT subcommands about the proxy's own clients, RESET
  | 'admin' // CONFIG and other operator commands across the cluster
  | 'proxy'; // the proxy's own SLOWLOG and PROXY admin commands, CONFIG RESETSTAT of its statistics

export type LocalCommand =
  | 'ping'
  | 'echo'
  | 'quit'
  | 'select'
  | 'hello'
  | 'auth'
  | 'info'
  | 'ok' // accepted and ignored: READONLY, READWRITE, ASKING, CLIENT NO-EVICT ...
  | 'client-setname'
  | 'client-getname'
  | 'client-id'
  | 'client-setinfo'
  | 'client-getredir'
  | 'cluster-keyslot'
  | 'command' // COMMAND and its COUNT / LIST / INFO from the proxy's table (lib/commands/command-reply.ts)
  | 'command-count'
  | 'command-list'
  | 'command-info';

export type Handler =
  /** routed by the slot of its keys; a keyless command goes to any master */
  | { kind: 'keyed' }
  /** runs on a dedicated connection of the key's node; the client waits behind it */
  | { kind: 'blocking' }
  /** blocking only when the option is present (XREAD ... BLOCK ms) */
  | { kind: 'blocking-with-option'; option: string }
  /** answered by the proxy itself */
  | { kind: 'local'; name: LocalCommand }
  /** refused with this error reply (without the leading '-') */
  | { kind: 'refused'; message: string }
  /** Redis treats these as an attack (HTTP on the port): close without a reply */
  | { kind: 'close' }
  /** handled by a family module; `variant` says which member of the family (e.g. the merge) */
  | { kind: 'family'; family: FamilyName; variant: string };

export const KEYED: Handler = { kind: 'keyed' };
export const BLOCKING: Handler = { kind: 'blocking' };

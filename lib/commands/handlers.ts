// How slotproxy handles a command: one handler kind per request family (lib/proxy/requests/ for
// the plain ones, lib/proxy/families/ for those with their own state or merging).
import type { FamilyHandler } from './families';

export type LocalCommand =
  | 'ping'
  | 'echo'
  | 'quit'
  | 'select'
  | 'hello'
  | 'auth'
  | 'info'
  | 'ok' // accepted and ignored: ASKING, CLIENT NO-EVICT ...
  | 'readonly' // this client's reads may go to replicas (lib/proxy/client-reads.ts)
  | 'readwrite' // this client's reads go to masters
  | 'client-setname'
  | 'client-getname'
  | 'client-id'
  | 'client-setinfo'
  | 'client-no-evict'
  | 'cluster-keyslot'
  | 'command' // COMMAND and its COUNT / LIST / INFO from the proxy's table (lib/proxy/command-reply.ts)
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
  /** handled by a family module; `variant` says which row of the family's table (lib/commands/families.ts) */
  | FamilyHandler;

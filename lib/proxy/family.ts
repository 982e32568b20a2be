// What a command family module (lib/proxy/families/) gets to work with. A family turns one parsed
// command into requests on the client's ordered reply list, and may put the session into a mode
// (a transaction, subscribed) that sees every later command first.
import type { FamilyName, VariantOf } from '../commands/families';
import type { CommandRow } from '../commands/table';
import type { ClientRequest } from './client-request';
import type { ProxyContext, SessionInfo } from './context';
import type { RequestOwner } from './requests/routed-request';
import type { ClientTracking } from './tracking/client-tracking';

export interface ParsedCommand {
  readonly row: CommandRow;
  /** the command as RESP (inline commands are re-encoded) */
  readonly frame: Buffer;
  /**
   * the buffer `frame` is a view of (the read slab), and where in it `frame` starts: a split
   * part that sends a range of the command names it, so a node's write of many clients' parts
   * sees one source per read, not a new view per command (lib/protocol/gather.ts)
   */
  readonly source: Buffer;
  readonly sourceStart: number;
  /** slot of the keys from the scanner; -1 when keyless; meaningless when crossSlot */
  readonly slot: number;
  readonly crossSlot: boolean;
  /** clock (ms) after which the request times out */
  readonly deadline: number;
  /** rows with wantKeys: [start, length, slot] per key, offsets within `frame`; null otherwise */
  readonly keys: readonly number[] | null;
  /** the decoded arguments (views into the frame), decoded on first use */
  args(): Buffer[];
}

export interface SessionMode {
  /** CLIENT LIST flag while the mode is on: 'x' in a transaction, 'P' subscribed */
  readonly flag?: string;
  /** Sees each command with a table row first; returns true when it took care of it. */
  command(cmd: ParsedCommand): boolean;
  /** The proxy answered a command with an error before it reached the mode (unknown, arity ...). */
  rejected(message: string): void;
  /** The client is gone. */
  close(): void;
}

export interface FamilySession extends SessionInfo, RequestOwner {
  /** appends to the client's ordered replies and starts it once nothing earlier holds the client */
  enqueue(req: ClientRequest): void;
  /** replies with an error, in order */
  reject(message: string): void;
  /**
   * puts a push frame (a pub/sub message ...) into the client's ordered output, between replies:
   * it answers no command (ReplyQueue.push)
   */
  push(frame: Buffer): void;
  /** CLIENT TRACKING on: the client's tracking state (lib/proxy/tracking) */
  tracking: ClientTracking | null;
  /** CLIENT CACHING was given: the next command decides alone (ClientTracking.commandDone) */
  cachingOnce: boolean;
  /** set by a family while the session is in a transaction or subscribed */
  mode: SessionMode | null;
  /** output buffer limits while in a mode (bytes; soft for `softSeconds`), null = unlimited */
  outputLimits: { hard: number; soft: number; softSeconds: number } | null;
  readonly ctx: ProxyContext;
}

export type FamilyDispatch = (session: FamilySession, cmd: ParsedCommand) => void;

/**
 * A family module's handler of each variant of its table (lib/commands/families.ts), declared
 * `satisfies FamilyHandlers<'name'>`: a variant missing, extra or misspelt does not compile.
 */
export type FamilyHandlers<F extends FamilyName> = Readonly<Record<VariantOf<F>, FamilyDispatch>>;

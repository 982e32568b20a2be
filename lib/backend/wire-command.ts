// A command as a backend connection sees it: bytes to write, somewhere to hand its reply, a
// deadline. The connection needs no more; BackendCommand (backend-command.ts) adds what routing
// needs (slot, pin, redirects, sendTo a node), so connections and nodes depend on this file only.
import type { Slab } from '../io/slabs';

export interface BackendAddress {
  readonly address: string;
  readonly host: string;
  readonly port: number;
}

export interface WireCommand {
  /** what is sent: `head` (if any) then `frame[frameStart, frameEnd)` */
  readonly frame: Buffer;
  readonly frameStart: number;
  readonly frameEnd: number;
  readonly head: Buffer | null;
  /** send ASKING first (after an ASK redirect), once: the connection clears it */
  asking: boolean;
  /** clock (ms) after which the command gets a timeout error; Infinity for blocking commands */
  readonly deadline: number;
  /** The command's bytes as one Buffer. */
  bytes(): Buffer;
  /** A complete reply, as `buf[start, end)` of the read slab `slab` (null: a Buffer of its own). */
  onReplyRange(buf: Buffer, start: number, end: number, type: number, redirect: number, elems: number, elemBase: number, from: BackendAddress, slab: Slab | null): void;
  /** The command cannot get a reply: `message` is an error reply text without the leading '-'. */
  onFailure(message: string): void;
}

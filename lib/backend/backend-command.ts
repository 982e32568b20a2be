// What a backend connection carries: one command for one node, and what to do with its reply.
// A client request is one BackendCommand (single-key) or several (split across slots).
import type { BackendNode } from './backend-node';

export abstract class BackendCommand {
  /** the RESP bytes sent to the node */
  frame: Buffer;
  slot: number;
  /** connection choice within a node, so one client's commands to a node stay in order */
  pin: number;
  /** send ASKING first (after an ASK redirect), once */
  asking = false;
  redirects = 0;
  /** clock (ms) after which the command gets a timeout error; Infinity for blocking commands */
  deadline: number;

  constructor(frame: Buffer, slot: number, pin: number, deadline: number) {
    this.frame = frame;
    this.slot = slot;
    this.pin = pin;
    this.deadline = deadline;
  }

  /** A complete reply frame; see ReplySink for `elems` and `elemBase`. */
  abstract onReply(frame: Buffer, type: number, redirect: number, elems: number, elemBase: number, from: BackendAddress): void;

  /** The command cannot get a reply: `message` is an error reply text without the leading '-'. */
  abstract onFailure(message: string): void;

  /** Sends (or resends, after a redirect) to a node: on a shared or on a dedicated connection. */
  abstract sendTo(node: BackendNode): void;

  /** The client that sent it is gone: its reply is not needed (but must still be read). */
  abstract get abandoned(): boolean;
}

export interface BackendAddress {
  readonly address: string;
  readonly host: string;
  readonly port: number;
}

// What a backend connection carries: one command for one node, and what to do with its reply.
// A client request is one BackendCommand (single-key) or several (split across slots).
import { Access, type ReadFence } from '../commands/access';
import type { Slab } from '../io/slabs';
import type { BackendNode } from './backend-node';
import type { BackendAddress, WireCommand } from './wire-command';

export type { BackendAddress } from './wire-command';

/**
 * How a tracking client's command reaches a node (lib/proxy/tracking): on the node's tracking
 * connections, its keys noted for the client's invalidations.
 */
export interface TrackingRoute {
  send(cmd: BackendCommand, node: BackendNode): void;
}

export abstract class BackendCommand implements WireCommand {
  /**
   * What is sent to the node: `head` (if any) then `frame[frameStart, frameEnd)`. A range of the client's
   * read buffer and a constant head spare the hot path a view or a copy per command; `bytes()`
   * makes the one Buffer where a whole frame is needed.
   */
  frame: Buffer;
  frameStart: number;
  frameEnd: number;
  head: Buffer | null = null;
  slot: number;
  /** connection choice within a node, so one client's commands to a node stay in order */
  pin: number;
  /** for a RESP3 client: goes to the node's RESP3 connections (BackendNode.connectionFor) */
  resp3 = false;
  /** set for a tracking client's command (CLIENT TRACKING on): see sendShared() */
  tracking: TrackingRoute | null = null;
  /** send ASKING first (after an ASK redirect), once */
  asking = false;
  redirects = 0;
  /** clock (ms) after which the command gets a timeout error; Infinity for blocking commands */
  deadline: number;
  /** what it does to the data, from its row: the router may send a Read to a replica */
  access = Access.Other;

  constructor(frame: Buffer, slot: number, pin: number, deadline: number) {
    this.frame = frame;
    this.frameStart = 0;
    this.frameEnd = frame.length;
    this.slot = slot;
    this.pin = pin;
    this.deadline = deadline;
  }

  /** Size of what is sent. */
  get size(): number {
    return this.frameEnd - this.frameStart + (this.head === null ? 0 : this.head.length);
  }

  /** The command's bytes as one Buffer (a view when it has no head). */
  bytes(): Buffer {
    const body = this.frameStart === 0 && this.frameEnd === this.frame.length ? this.frame : this.frame.subarray(this.frameStart, this.frameEnd);
    return this.head === null ? body : Buffer.concat([this.head, body]);
  }

  /**
   * A complete reply, as `buf[start, end)` of the read slab `slab` (null: a Buffer of its own).
   * Commands on the hot path keep the range and hold the slab; the others get the reply through
   * onReply as a view, which may be kept anywhere: the slab is pinned.
   */
  onReplyRange(buf: Buffer, start: number, end: number, type: number, redirect: number, elems: number, elemBase: number, from: BackendAddress, slab: Slab | null): void {
    if (slab !== null) slab.pinned = true;
    this.onReply(start === 0 && end === buf.length ? buf : buf.subarray(start, end), type, redirect, elems, elemBase, from);
  }

  /** A complete reply frame; see ReplySink for `elems` and `elemBase`. */
  abstract onReply(frame: Buffer, type: number, redirect: number, elems: number, elemBase: number, from: BackendAddress): void;

  /** The command cannot get a reply: `message` is an error reply text without the leading '-'. */
  abstract onFailure(message: string): void;

  /** On the node's shared connection of the client's protocol, or a tracking client's on its tracking one. */
  sendShared(node: BackendNode): void {
    const t = this.tracking;
    if (t === null) node.connectionFor(this.pin, this.resp3).send(this);
    else t.send(this, node);
  }

  /** Sends (or resends, after a redirect) to a node: on a shared or on a dedicated connection. */
  abstract sendTo(node: BackendNode): void;

  /** The client that sent it is gone: its reply is not needed (but must still be read). */
  abstract get abandoned(): boolean;

  /** A read's client, as the read routing sees it; null: the master serves it. */
  readFence(): ReadFence | null {
    return null;
  }
}

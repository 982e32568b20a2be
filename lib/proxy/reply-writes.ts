// When and how a client's collected replies are written (the reply queue decides which).
//
// When: at the end of each read of a node's replies, not after the turn's other reads. Client
// sessions are `early` writers (lib/io/flush-queue.ts) and the router has every node connection
// call flushClientReplies() after each read. A reply then reaches its client one poll phase
// earlier, and the client's next request comes sooner; the number of client writes stays the
// same, because a client's batch still waits for all of its replies (lib/proxy/reply-queue.ts).
// Measured against end-of-turn replies in bench/results/standing-2026-11-27.md.
//
// How: one socket write for a run of the client's ordered reply list, whatever buffers the
// replies are ranges of.
import type net from 'node:net';
import type { Gather } from '../protocol/gather';
import { releaseSlab } from '../io/socket-reads';
import { flushEarly } from '../io/flush-queue';
import { outputBuffer, send } from '../io/write-buffer';
import type { ClientRequest } from './client-request';
import type { ReplyWriter } from './reply-queue';

/** Writes the client replies collected so far (called after each read of a node's replies). */
export function flushClientReplies(): void {
  flushEarly();
}

export class SocketReplyWriter implements ReplyWriter {
  constructor(
    private readonly socket: net.Socket,
    /** the proxy's gather (its scanners'), which copies a run of replies into one buffer */
    private readonly gather: Gather,
  ) {}

  /** One write of the replies from `first` to `last` (`bytes` in all): as they are when there is one, else copied. */
  writeReplies(first: ClientRequest, last: ClientRequest, bytes: number): void {
    const socket = this.socket;
    // One reply goes as it is, unless the client is not reading (the write would wait in memory,
    // and a view would keep alive the read slab it points into) or it is a range of a read slab,
    // which is read into again once released (lib/io/socket-reads.ts): such replies are copied.
    if (first === last && first.replySlab === null && first.replyTail == null && socket.writableLength === 0) {
      const reply = first.reply!;
      const end = first.replyEnd ?? -1;
      socket.write(end < 0 ? reply : reply.subarray(first.replyStart, end));
      return;
    }
    const out = outputBuffer(bytes);
    const g = this.gather;
    g.begin(out);
    for (let req = first; ; req = req.next!) {
      const reply = req.reply;
      if (reply !== null) {
        const end = req.replyEnd ?? -1;
        if (end < 0) g.add(reply, 0, reply.length);
        else g.add(reply, req.replyStart!, end);
        const tail = req.replyTail;
        if (tail != null) {
          const { bufs, ranges } = tail;
          for (let i = 0; i < bufs.length; i++) g.add(bufs[i], ranges[2 * i], ranges[2 * i + 1]);
        }
      }
      if (req === last) break;
    }
    g.end();
    send(socket, out);
    // the replies are copied: their slabs may be read into again
    for (let req = first; ; req = req.next!) {
      const slab = req.replySlab;
      if (slab !== null) {
        req.replySlab = null;
        releaseSlab(slab);
      }
      if (req === last) break;
    }
  }
}

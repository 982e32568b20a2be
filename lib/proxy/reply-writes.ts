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
// replies are ranges of: straight from those ranges to the socket's descriptor where it can
// (lib/io/socket-fd.ts), else copied into one buffer written through the socket's stream.
import type net from 'node:net';
import type { Gather } from '../protocol/gather';
import { releaseSlab, slabIdFor } from '../io/slabs';
import { flushEarly } from '../io/flush-queue';
import type { PolledSocket } from '../io/read-poller';
import { SocketFd } from '../io/socket-fd';
import type { ClientRequest } from './client-request';
import type { ReplyWriter } from './reply-queue';

/** Writes the client replies collected so far (called after each read of a node's replies). */
export function flushClientReplies(): void {
  flushEarly();
}

export class SocketReplyWriter implements ReplyWriter {
  private readonly fd: SocketFd;

  constructor(
    private readonly socket: net.Socket,
    /** the proxy's gather (its scanners'), which sends a run of replies in one write */
    private readonly gather: Gather,
    /** the poller's reading of the socket (its sends may then be batched), or null */
    polled: PolledSocket | null = null,
  ) {
    this.fd = new SocketFd(socket, gather.sends, polled);
  }

  /**
   * One write of the replies from `first` to `last` (`bytes` in all): from where they are to the
   * descriptor, or one reply as it is, or copied into one buffer.
   */
  writeReplies(first: ClientRequest, last: ClientRequest, bytes: number): void {
    const socket = this.socket;
    const fd = this.fd.now();
    // Through the stream, one reply goes as it is, unless the client is not reading (the write
    // would wait in memory, and a view would keep alive the read slab it points into) or it is a
    // range of a read slab, which is read into again once released (lib/io/socket-reads.ts):
    // such replies are copied (a send to the descriptor copies what the kernel does not take).
    if (fd < 0 && first === last && first.replySlab === null && first.replyTail == null && socket.writableLength === 0) {
      const reply = first.reply!;
      const end = first.replyEnd ?? -1;
      socket.write(end < 0 ? reply : reply.subarray(first.replyStart, end));
      return;
    }
    const g = this.gather;
    g.beginSend(bytes);
    for (let req = first; ; req = req.next!) {
      const reply = req.reply;
      if (reply !== null) {
        const end = req.replyEnd ?? -1;
        if (end < 0) g.add(reply, 0, reply.length);
        else g.add(reply, req.replyStart!, end, slabIdFor(req.replySlab, reply));
        const tail = req.replyTail;
        if (tail != null) {
          const { bufs, ranges } = tail;
          for (let i = 0; i < bufs.length; i++) g.add(bufs[i], ranges[2 * i], ranges[2 * i + 1]);
        }
      }
      if (req === last) break;
    }
    g.sendTo(socket, fd, this.fd);
    // the replies are sent or copied: their slabs may be read into again
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

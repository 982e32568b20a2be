// The file descriptor of a plain socket, for writes that skip Node's stream machinery. A
// socket.write() costs, per write, the Writable's state and callbacks, a WriteWrap object and a
// nextTick for afterWrite: at pipeline 1, one client write per request, that was about a fifth of
// the proxy's instructions (bench/results/hot-path-figures.md, "direct writes"). The native addon
// writes ranges straight to the descriptor instead (Gather.sendTo in lib/protocol/gather.ts),
// and only while the stream has nothing queued: whatever the kernel does not take goes to the
// stream, and every later write follows it there until it has drained, so bytes keep their order
// and a slow client's output is still counted in writableLength (the output limits).
// TLS sockets (their handle is a TLSWrap: the bytes must be encrypted), platforms without a
// descriptor and builds without the addon keep writing through the stream.
// A polled client socket's sends may also be queued and made together at the flush's end
// (lib/io/send-batch.ts).
import type net from 'node:net';
import type { PolledSocket } from './read-poller';
import { hasQueued, submitSends, type QueuedWriter } from './send-batch';
import { writeClosed, writeQueued, writeState, type WriteState } from './stream-state';

type Handle = { fd?: number; constructor: { name: string } };

export class SocketFd implements QueuedWriter {
  /** -1: this socket is always written through its stream */
  private readonly fd: number;
  private readonly state: WriteState | null;
  queuedIn = 0;

  constructor(
    readonly socket: net.Socket,
    /** false: never write to the descriptor (no native sendv, or to compare the two paths) */
    enabled: boolean,
    /** the poller's reading of the socket, whose descriptor sends may be queued to; null: none */
    private readonly polled: PolledSocket | null = null,
  ) {
    const handle = (socket as unknown as { _handle: Handle | null })._handle;
    const name = handle?.constructor.name;
    const fd = enabled && (name === 'TCP' || name === 'Pipe') ? handle!.fd : undefined;
    this.state = writeState(socket);
    this.fd = typeof fd === 'number' && fd >= 0 ? fd : -1;
  }

  /**
   * The descriptor to write to now, or -1 (write through the stream): none, the socket was
   * destroyed (the descriptor may already belong to another socket), it is ending, or its stream
   * still holds bytes.
   */
  now(): number {
    // a second write in one flush: the first one's bytes go first
    if (this.queuedIn !== 0 && hasQueued(this)) submitSends();
    const s = this.socket;
    return this.fd >= 0 && writeQueued(s, this.state) === 0 && !writeClosed(s, this.state) ? this.fd : -1;
  }

  queueFd(): number {
    const p = this.polled;
    return p !== null && !p.dropped ? p.fd : -1;
  }
}

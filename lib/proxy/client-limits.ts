// What a client may hold of the proxy's memory: its unfinished command (query buffer), its
// unanswered commands (backpressure), its unwritten replies (output buffer). Each limit is
// Redis's own where Redis has one; the settings are read at each check (PROXY CONFIG SET and
// SIGHUP change them at run time).
import type { Writable } from 'node:stream';
import type { ReadControl } from '../io/read-poller';
import { writeQueued, writeState, type WriteState } from '../io/stream-state';
import type { Backpressure } from './reply-queue';

/** Output buffer limits of a client class: bytes, `soft` for `softSeconds` (client-output-buffer-limit). */
export interface OutputLimits {
  hard: number;
  soft: number;
  softSeconds: number;
}

export interface LimitSettings {
  readonly config: { readonly maxPending: number; readonly maxQueryBuffer: number };
  /** the limits of ordinary clients (SLOTPROXY_CLIENT_OUTPUT_LIMIT); null = none */
  readonly normalOutputLimits: OutputLimits | null;
}

/** What the limits need of the client's socket. */
export interface LimitedSocket {
  readonly writableLength: number;
  isPaused(): boolean;
  pause(): unknown;
  resume(): unknown;
}

/**
 * The socket's output, and its reads as `reads` pauses them (the socket's own or the poller's).
 * A class, not an object literal with a getter: each such literal has a map of its own, and the
 * per-request checks on them went megamorphic, a generic property lookup each
 * (bench/results/hot-path-figures.md, "stream getters").
 */
export function limitedSocket(socket: Writable, reads: ReadControl): LimitedSocket {
  return new SocketLimits(socket, reads);
}

class SocketLimits implements LimitedSocket {
  private readonly state: WriteState | null;

  constructor(
    private readonly socket: Writable,
    private readonly reads: ReadControl,
  ) {
    this.state = writeState(socket);
  }

  get writableLength(): number {
    return writeQueued(this.socket, this.state);
  }

  isPaused(): boolean {
    return this.reads.isPaused();
  }

  pause(): unknown {
    return this.reads.pause();
  }

  resume(): unknown {
    return this.reads.resume();
  }
}

export class ClientLimits implements Backpressure {
  /** Date.now() since when the output buffer is over the soft limit; 0 while under it */
  private overSoftSince = 0;

  constructor(
    private readonly socket: LimitedSocket,
    private readonly settings: LimitSettings,
  ) {}

  /** Redis closes a client whose unfinished command outgrows client-query-buffer-limit, without a reply. */
  queryBufferExceeded(buffered: number): boolean {
    return buffered > this.settings.config.maxQueryBuffer;
  }

  /**
   * A client with too many commands waiting for replies is not read from until half of them
   * were answered, instead of buffering without bound.
   */
  requestAdded(pending: number): void {
    if (pending >= this.settings.config.maxPending && !this.socket.isPaused()) this.socket.pause();
  }

  requestsAnswered(pending: number): void {
    if (pending < this.settings.config.maxPending / 2 && this.socket.isPaused()) this.socket.resume();
  }

  /**
   * A client that does not read its replies fills the socket's buffer; past the limits of its
   * mode (`own`, else those of ordinary clients) it must be closed, alone.
   */
  outputExceeded(own: OutputLimits | null): boolean {
    const limits = own ?? this.settings.normalOutputLimits;
    if (limits === null) return false;
    const queued = this.socket.writableLength;
    if (queued > limits.hard) return true;
    if (queued > limits.soft) {
      const now = Date.now();
      if (this.overSoftSince === 0) this.overSoftSince = now;
      else if (now - this.overSoftSince > limits.softSeconds * 1000) return true;
    } else {
      this.overSoftSince = 0;
    }
    return false;
  }
}

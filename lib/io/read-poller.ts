// Socket reads done by the native addon on Node's own loop (native/socket_poll.cc), past Node's
// stream handle. Through the handle, every read costs libuv's callback into Node, a MakeCallback
// into JavaScript and Node's onread, about 3,500 instructions: at pipeline 1, one read per
// request, a quarter of the proxy's work (docs/performance.md). The addon instead polls each
// socket (a uv_poll on a duplicate of its descriptor), reads it straight into the slab of its
// kind, and calls onBatch() once per loop turn, right after the poll phase, with the reads of
// every socket that had data as (id, start, end) records in a shared array.
//
// The socket stays a net.Socket: its handle writes, ends and closes it, and only its reading is
// taken over (the handle is stopped and marked as reading, so that Node never starts it again).
// End of stream goes back to Node: the handle reads again, finds the end itself and the socket
// ends, closes and reports as it always did; a read error destroys the socket with it. Where
// this cannot be used (TLS, pipes, Windows, no addon, SLOTPROXY_PARSER=js,
// SLOTPROXY_SOCKET_READS=stream) sockets are read through the handle (lib/io/socket-reads.ts).
import type net from 'node:net';
import { getSystemErrorName } from 'node:util';
import { tick } from '../clock';
import { beginReads, endReads } from './flush-queue';
import { clientSlabs, nodeSlabs, releaseSlab, SlabStream, type Slab } from './slabs';
import { destroyed, writeState, type WriteState } from './stream-state';

export interface NativeReadPoller {
  /**
   * the duplicate descriptor it polls, or -errno (the socket is then read by Node); `batched`:
   * its reads go in one io_uring submit with the turn's others, where io_uring is there
   */
  add(fd: number, id: number, target: number, batched?: boolean): number;
  pause(id: number): void;
  resume(id: number): void;
  remove(id: number): void;
  setTarget(target: number, slab: Uint8Array): void;
  setNext(target: number, slab: Uint8Array): void;
  /** reads made in io_uring submits so far (absent from older builds) */
  batchedReads?(): number;
}
export type NativeReadPollerClass = new (records: Int32Array, onBatch: () => void) => NativeReadPoller;

// The shared array (native/socket_poll.cc): a header, then (id, start, end) per read.
const COUNT = 0;
const USED = 1;
const HEADER = 8;
const RECORD = 3;
/** reads noted per loop turn; sockets past it are read in the next turn */
const CAPACITY = 4096;
/** slabs queued per target, as many as the addon's kMaxNext */
const NEXT_SLABS = 8;
const CLIENTS = 0;
const NODES = 1;

export type OnChunk = (buf: Buffer, start: number, end: number, slab: Slab | null) => void;

/** How a socket's reading is paused and resumed: net.Socket's own, or a polled socket's. */
export interface ReadControl {
  isPaused(): boolean;
  pause(): unknown;
  resume(): unknown;
}

export type ReadHandle = { fd?: number; reading?: boolean; readStart(): number; readStop(): number };

export class PolledSocket implements ReadControl {
  /** no longer polled (ended, failed, closed): its reads are Node's again, `fd` is closed */
  dropped = false;
  private paused = false;
  private readonly state: WriteState | null;

  constructor(
    private readonly poller: NativeReadPoller,
    readonly id: number,
    readonly target: number,
    readonly socket: net.Socket,
    readonly handle: ReadHandle,
    readonly onChunk: OnChunk,
    /**
     * the addon's duplicate of the socket's descriptor, open until the socket is dropped (after
     * its 'close'): batched sends go to it (lib/io/send-batch.ts), so that a send queued before
     * Node closes the socket cannot reach a descriptor the number was given to since
     */
    readonly fd: number,
  ) {
    this.state = writeState(socket);
  }

  /** socket.destroyed, past Node's getters (megamorphic per read: lib/io/stream-state.ts) */
  gone(): boolean {
    return destroyed(this.socket, this.state);
  }

  isPaused(): boolean {
    return this.dropped ? this.socket.isPaused() : this.paused;
  }

  pause(): unknown {
    if (this.dropped) return this.socket.pause();
    if (!this.paused) this.poller.pause(this.id);
    this.paused = true;
    return this;
  }

  resume(): unknown {
    if (this.dropped) return this.socket.resume();
    if (this.paused) this.poller.resume(this.id);
    this.paused = false;
    return this;
  }
}

export class ReadPoller {
  private readonly records = new Int32Array(HEADER + CAPACITY * RECORD);
  private readonly native: NativeReadPoller;
  private readonly sockets: (PolledSocket | undefined)[] = [];
  /** sockets polled now */
  polled = 0;
  /** ids free to use again; those dropped this turn join them once the turn's records are read */
  private readonly free: number[] = [];
  private readonly dropped: number[] = [];
  /** the poller's own slabs (the handle path's are lib/io/socket-reads.ts's) */
  private readonly streams = [new SlabStream(clientSlabs), new SlabStream(nodeSlabs)];
  /** the slabs the addon moves on to when a target's is full, without waiting for the turn's end */
  private readonly next: Slab[][] = [[], []];

  constructor(Native: NativeReadPollerClass) {
    this.native = new Native(this.records, () => this.onBatch());
    for (let t = 0; t < 2; t++) {
      const slab = this.streams[t].current;
      this.records[USED + t] = slab.used;
      this.native.setTarget(t, slab.buf);
      this.giveNext(t);
    }
  }

  /** Reads made in io_uring submits so far (sockets polled with `batched`). */
  get batchedReads(): number {
    return this.native.batchedReads?.() ?? 0;
  }

  /** Tops up the slabs queued for target t (as many as the addon took). */
  private giveNext(t: number): void {
    const queued = this.next[t];
    while (queued.length < NEXT_SLABS) {
      const slab = this.streams[t].spare();
      queued.push(slab);
      this.native.setNext(t, slab.buf);
    }
  }

  /**
   * Polls a connected plain socket from now on, its reads going to onChunk (as readSocket's);
   * null where the addon cannot (the handle keeps reading then). `batched`: its reads are made
   * with the turn's other batched sockets' in one io_uring submit (SLOTPROXY_IO_URING).
   */
  poll(socket: net.Socket, handle: ReadHandle, onChunk: OnChunk, clients: boolean, batched = false): ReadControl | null {
    const fd = handle.fd;
    if (typeof fd !== 'number' || fd < 0) return null;
    const id = this.free.length ? this.free.pop()! : this.sockets.length;
    const target = clients ? CLIENTS : NODES;
    const dup = this.native.add(fd, id, target, batched);
    if (dup < 0) {
      this.free.push(id);
      return null;
    }
    // Stopped before the loop polls again, so no read is lost between the two; `reading` stays
    // true so that Node's resume() or read() never starts the handle behind the poller's back.
    handle.reading = true;
    handle.readStop();
    const polled = new PolledSocket(this.native, id, target, socket, handle, onChunk, dup);
    this.sockets[id] = polled;
    this.polled++;
    socket.once('close', () => this.drop(polled));
    return polled;
  }

  private drop(p: PolledSocket): void {
    if (p.dropped) return;
    p.dropped = true;
    this.polled--;
    this.sockets[p.id] = undefined;
    this.native.remove(p.id);
    this.dropped.push(p.id);
  }

  /** The turn's reads, in the order they were done; then the writes they queued. */
  private onBatch(): void {
    tick();
    beginReads();
    try {
      this.readBatch();
    } finally {
      endReads();
    }
  }

  private readBatch(): void {
    const rec = this.records;
    const count = rec[COUNT];
    let clientSlab = this.streams[CLIENTS].current;
    let nodeSlab = this.streams[NODES].current;
    // one failing reader must not lose the others' reads: the first error is thrown at the end
    let failure: { err: unknown } | null = null;
    for (let i = 0; i < count; i++) {
      const at = HEADER + i * RECORD;
      const id = rec[at];
      if (id < 0) {
        // the target's slab was full: the reads after this are in the next one
        const t = rec[at + 1];
        const stream = this.streams[t];
        stream.current.used = rec[at + 2];
        stream.advance(this.next[t].shift()!);
        if (t === CLIENTS) clientSlab = stream.current;
        else nodeSlab = stream.current;
        continue;
      }
      const p = this.sockets[id];
      if (p === undefined) continue;
      const start = rec[at + 1];
      try {
        if (start < 0) {
          this.ended(p, rec[at + 2]);
        } else if (p.gone()) {
          this.drop(p);
        } else {
          const slab = p.target === CLIENTS ? clientSlab : nodeSlab;
          slab.refs++;
          try {
            p.onChunk(slab.buf, start, rec[at + 2], slab);
          } finally {
            releaseSlab(slab);
          }
        }
      } catch (err) {
        failure ??= { err };
      }
    }
    rec[COUNT] = 0;
    clientSlab.used = rec[USED + CLIENTS];
    nodeSlab.used = rec[USED + NODES];
    for (let t = 0; t < 2; t++) if (this.next[t].length < NEXT_SLABS) this.giveNext(t);
    if (this.dropped.length !== 0) {
      for (const id of this.dropped) this.free.push(id);
      this.dropped.length = 0;
    }
    if (failure) throw failure.err;
  }

  /** End of stream (0) or a read error (-errno): the socket goes back to Node. */
  private ended(p: PolledSocket, code: number): void {
    this.drop(p);
    if (p.gone()) return;
    if (code < 0) {
      p.socket.destroy(readError(code));
      return;
    }
    // Node's handle reads the end itself (it is sticky) and ends the socket as it always does
    const err = p.handle.readStart();
    if (err < 0) p.socket.destroy(readError(err));
  }
}

/** A read's -errno as Node reports a failed read (err.code 'ECONNRESET'...). */
function readError(errno: number): Error {
  const code = getSystemErrorName(errno);
  return Object.assign(new Error(`read ${code}`), { errno, code, syscall: 'read' });
}

let shared: ReadPoller | null | undefined;

/**
 * The process's poller (one per event loop; its slabs are shared by every proxy in the process
 * as the handle path's are), or null where the addon has none.
 */
export function readPoller(Native: NativeReadPollerClass | undefined): ReadPoller | null {
  if (shared === undefined) shared = Native && process.platform !== 'win32' ? new ReadPoller(Native) : null;
  return shared;
}

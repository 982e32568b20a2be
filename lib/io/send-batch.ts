// The client writes of one flush in one system call. A write to a client's descriptor
// (lib/io/socket-fd.ts) may be queued in the addon's batch instead of sent at once
// (native/send_batch.h): its bytes are copied there, and the flush's end (lib/io/flush-queue.ts)
// submits them all through io_uring in one io_uring_enter. At pipeline 1 every reply was a
// sendmsg of its own (bench/results/hot-path-figures.md, "batched system calls").
//
// A queued send is made with MSG_DONTWAIT, so it is over when the submit returns: what the kernel
// did not take (the client's socket buffer was full, or an error) is written through the socket's
// stream here, before anything else can be written to that socket: a socket has at most one send
// in the batch (SocketFd.now() submits the batch before a second one), and the batch is submitted
// at the end of every flush. Sends go to the read poller's duplicate of the descriptor
// (PolledSocket.fd), which stays open until the socket's 'close': a socket destroyed between its
// queued send and the submit never has its descriptor number given to another one meanwhile.
import type net from 'node:net';

export interface NativeSendBatch {
  submitSends(results: Int32Array): number;
  queuedBytes(entry: number, from: number): Buffer;
  /** 0, or -errno of io_uring's setup */
  sendBatchState(): number;
}

/** A socket writer whose sends may be queued (SocketFd). */
export interface QueuedWriter {
  readonly socket: net.Socket;
  /** the batch generation it has a send queued in (SendBatch.generation) */
  queuedIn: number;
  /** the descriptor a send may be queued to now (the poller's duplicate), or -1: send at once */
  queueFd(): number;
}

/** entries of one submit (the addon's batch holds as many) */
const ENTRIES = 256;

export class SendBatch {
  /** the batch being filled; a writer with queuedIn === generation has a send in it */
  generation = 1;
  private readonly writers: (QueuedWriter | null)[] = [];
  private count = 0;
  private readonly results = new Int32Array(3 * ENTRIES);

  constructor(private readonly native: NativeSendBatch) {}

  /** Sends queued and not submitted yet. */
  get queued(): number {
    return this.count;
  }

  /** The send just made for `w` was queued as the batch's entry `entry`. */
  noteQueued(w: QueuedWriter, entry: number): void {
    // (entries are numbered in the order they are queued, from 0 after each submit)
    if (entry !== this.count) throw new Error(`send batch: entry ${entry} queued where ${this.count} was expected`);
    this.writers[this.count++] = w;
    w.queuedIn = this.generation;
  }

  /** Makes the queued sends; writes what the kernel did not take through the streams. */
  submit(): void {
    const n = this.count;
    if (n === 0) return;
    this.count = 0;
    this.generation++;
    const results = this.results;
    const left = this.native.submitSends(results);
    for (let i = 0; i < left; i++) {
      const entry = results[3 * i];
      const taken = results[3 * i + 1];
      const socket = this.writers[entry]!.socket;
      // (an error is the stream's to report: it meets it again writing the same bytes)
      if (!socket.destroyed) socket.write(this.native.queuedBytes(entry, taken < 0 ? 0 : taken));
    }
    for (let i = 0; i < n; i++) this.writers[i] = null;
  }
}

let shared: SendBatch | null | undefined;

/**
 * The environment's batch (one per event loop, as the addon's), or null where the addon has none
 * or io_uring is not there (the kernel's sysctl, a container's seccomp profile).
 */
export function sendBatch(native: Partial<NativeSendBatch> | undefined): SendBatch | null {
  if (shared === undefined) {
    const ok = native?.submitSends && native.queuedBytes && native.sendBatchState && native.sendBatchState() === 0;
    shared = ok ? new SendBatch(native as NativeSendBatch) : null;
  }
  return shared;
}

/** Submits the batch's queued sends (flush-queue.ts, at the end of each flush). */
export function submitSends(): void {
  if (shared) shared.submit();
}

/** Whether `w` has a send in the batch being filled (a next one must wait for its submit). */
export function hasQueued(w: QueuedWriter): boolean {
  // (a submit moves the generation on: only a send of the batch being filled has it)
  return shared != null && w.queuedIn === shared.generation;
}

// Gathers many ranges of a few buffers into one output buffer: the backend write of a turn's
// commands, the client write of a pipeline's replies. In Node 20 each Buffer#copy of a partial
// range makes a Uint8Array view (~130 ns and garbage) and a JS byte loop is slower past ~32
// bytes, so the ranges are collected (consecutive ones of the same buffer merged) and, when there
// are enough of them to pay for the call, copied by one call into the native addon. Otherwise,
// without the addon, or with SLOTPROXY_PARSER=js, they are copied in JS (copyRange).
//
// A gather can also be sent (beginSend ... sendTo): its ranges then go to the socket's file
// descriptor in one native call (sendv, a writev), neither copied nor passed through Node's
// stream, where lib/io/socket-fd.ts allows it; otherwise they are copied into one buffer that is
// written through the stream, as begin ... end does.
import type net from 'node:net';
import { copyRange } from '../io/copy-range';
import type { QueuedWriter, SendBatch } from '../io/send-batch';
import { bufferId } from '../io/slabs';
import { outputBuffer, send } from '../io/write-buffer';
import { loadNative } from './native';

/**
 * A gather is copied natively from this many ranges averaging at least NATIVE_AVG bytes, or from
 * NATIVE_MANY ranges averaging at least NATIVE_MANY_AVG; the others in JS. A native call costs
 * ~0.4-0.7 µs whatever it copies, plus ~35 ns per source buffer, then ~13 ns per range;
 * copyRange costs ~100 ns per range past 48 bytes and ~3 ns per byte below. bench/parser has
 * native ahead from about 12 ranges of 71 B, but in the proxy a client write of 16 such replies
 * (GET -P16) was no faster native (req/s 0.97, CPU 1.02), so the bar is higher. Short ranges win
 * native only in numbers: a split MGET's backend write is hundreds of 13 B heads and ~22 B keys,
 * 2-3x faster native than in JS (JS/native time, 13 B: 0.96 at 48 ranges, 1.34 at 64, 2.0 at
 * 128; 20 B: 1.9 at 64), while +OK replies (5 B) stay in JS below ~128.
 */
const NATIVE_MIN = 24;
const NATIVE_AVG = 32;
const NATIVE_MANY = 64;
const NATIVE_MANY_AVG = 12;
/**
 * A send of up to this many ranges passed as Buffers (sendv) goes from them to the descriptor;
 * more are copied into one buffer first. Where the sources are known by id (sendIds, most
 * sources being slabs) up to SEND_RANGES go, and the addon copies short ones into one buffer
 * itself (native/socket_write.cc): many small ranges cost the kernel more than one buffer (at
 * GET -P16, 16 replies per client write, a writev of the ranges took ~9% more kernel time than
 * the copy saved; bench/results/hot-path-figures.md, "direct writes"), and copying them in JS was
 * ~550 instructions per command of a node's write of GETs ("coalesced sends").
 */
const DIRECT_RANGES = 4;
const SEND_RANGES = 1024;
/** Ranges per native call; more are copied in several calls. */
const MAX_RANGES = 4096;
/** Distinct source buffers per native call (the addon's limit). */
const MAX_SOURCES = 64;

type NativeGather = (out: Uint8Array, at: number, ranges: Int32Array, count: number, ...sources: Uint8Array[]) => number;
/** bytes the kernel took (0: none, the socket's buffer is full), or -errno */
type NativeSend = (fd: number, ranges: Int32Array, count: number, ...sources: Uint8Array[]) => number;
/**
 * sendv of this gather's ranges, its sources named by their ids, the others (id -1) given: see
 * native.ts. Its answer goes to the args array (sendArgs[5]); it returns nothing (an addon built
 * before that returns the answer).
 */
type NativeSendIds = (...loose: Uint8Array[]) => number | undefined;
type NativeSender = (ranges: Int32Array, ids: Int32Array, args: Int32Array) => NativeSendIds;

export class Gather {
  /** null: a send (beginSend) whose ranges are not copied (yet) */
  private out: Buffer | null = EMPTY;
  /** the size of the write beginSend() started */
  private sendSize = 0;
  /** the one range (source 0, from 0 to [2]) of a send copied into one buffer */
  private readonly one = new Int32Array(3);
  private at = 0;
  /** (source index, start, end) per range not copied yet */
  private readonly ranges = new Int32Array(MAX_RANGES * 3);
  private n = 0;
  /**
   * the buffers the ranges point into: the first `nsrc` (the array is not shortened: setting an
   * array's length is a runtime call, and it gives up the array's store, which the next write grows
   * again, both per write)
   */
  private readonly sources: Buffer[] = [];
  private nsrc = 0;
  /** per source, the addon's id for it (a slab's, lib/io/slabs.ts), or -1 */
  private readonly ids = new Int32Array(MAX_SOURCES);
  /** the sources without an id, in order, for sendIds (as `sources`, not shortened) */
  private readonly loose: Buffer[] = [];
  private nloose = 0;
  /** sendv bound to `ranges` and `ids`: a send then passes integers and the loose sources only */
  private readonly sendIds: NativeSendIds | null;
  /**
   * sendIds' arguments and answer: [fd, ranges, sources, queue, entry, sent]: with queue 1 the
   * addon may queue the send in the batch (`batch`), and says in `entry` where (-1: it sent it at
   * once); `sent` is what it took (the answer in the array: no number made per call)
   */
  private readonly sendArgs = new Int32Array(6);
  private lastSource: Buffer | null = null;
  private lastIndex = -1;
  private prevSource: Buffer | null = null;
  private prevIndex = -1;
  private lastEnd = -1;
  /** bytes of the pending ranges */
  private bytes = 0;

  constructor(
    private readonly native: NativeGather | null,
    /** fewer ranges, or shorter ones on average, are copied in JS */
    private readonly nativeMin = NATIVE_MIN,
    private readonly nativeAvg = NATIVE_AVG,
    private readonly sendv: NativeSend | null = null,
    sender: NativeSender | null = null,
    /** where sends to a QueuedWriter may be queued (lib/io/send-batch.ts); null: all go at once */
    private readonly batch: SendBatch | null = null,
  ) {
    this.sendIds = sendv !== null && sender !== null ? sender(this.ranges, this.ids, this.sendArgs) : null;
  }

  /** sendTo() can write to a descriptor (the addon's sendv is there) */
  get sends(): boolean {
    return this.sendv !== null;
  }

  /** Starts filling `out` from its first byte (dropping what a gather that threw left behind). */
  begin(out: Buffer): void {
    if (this.n !== 0) this.clear();
    this.out = out;
    this.at = 0;
  }

  /** Starts a write of `bytes` in all, to be added and then sent with sendTo(). */
  beginSend(bytes: number): void {
    if (this.n !== 0) this.clear();
    this.out = null;
    this.at = 0;
    this.sendSize = bytes;
  }

  /**
   * Writes what was added since beginSend() to `socket`: straight to its descriptor `fd` when
   * that is not -1 (SocketFd.now()), from the ranges where they are few (DIRECT_RANGES), else
   * from one buffer they are copied into; through its stream, from a copy, for whatever the kernel
   * did not take and where there is no descriptor (the stream then reports any error itself).
   * With a `writer` (fd being its SocketFd.now()), the send may be queued in the batch instead, to
   * its writer's queueFd(): it then counts as sent, and the batch's submit writes what was not.
   */
  sendTo(socket: net.Socket, fd: number, writer: QueuedWriter | null = null): void {
    const sendv = fd >= 0 ? this.sendv : null;
    if (sendv !== null && this.out === null && (this.n <= DIRECT_RANGES || (this.sendIds !== null && this.nloose <= 2 && this.n <= SEND_RANGES))) {
      // (only sendIds queues: callSend uses it for up to 2 loose sources)
      const queueFd = writer !== null && this.batch !== null && this.sendIds !== null && this.nloose <= 2 ? writer.queueFd() : -1;
      let sent: number;
      if (this.n === 0) {
        sent = 0;
      } else if (queueFd >= 0) {
        const args = this.sendArgs;
        args[3] = 1;
        args[4] = -1;
        try {
          sent = this.callSend(sendv, queueFd);
        } finally {
          args[3] = 0;
        }
        if (args[4] >= 0) this.batch!.noteQueued(writer!, args[4]);
      } else {
        sent = this.callSend(sendv, fd);
      }
      if (sent === this.bytes) {
        this.clear();
        this.out = EMPTY;
        return;
      }
      this.copyAndSend(socket, null, -1, sent < 0 ? 0 : sent);
      return;
    }
    this.copyAndSend(socket, sendv, fd, 0);
  }

  /**
   * Copies the ranges into one buffer and writes it from byte `skip` on: to the descriptor with
   * `sendv` when given, and what it does not take through the stream.
   */
  private copyAndSend(socket: net.Socket, sendv: NativeSend | null, fd: number, skip: number): void {
    if (this.out === null) this.out = outputBuffer(this.sendSize);
    this.copyPending();
    const out = this.out;
    const at = this.at;
    this.out = EMPTY;
    let sent = skip;
    if (sendv !== null) {
      this.one[2] = at;
      const n = sendv(fd, this.one, 1, out);
      if (n === at) return;
      if (n > 0) sent = n;
    }
    send(socket, sent === 0 && at === out.length ? out : out.subarray(sent, at));
  }

  /**
   * sendv(fd, ranges, n, ...sources), spelled out for the usual few sources: a call with a spread
   * argument list was ~700 instructions more (bench/results/hot-path-figures.md, "direct writes").
   */
  private callSend(sendv: NativeSend, fd: number): number {
    const src = this.sources;
    const ranges = this.ranges;
    const n = this.n;
    const sendIds = this.sendIds;
    if (sendIds !== null) {
      // the sources are mostly slabs, known by id: asking N-API for a Buffer's bytes was ~300
      // instructions per argument
      const loose = this.loose;
      const args = this.sendArgs;
      args[0] = fd;
      args[1] = n;
      args[2] = this.nsrc;
      // (the answer is in args[5]; an addon built before that returns it and leaves args[5] as
      // it was: taken as 0, every reply would also have gone through the stream, twice)
      switch (this.nloose) {
        case 0:
          return sendIds() ?? args[5];
        case 1:
          return sendIds(loose[0]) ?? args[5];
        case 2:
          return sendIds(loose[0], loose[1]) ?? args[5];
      }
    }
    switch (this.nsrc) {
      case 1:
        return sendv(fd, ranges, n, src[0]);
      case 2:
        return sendv(fd, ranges, n, src[0], src[1]);
      case 3:
        return sendv(fd, ranges, n, src[0], src[1], src[2]);
      case 4:
        return sendv(fd, ranges, n, src[0], src[1], src[2], src[3]);
      default:
        return sendv(fd, ranges, n, ...src.slice(0, this.nsrc));
    }
  }

  /**
   * Adds src[start, end). `id`: the addon's id for src (slabId()) where the caller knows it; else
   * it is looked up (bufferId()) once per source of a write.
   */
  add(src: Buffer, start: number, end: number, id = -1): void {
    if (src === this.lastSource && start === this.lastEnd && this.n > 0) {
      // the next bytes of the same buffer (commands read together): one range
      this.bytes += end - start;
      this.ranges[(this.n - 1) * 3 + 2] = end;
      this.lastEnd = end;
      return;
    }
    if (this.n === MAX_RANGES) this.copyPending();
    // A split command's parts alternate between a constant head and the client's bytes: the
    // source before the last is remembered too, sparing a search of the sources per range.
    let index: number;
    if (src === this.lastSource) index = this.lastIndex;
    else if (src === this.prevSource) index = this.prevIndex;
    else index = this.sourceIndex(src, id);
    this.bytes += end - start;
    const r = this.n * 3;
    this.ranges[r] = index;
    this.ranges[r + 1] = start;
    this.ranges[r + 2] = end;
    this.n++;
    if (src !== this.lastSource) {
      this.prevSource = this.lastSource;
      this.prevIndex = this.lastIndex;
      this.lastSource = src;
      this.lastIndex = index;
    }
    this.lastEnd = end;
  }

  /**
   * The index of `src` among the sources, added if it is not there yet. (Out of add(): with it
   * inside, add() grew past what TurboFan inlines into its callers, a node's flush and a client's
   * reply gather, and each range paid a call.)
   */
  private sourceIndex(src: Buffer, id: number): number {
    const sources = this.sources;
    for (let i = 0; i < this.nsrc; i++) if (sources[i] === src) return i;
    if (this.nsrc === MAX_SOURCES) this.copyPending();
    const index = this.nsrc++;
    sources[index] = src;
    const known = id >= 0 || this.sendIds === null ? id : bufferId(src);
    this.ids[index] = known;
    if (known < 0) this.loose[this.nloose++] = src;
    return index;
  }

  /** Copies what is pending; returns the bytes written into `out` since begin(). */
  end(): number {
    this.copyPending();
    this.out = EMPTY;
    return this.at;
  }

  private copyPending(): void {
    if (this.n > 0) {
      // (a send whose ranges outgrew one call is copied from here on)
      if (this.out === null) this.out = outputBuffer(this.sendSize);
      const n = this.n;
      if (this.native !== null && ((n >= this.nativeMin && this.bytes >= n * this.nativeAvg) || (n >= NATIVE_MANY && this.bytes >= n * NATIVE_MANY_AVG))) {
        this.at += this.native(this.out!, this.at, this.ranges, n, ...this.sources.slice(0, this.nsrc));
      } else {
        for (let i = 0; i < n * 3; i += 3) this.at += copyRange(this.sources[this.ranges[i]], this.ranges[i + 1], this.ranges[i + 2], this.out!, this.at);
      }
    }
    this.clear();
  }

  private clear(): void {
    this.n = 0;
    this.bytes = 0;
    // no buffer is kept alive past its copy
    for (let i = 0; i < this.nsrc; i++) this.sources[i] = EMPTY;
    for (let i = 0; i < this.nloose; i++) this.loose[i] = EMPTY;
    this.nsrc = 0;
    this.nloose = 0;
    this.lastSource = null;
    this.lastIndex = -1;
    this.prevSource = null;
    this.prevIndex = -1;
    this.lastEnd = -1;
  }
}

const EMPTY = Buffer.alloc(0);

function nativeGather(): NativeGather | null {
  return loadNative().addon?.gatherv ?? null;
}

function nativeSend(): NativeSend | null {
  return loadNative().addon?.sendv ?? null;
}

function nativeSender(): NativeSender | null {
  return loadNative().addon?.sender ?? null;
}

/**
 * 'auto': natively where it pays (see NATIVE_MIN), in JS without the addon; 'js': always in JS;
 * 'native': every gather natively, however few and short its ranges (bench/parser compares).
 * `batch`: where client sends may be queued (SLOTPROXY_IO_URING). Each proxy's Scanners makes
 * its own (lib/protocol/scanners.ts): nothing here is process-wide.
 */
export function createGather(kind: 'auto' | 'js' | 'native', batch: SendBatch | null = null): Gather {
  if (kind === 'js') return new Gather(null);
  return kind === 'native'
    ? new Gather(nativeGather(), 0, 0, nativeSend(), nativeSender(), batch)
    : new Gather(nativeGather(), NATIVE_MIN, NATIVE_AVG, nativeSend(), nativeSender(), batch);
}

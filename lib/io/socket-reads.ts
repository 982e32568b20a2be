// Socket reads without Node's stream machinery. A plain net.Socket delivers each read through
// Readable's push/addChunk/emit('data'), schedules a nextTick (maybeReadMore) per read, and
// mallocs a 64 KiB buffer per read that is then shrunk. At one command per read (pipeline 1)
// that machinery costs about as much as the proxy's own work. Node's `onread` hook (public for
// net.connect, set here on accepted sockets too) reads every socket into one shared buffer
// instead; each read is copied from it into a slab, because requests and replies are handed on
// as ranges that must outlive the read (requests are written at the end of the event-loop turn,
// replies once the rest of their client's pipeline has come in from the other nodes).
// Slabs are reused once nothing points into them (Slab).
// Where the hook is not there (another Node, TLS), sockets fall back to 'data' events.
//
// Node calls the hook from its own read callback (onStreamRead), which per read updates the
// socket's timer and looks the hook up by symbol on the socket (a megamorphic load: sockets have
// many shapes). The handle's `onread` is replaced by a function that hands reads of data straight
// to the hook and leaves everything else (end of stream, errors, a destroyed socket) to Node's.
// The proxy sets no socket timeouts, whose timer that skips (bench/results/hot-path-figures.md,
// "onread").
import type net from 'node:net';
import { copyRange } from './copy-range';

const READ_SIZE = 64 * 1024;
/**
 * Reads are copied into slabs of this size. An idle client pins none (unfinished commands are
 * copied out by RequestReader, into a tail slab or a Buffer), nor does a client that does not
 * read (its replies are copied once its socket buffers); a node's unfinished reply pins one slab
 * per backend connection.
 */
const SLAB_SIZE = 128 * 1024;
/**
 * Spare slabs kept for reuse (16 MiB); more are left to the GC. 50 clients reading 16 replies
 * of 16 KiB each hold ~100 slabs at once: with 32 spares, a third of the node slabs at GET
 * 16 KiB -P16 were still new ones.
 */
const MAX_SPARE = 128;

const shared = Buffer.allocUnsafeSlow(READ_SIZE);

/**
 * A slab of reads, reused once nothing points into it. Every slab is an ArrayBuffer of its own,
 * and V8 runs a full mark-compact for each 64 MiB of them allocated: ~22% of the proxy at SET or
 * GET 16 KiB -P16. So a slab counts its holders: the read being handled; for a client slab each
 * fast-path request made from it until it is answered (ClientSession); for a node slab each
 * reply kept as a range until it is copied into the client's write (SingleRequest, then
 * lib/proxy/reply-writes.ts) and a reply still arriving (ReplyReader). Whatever keeps ranges
 * another way pins the slab, which is then left to the GC.
 */
export class Slab {
  used = 0;
  /** holders of ranges in it: the read being handled, the requests not answered yet */
  refs = 0;
  /** something keeps ranges of it without counting them */
  pinned = false;
  /** no longer read into: back to the spares once its holders are gone */
  retired = false;
  constructor(
    readonly buf: Buffer,
    /** where it goes once free */
    readonly spares: Slab[] = spare,
  ) {}
}

const spare: Slab[] = [];
/** slabs allocated, and taken again from the spares or reused in place (for tests) */
export const clientSlabs = { allocated: 0, reused: 0 };
export const nodeSlabs = { allocated: 0, reused: 0 };

/** Drops one holder of `slab`; the last one of a retired slab makes it a spare. */
export function releaseSlab(slab: Slab): void {
  if (--slab.refs === 0 && slab.retired && !slab.pinned && slab.spares.length < MAX_SPARE) {
    slab.retired = false;
    slab.used = 0;
    slab.spares.push(slab);
  }
}

/** The size of a command split between reads that RequestReader completes in a tail slab. */
export const TAIL_SLAB_SIZE = 32 * 1024;
const tailSpare: Slab[] = [];
export const tailSlabs = { allocated: 0, reused: 0 };

/**
 * A buffer for a command split between reads (RequestReader), held by the caller (one ref) and
 * by the requests made from it, and reused once they are all gone: a Buffer of its own per
 * split command was external memory enough for V8 to run major collections at SET 16 KiB -P16.
 */
export function tailSlab(): Slab {
  let slab = tailSpare.pop();
  if (slab === undefined) {
    tailSlabs.allocated++;
    slab = new Slab(Buffer.allocUnsafeSlow(TAIL_SLAB_SIZE), tailSpare);
  } else {
    tailSlabs.reused++;
  }
  // never read into: free once its holders are gone
  slab.retired = true;
  slab.refs = 1;
  return slab;
}

/** Where the reads of a kind of socket (clients, nodes) are copied. */
class SlabStream {
  private slab: Slab;

  constructor(private readonly stats: { allocated: number; reused: number }) {
    this.slab = this.fresh();
  }

  private fresh(): Slab {
    this.stats.allocated++;
    return new Slab(Buffer.allocUnsafeSlow(SLAB_SIZE));
  }

  /** The bytes of the read just done, moved out of the shared buffer, and their slab. */
  take(nread: number): Slab {
    let slab = this.slab;
    if (SLAB_SIZE - slab.used < nread) {
      if (slab.refs === 0 && !slab.pinned) {
        slab.used = 0;
        this.stats.reused++;
      } else {
        slab.retired = true;
        const again = spare.pop();
        if (again) this.stats.reused++;
        slab = this.slab = again ?? this.fresh();
      }
    }
    slab.used += copyRange(shared, 0, nread, slab.buf, slab.used);
    return slab;
  }
}

const clientReads = new SlabStream(clientSlabs);
const nodeReads = new SlabStream(nodeSlabs);

interface Hook {
  buffer: symbol;
  callback: symbol;
  generator: symbol;
}

let hook: Hook | null | undefined;

/** Node's private symbols behind the `onread` option, found by their descriptions once. */
function findHook(socket: net.Socket): Hook | null {
  const bySymbol = new Map<string, symbol>();
  for (const s of Object.getOwnPropertySymbols(socket)) if (s.description) bySymbol.set(s.description, s);
  const buffer = bySymbol.get('kBuffer');
  const callback = bySymbol.get('kBufferCb');
  const generator = bySymbol.get('kBufferGen');
  return buffer && callback && generator ? { buffer, callback, generator } : null;
}

type Handle = { useUserBuffer?: (b: Buffer) => void; onread?: (this: Handle, arrayBuffer: unknown) => unknown; constructor: { name: string } };

/** Where Node's stream handles leave the result of a read (node:internal/stream_base_commons). */
interface ReadState {
  state: Int32Array;
  index: number;
}

let readState: ReadState | null | undefined;

function findReadState(): ReadState | null {
  try {
    // (process.binding is deprecated, but the only way to this array; without it, reads go
    // through Node's callback)
    const binding = (process as unknown as { binding(name: string): { streamBaseState?: unknown; kReadBytesOrError?: unknown } }).binding('stream_wrap');
    const { streamBaseState: state, kReadBytesOrError: index } = binding;
    return state instanceof Int32Array && typeof index === 'number' ? { state, index } : null;
  } catch {
    return null;
  }
}

/**
 * Makes the handle give reads of data to `onRead(nread)` directly, and the rest to Node's own
 * callback (see the top of this file). Returns false where it cannot.
 */
function shortenReads(socket: net.Socket, handle: Handle, onRead: (nread: number) => void): boolean {
  if (readState === undefined) readState = findReadState();
  const original = handle.onread;
  if (readState === null || typeof original !== 'function') return false;
  const { state, index } = readState;
  handle.onread = function (this: Handle, arrayBuffer: unknown): unknown {
    const nread = state[index];
    if (nread > 0 && !socket.destroyed) {
      onRead(nread);
      return undefined;
    }
    return original.call(this, arrayBuffer);
  };
  return true;
}

/**
 * Calls onChunk(buf, start, end, slab) for every read of `socket`: the read is buf[start, end),
 * where `buf` is the buffer of `slab`, or a buffer of its own (slab null) where sockets fall back
 * to 'data' events (a range, not a view: a view per read was ~5% of the proxy at pipeline 1). Call
 * it before the first read is delivered (in the 'connection' handler, or right after net.connect).
 *
 * The slab is reused once its holders are gone, so a range of `buf` kept past the call must
 * hold the slab (`slab.refs++`, then releaseSlab) or pin it (`slab.pinned = true`). `clients`
 * picks the slabs of client reads or of node reads. `forceEvents` keeps 'data' events (to
 * compare the two paths). Returns whether the shared-buffer path is used.
 */
export function readSocket(
  socket: net.Socket,
  onChunk: (buf: Buffer, start: number, end: number, slab: Slab | null) => void,
  clients: boolean,
  forceEvents = false,
  /** keep Node's read callback in front of the hook (to compare, and to test both) */
  forceNodeCallback = false,
): boolean {
  const handle = (socket as unknown as { _handle: Handle | null })._handle;
  if (hook === undefined) hook = findHook(socket);
  const s = socket as unknown as Record<symbol, unknown>;
  if (
    forceEvents ||
    hook === null ||
    handle === null ||
    handle.constructor.name !== 'TCP' || // a TLS socket reads through its TLSWrap
    typeof handle.useUserBuffer !== 'function' ||
    s[hook.buffer] !== null
  ) {
    socket.on('data', (chunk: Buffer) => onChunk(chunk, 0, chunk.length, null));
    return false;
  }
  s[hook.buffer] = shared;
  s[hook.generator] = null;
  const stream = clients ? clientReads : nodeReads;
  const onRead = (nread: number): void => {
    const slab = stream.take(nread);
    const start = slab.used - nread;
    slab.refs++;
    try {
      onChunk(slab.buf, start, slab.used, slab);
    } finally {
      releaseSlab(slab);
    }
  };
  s[hook.callback] = onRead;
  handle.useUserBuffer(shared);
  if (!forceNodeCallback) shortenReads(socket, handle, onRead);
  return true;
}

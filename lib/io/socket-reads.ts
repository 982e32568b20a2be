// Socket reads through Node's handle, without its stream machinery: the path of sockets the
// addon's poller does not read (lib/io/read-poller.ts: TLS, pipes, no addon, SLOTPROXY_PARSER=js,
// SLOTPROXY_SOCKET_READS=stream), and what a polled socket goes back to at its end of stream.
// A plain net.Socket delivers each read through Readable's push/addChunk/emit('data'), schedules
// a nextTick (maybeReadMore) per read, and mallocs a 64 KiB buffer per read that is then shrunk.
// At one command per read (pipeline 1) that machinery costs about as much as the proxy's own
// work. Node's `onread` hook (public for net.connect, set here on accepted sockets too) reads
// every socket into one shared buffer instead; each read is copied from it into a slab, because
// requests and replies are handed on as ranges that must outlive the read (requests are written
// at the end of the event-loop turn, replies once the rest of their client's pipeline has come
// in from the other nodes).
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
import { tick } from '../clock';
import type { OnChunk, ReadControl, ReadHandle, ReadPoller } from './read-poller';
import { clientReads, nodeReads, releaseSlab, type Slab } from './slabs';

const READ_SIZE = 64 * 1024;
const shared = Buffer.allocUnsafeSlow(READ_SIZE);

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
    socket.on('data', (chunk: Buffer) => {
      tick();
      onChunk(chunk, 0, chunk.length, null);
    });
    return false;
  }
  s[hook.buffer] = shared;
  s[hook.generator] = null;
  const stream = clients ? clientReads : nodeReads;
  const onRead = (nread: number): void => {
    tick();
    const slab = stream.take(shared, nread);
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

/**
 * readSocket(), then reads by the addon's poller (lib/io/read-poller.ts) where it can take the
 * socket over: a plain TCP socket read through the shared buffer, once connected. Returns how to
 * pause and resume its reads (the socket itself while Node reads it).
 */
export function pollSocket(socket: net.Socket, onChunk: OnChunk, clients: boolean, poller: ReadPoller | null, batched = false): ReadControl {
  if (!readSocket(socket, onChunk, clients) || poller === null) return socket;
  const take = (): ReadControl | null => {
    const handle = (socket as unknown as { _handle: ReadHandle | null })._handle;
    return handle === null || socket.destroyed ? null : poller.poll(socket, handle, onChunk, clients, batched);
  };
  // (a connecting socket's descriptor may not exist yet; Node starts reading it right after its
  // 'connect' listeners, which the poller's marks stop)
  if (socket.connecting) {
    socket.once('connect', take);
    return socket;
  }
  return take() ?? socket;
}

// Socket reads without Node's stream machinery. A plain net.Socket delivers each read through
// Readable's push/addChunk/emit('data'), schedules a nextTick (maybeReadMore) per read, and
// mallocs a 64 KiB buffer per read that is then shrunk. At one command per read (pipeline 1)
// that machinery costs about as much as the proxy's own work. Node's `onread` hook (public for
// net.connect, set here on accepted sockets too) reads every socket into one shared buffer
// instead; each read is copied from it into a slab, because requests and replies are handed on
// as ranges that must outlive the read (they are written at the end of the event-loop turn).
// Where the hook is not there (another Node, TLS), sockets fall back to 'data' events.
import type net from 'node:net';
import { copyRange } from '../protocol/bytes';

const READ_SIZE = 64 * 1024;
/**
 * Reads are copied into slabs of this size. An idle client pins none (unfinished commands are
 * copied out by RequestReader), nor does a client that does not read (its replies are copied
 * once its socket buffers); a node's unfinished reply pins one slab per backend connection.
 */
const SLAB_SIZE = 128 * 1024;

const shared = Buffer.allocUnsafeSlow(READ_SIZE);
let slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
let slabUsed = 0;

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

type Handle = { useUserBuffer?: (b: Buffer) => void; constructor: { name: string } };

/**
 * Calls onChunk(chunk) for every read of `socket`; `chunk` stays valid after the call (a view of
 * a slab). Call it before the first read is delivered (in the 'connection' handler, or right
 * after net.connect). `forceEvents` keeps 'data' events (to compare the two paths). Returns
 * whether the shared-buffer path is used.
 */
export function readSocket(socket: net.Socket, onChunk: (chunk: Buffer) => void, forceEvents = false): boolean {
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
    socket.on('data', onChunk);
    return false;
  }
  s[hook.buffer] = shared;
  s[hook.generator] = null;
  s[hook.callback] = (nread: number): void => onChunk(take(nread));
  handle.useUserBuffer(shared);
  return true;
}

/** The bytes of the read just done, moved out of the shared buffer. */
function take(nread: number): Buffer {
  if (SLAB_SIZE - slabUsed < nread) {
    slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
    slabUsed = 0;
  }
  const start = slabUsed;
  slabUsed = start + copyRange(shared, 0, nread, slab, start);
  return slab.subarray(start, slabUsed);
}

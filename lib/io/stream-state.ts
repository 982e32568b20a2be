// A socket's write-side state read without Node's stream getters. Node 20 keeps a Writable's
// flags as bits of one field behind getters that every stream in the process shares (`ending`,
// `destroyed`... one function per bit), `writableLength` is a getter every stream shares, and
// net.Socket's `_handle` is a getter over a symbol: their loads see the shapes of all streams
// (client and node sockets, the log's destination...) and go megamorphic, so each one inlined
// into the proxy's per-request code was a generic lookup, ~200 instructions per client write and
// per read (bench/results/hot-path-figures.md, "stream getters"). These read the same fields at
// call sites of their own, which see the proxy's sockets only. Where the fields are not what they
// are in Node 20 (another version), the getters are read.
import { Writable } from 'node:stream';

/** A Writable's internal state: the bytes it holds (`length`), its flag bits under a symbol. */
export type WriteState = { readonly length: number } & { readonly [key: symbol]: number };

/**
 * The flag field's key, the bits end() sets (ending, ended...) and the bits destroy() sets, found
 * once on probe streams; null where they are not found.
 */
const FLAGS = findFlagBits();

function findFlagBits(): { key: symbol; ended: number; destroyed: number } | null {
  const bitsOf = (act: (w: Writable) => void, check: (w: Writable) => boolean): { key: symbol; bits: number } | null => {
    const w = new Writable({ write: (_c, _e, cb) => cb() });
    w.on('error', () => {});
    const state = (w as unknown as { _writableState?: Record<symbol, unknown> })._writableState;
    if (!state) return null;
    const key = Object.getOwnPropertySymbols(state).find((s) => s.description === 'kState');
    if (key === undefined || typeof state[key] !== 'number') return null;
    const before = state[key] as number;
    act(w);
    const bits = (state[key] as number) & ~before;
    return bits !== 0 && check(w) ? { key, bits } : null;
  };
  const ended = bitsOf(
    (w) => w.end(),
    (w) => w.writableEnded,
  );
  const destroyed = bitsOf(
    (w) => w.destroy(),
    (w) => w.destroyed,
  );
  return ended && destroyed && ended.key === destroyed.key ? { key: ended.key, ended: ended.bits, destroyed: destroyed.bits } : null;
}

/** The socket's write state (the same object for the socket's life), or null. */
export function writeState(socket: Writable): WriteState | null {
  return (socket as unknown as { _writableState?: WriteState })._writableState ?? null;
}

/** socket.writableEnded: end() was called. */
export function writeEnded(socket: Writable, state: WriteState | null): boolean {
  return FLAGS !== null && state !== null ? (state[FLAGS.key] & FLAGS.ended) !== 0 : socket.writableEnded;
}

/**
 * socket.writableEnded || socket.destroyed: the socket is not to be written to (a destroyed
 * socket's descriptor may already be another's). (Node's `_handle` is a getter over a symbol
 * too: its load was the megamorphic one per write.)
 */
export function writeClosed(socket: Writable, state: WriteState | null): boolean {
  return FLAGS !== null && state !== null ? (state[FLAGS.key] & (FLAGS.ended | FLAGS.destroyed)) !== 0 : socket.writableEnded || socket.destroyed;
}

/** socket.destroyed (as far as its write side tells: destroy() marks both sides at once). */
export function destroyed(socket: Writable, state: WriteState | null): boolean {
  return FLAGS !== null && state !== null ? (state[FLAGS.key] & FLAGS.destroyed) !== 0 : socket.destroyed;
}

/** socket.writableLength: bytes its stream holds. */
export function writeQueued(socket: Writable, state: WriteState | null): number {
  return state !== null ? state.length : socket.writableLength;
}

/** whether the flag bits were found (else the getters are read): for tests */
export const readsFlagBits = FLAGS !== null;

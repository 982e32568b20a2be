// Output buffers carved from one arena that is reused from write to write. A socket write that
// the kernel takes whole at once keeps nothing of its bytes, so the next write can have them; a
// fresh Buffer per write (each over Buffer.allocUnsafe's 4 KiB is an ArrayBuffer of its own) is
// external memory to V8, and at SET 1 KiB -P16 the backend writes alone were ~100 MB/s of it,
// which made V8 run major collections (~17% of the proxy's CPU in `perf`).
import type net from 'node:net';

const ARENA_SIZE = 1024 * 1024;
/** Larger writes get a Buffer of their own. */
const MAX_SHARED = 256 * 1024;

let arena = Buffer.allocUnsafeSlow(ARENA_SIZE);
/** bytes at the start of the arena kept by writes the kernel did not take at once */
let used = 0;

/**
 * A buffer of `size` bytes to fill and then pass to `send()`, with no other outputBuffer() in
 * between (they would share the bytes).
 */
export function outputBuffer(size: number): Buffer {
  if (size > MAX_SHARED) return Buffer.allocUnsafe(size);
  if (ARENA_SIZE - used < size) {
    // the old arena lives on as long as the writes that keep parts of it
    arena = Buffer.allocUnsafeSlow(ARENA_SIZE);
    used = 0;
  }
  return arena.subarray(used, used + size);
}

/**
 * Writes `out` (from outputBuffer). A socket that could not take all of it at once keeps `out`
 * until it can: its bytes are then left to it, and later buffers come from after them (so a
 * client that does not read pins its own replies and at most one arena, as with Node's pool).
 */
export function send(socket: net.Socket, out: Buffer): void {
  socket.write(out);
  if (socket.writableLength !== 0 && out.buffer === arena.buffer) used = out.byteOffset - arena.byteOffset + out.length;
}

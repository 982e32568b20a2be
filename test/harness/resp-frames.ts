// Where each RESP2/RESP3 reply ends in the bytes a raw socket received, for tests that compare
// exact bytes but must know when a reply is complete: TCP may split one reply across reads, so a
// test that stops at the first read ending like the reply it waits for (`+PONG\r\n`) flakes.
// Written apart from the proxy's scanners (lib/protocol), which are what the tests check.
import type net from 'node:net';

const SIMPLE = new Set(['+', '-', ':', '_', '#', ',', '(']);
const BLOB = new Set(['$', '!', '=']);
const AGGREGATE = new Set(['*', '~', '>', '%', '|']);

/**
 * The offset just past the reply that starts at `at`, or -1 when it has not all arrived yet. An
 * attribute (`|`) belongs to the reply after it. Throws on bytes that cannot start a reply.
 */
export function frameEnd(buf: Buffer, at: number): number {
  if (at >= buf.length) return -1;
  const lineEnd = buf.indexOf('\r\n', at, 'latin1');
  if (lineEnd < 0) return -1;
  const type = String.fromCharCode(buf[at]);
  const next = lineEnd + 2;
  if (SIMPLE.has(type)) return next;
  const n = Number(buf.toString('latin1', at + 1, lineEnd));
  if (!Number.isInteger(n) || (!BLOB.has(type) && !AGGREGATE.has(type))) {
    throw new Error(`not a RESP reply at byte ${at}: ${JSON.stringify(buf.toString('latin1', at, Math.min(buf.length, at + 40)))}`);
  }
  if (n < 0) return next; // $-1, *-1
  if (BLOB.has(type)) return buf.length >= next + n + 2 ? next + n + 2 : -1;
  let pos = next;
  for (let i = type === '%' || type === '|' ? 2 * n : n; i > 0; i--) {
    pos = frameEnd(buf, pos);
    if (pos < 0) return -1;
  }
  return type === '|' ? frameEnd(buf, pos) : pos;
}

/** The complete replies at the start of `buf`, as [start, end) offsets; the incomplete tail is left out. */
export function frames(buf: Buffer, from = 0): [number, number][] {
  const out: [number, number][] = [];
  for (let at = from, end = frameEnd(buf, at); end >= 0; at = end, end = frameEnd(buf, at)) out.push([at, end]);
  return out;
}

/** Everything a socket receives, and the complete replies in it so far (each as its exact bytes). */
export class ReplyReader {
  data = Buffer.alloc(0);
  readonly replies: Buffer[] = [];
  private parsed = 0;

  constructor(socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => this.push(chunk));
  }

  push(chunk: Buffer): void {
    this.data = Buffer.concat([this.data, chunk]);
    for (const [start, end] of frames(this.data, this.parsed)) {
      this.replies.push(this.data.subarray(start, end));
      this.parsed = end;
    }
  }

  /** The replies so far as one string, to compare with what a test expects. */
  text(): string {
    return Buffer.concat(this.replies).toString('latin1');
  }

  /** Forgets what arrived so far (a test starting its next step). */
  clear(): void {
    this.data = this.data.subarray(this.parsed);
    this.parsed = 0;
    this.replies.length = 0;
  }
}

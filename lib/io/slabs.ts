// The slabs reads are kept in. Requests and replies are handed on as ranges of the read they
// came in that must outlive the read (requests are written at the end of the event-loop turn,
// replies once the rest of their client's pipeline has come in from the other nodes), so reads
// go into large slabs, reused once nothing points into them.
import { copyRange } from './copy-range';

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
  /** the addon's id for `buf` (slabId()): -1 not asked for yet, -2 none */
  id = -1;
  constructor(
    readonly buf: Buffer,
    /** where it goes once free */
    readonly spares: Slab[] = spare,
  ) {}
}

const spare: Slab[] = [];

let register: ((buf: Buffer) => number) | null = null;

/**
 * Gives slabs ids from the addon (its registerBuffer, native/buffer_ids.h) from now on: a native
 * call given an id instead of the Buffer is spared asking N-API for the Buffer's bytes.
 */
export function registerSlabsWith(fn: (buf: Buffer) => number): void {
  register = fn;
}

/** the ids given, by buffer (bufferId) */
const idOf = new WeakMap<Buffer, number>();

/** The addon's id for the slab's buffer, or -2 where the addon is not used. */
export function slabId(slab: Slab): number {
  const id = slab.id;
  if (id !== -1) return id;
  if (register === null) return (slab.id = -2);
  const given = register(slab.buf);
  idOf.set(slab.buf, given);
  return (slab.id = given);
}

/**
 * The addon's id for `buf` when it is the buffer of `slab` (the slab a read or a reply is a range
 * of; null: none), else -1; -2 where the addon is not used.
 */
export function slabIdFor(slab: Slab | null, buf: Buffer): number {
  return slab !== null && slab.buf === buf ? slabId(slab) : -1;
}

/**
 * The addon's id for `buf` when it is a slab's buffer that has one, else -1: for a writer that
 * has the Buffer and not its slab (a node connection's write of commands read from clients).
 */
export function bufferId(buf: Buffer): number {
  // (only a slab's size can be a slab: no map lookup for the many small constant heads)
  if (buf.length !== SLAB_SIZE && buf.length !== TAIL_SLAB_SIZE) return -1;
  return idOf.get(buf) ?? -1;
}
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

/**
 * Where the reads of a kind of socket (clients, nodes) go: the slab being read into, replaced
 * when full (in place when nothing points into it any more, else retired and a spare taken).
 */
export class SlabStream {
  private slab: Slab;

  constructor(private readonly stats: { allocated: number; reused: number }) {
    this.slab = this.fresh();
  }

  private fresh(): Slab {
    this.stats.allocated++;
    return new Slab(Buffer.allocUnsafeSlow(SLAB_SIZE));
  }

  get current(): Slab {
    return this.slab;
  }

  /** Whether `bytes` more fit in the current slab. */
  fits(bytes: number): boolean {
    return SLAB_SIZE - this.slab.used >= bytes;
  }

  /** The slab to read into once the current one is full: itself emptied, or another. */
  renew(): Slab {
    const slab = this.slab;
    if (slab.refs === 0 && !slab.pinned) {
      slab.used = 0;
      this.stats.reused++;
    } else {
      this.advance(this.spare());
    }
    return this.slab;
  }

  /** A slab to read into later (advance()): a spare, or a new one. */
  spare(): Slab {
    const again = spare.pop();
    if (again) this.stats.reused++;
    return again ?? this.fresh();
  }

  /** Moves on to `next` (from spare()): the current slab is retired, a spare once its holders are gone. */
  advance(next: Slab): void {
    const old = this.slab;
    old.retired = true;
    this.slab = next;
    if (old.refs === 0) {
      old.refs = 1;
      releaseSlab(old);
    }
  }

  /** The bytes of a read done into `from`, copied into the slab, and their slab. */
  take(from: Buffer, nread: number): Slab {
    const slab = this.fits(nread) ? this.slab : this.renew();
    slab.used += copyRange(from, 0, nread, slab.buf, slab.used);
    return slab;
  }
}

export const clientReads = new SlabStream(clientSlabs);
export const nodeReads = new SlabStream(nodeSlabs);

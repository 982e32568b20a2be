// Multi-key commands whose keys span slots: MGET, MSET, DEL, UNLINK, EXISTS, TOUCH. The keys are
// grouped by slot (not by node: two slots of one node are still CROSSSLOT to Redis), one
// sub-command per slot is sent, sub-commands to one node go out in one write, and the replies
// are merged in the client's key order.
//
// When a part fails, the client gets that error for the whole command, never a partial array
// mixed with nils. MGET has no side effects; for MSET/DEL/UNLINK/TOUCH the parts that succeeded
// stay applied (Redis Cluster cannot apply them atomically across slots either; MSETNX, which
// must be atomic, stays single-slot and gets CROSSSLOT).
import type { BackendAddress } from '../../backend/backend-command';
import { BackendCommand } from '../../backend/backend-command';
import type { BackendNode } from '../../backend/backend-node';
import { copyRange } from '../../io/copy-range';
import { keySlot } from '../../protocol/crc16';
import { isErrorType, KEY_TRIPLE, TYPE_ARRAY } from '../../protocol/records';
import { error, integer, nullBulk, OK } from '../../protocol/resp';
import type { VariantOf } from '../../commands/families';
import { ReplySlot, type ReplyTail } from '../client-request';
import { wrongArity } from '../errors';
import type { FamilyDispatch, FamilyHandlers, FamilySession } from '../family';
import { arrayElements, integerOf, isError, startsWith } from './reply-parts';
import { SingleRequest } from '../requests/single-request';
import { replicaRefused } from '../requests/routed-request';
import { Access, type ReadFence } from '../../commands/access';
import type { Slab } from '../../io/slabs';

/** How the parts' replies become the client's: the variants of the split family. */
type Merge = VariantOf<'split'>;

/** One slot's share of the command. */
class Part extends BackendCommand {
  /** MGET: the elements of the reply; otherwise the whole reply */
  values: Buffer[] | null = null;
  /** the reply: all of it, or reply[replyStart, replyEnd) when replyEnd >= 0 */
  reply: Buffer | null = null;
  replyStart = 0;
  replyEnd = -1;

  constructor(
    private readonly parent: SplitRequest,
    frame: Buffer,
    slot: number,
    deadline: number,
    /** this part's keys are parent.keyArgs[first, first + count) */
    readonly first: number,
    readonly count: number,
  ) {
    super(frame, slot, parent.session.id, deadline);
    // MGET's and EXISTS's parts are reads a replica may serve, like the command
    if (parent.readable) this.access = Access.Read;
    this.resp3 = parent.session.resp3;
    this.tracking = parent.session.trackingRoute ?? null;
  }

  sendTo(node: BackendNode): void {
    if (this.parent.writes) this.parent.session.written.note(node);
    this.sendShared(node);
  }

  override onReplyRange(buf: Buffer, start: number, end: number, type: number, redirect: number, elems: number, elemBase: number, from: BackendAddress, slab: Slab | null): void {
    // parts keep ranges and views until the merge: their slabs are left to the GC
    if (slab !== null) slab.pinned = true;
    const merge = this.parent.merge;
    if (redirect !== 0 || isErrorType(type) || (merge === 'mget' && this.count > 1) || merge === 'sum') {
      this.onReply(buf.subarray(start, end), type, redirect, elems, elemBase, from);
      return;
    }
    if (merge === 'mset') {
      this.reply = OK;
    } else {
      // one key's value, kept as a range until the merge copies it
      this.reply = buf;
      this.replyStart = start;
      this.replyEnd = end;
    }
    this.parent.partDone();
  }

  onReply(frame: Buffer, type: number, redirect: number, elems: number, elemBase: number, from: BackendAddress): void {
    const router = this.parent.session.ctx.router;
    if (redirect !== 0 && router.redirect(this, frame, redirect, from)) return;
    if (isErrorType(type) && replicaRefused(this, frame, router)) return;
    // A key alone in its slot is read with GET, which says WRONGTYPE where MGET says nil.
    this.reply = this.count === 1 && this.parent.merge === 'mget' && startsWith(frame, WRONGTYPE) ? nullBulk(this.resp3) : frame;
    if (isError(this.reply)) this.parent.failed = true;
    if (this.parent.merge === 'mget' && type === TYPE_ARRAY && this.count > 1) {
      this.values = arrayElements(frame, this.parent.session.ctx.scanners.replyElems, elems, elemBase);
    }
    this.parent.partDone();
  }

  onFailure(message: string): void {
    if (this.access === Access.ReadOnReplica && this.parent.session.ctx.router.retryOnMaster(this)) return;
    this.reply = error(message);
    this.parent.failed = true;
    this.parent.partDone();
  }

  get abandoned(): boolean {
    return this.parent.session.closed;
  }

  override readFence(): ReadFence | null {
    return this.parent.session.reads;
  }
}

class SplitRequest extends ReplySlot {
  replyTail: ReplyTail | null = null;
  /** a part's reply is an error (then the client gets the first one, in part order) */
  failed = false;
  readonly holds = false;
  readonly parts: Part[] = [];
  private pending = 0;

  constructor(
    readonly session: FamilySession,
    readonly merge: Merge,
    private readonly keyCount: number,
    readonly writes: boolean,
    /** its parts are reads a replica may serve */
    readonly readable: boolean,
    /** argument indexes of the keys (of their first argument, for MSET), grouped by part */
    readonly keyArgs: number[],
  ) {
    super();
  }

  start(): void {
    const router = this.session.ctx.router;
    this.pending = this.parts.length;
    for (const p of this.parts) router.route(p);
  }

  abandon(): void {}

  partDone(): void {
    if (--this.pending > 0 || this.done) return;
    this.reply = this.merged();
    this.done = true;
    this.session.requestDone(this);
  }

  private merged(): Buffer {
    // (a reply kept as a range is never an error: errors get a Buffer of their own)
    if (this.failed) for (const p of this.parts) if (p.replyEnd < 0 && isError(p.reply!)) return p.reply!;
    switch (this.merge) {
      case 'mset':
        return OK;
      case 'sum': {
        let sum = 0;
        for (const p of this.parts) sum += integerOf(p.reply!);
        return integer(sum);
      }
      case 'mget': {
        // Value k is bufs[k][ranges[2k], ranges[2k + 1]); keys of the client's MGET start at
        // argument 1. The values are not copied here: the client's write gathers them after the
        // header (their node reads are pinned), sparing a copy and a view per value.
        const n = this.keyCount;
        const bufs: Buffer[] = new Array(n);
        const ranges: number[] = new Array(2 * n);
        let bytes = 0;
        for (const p of this.parts) {
          // a part of one key was sent as GET: its reply is the value itself
          if (p.count === 1) {
            const k = this.keyArgs[p.first] - 1;
            const reply = p.reply!;
            const start = p.replyEnd < 0 ? 0 : p.replyStart;
            const end = p.replyEnd < 0 ? reply.length : p.replyEnd;
            bufs[k] = reply;
            ranges[2 * k] = start;
            ranges[2 * k + 1] = end;
            bytes += end - start;
            continue;
          }
          const got = p.values;
          if (!got || got.length !== p.count) return error('ERR slotproxy: a node answered MGET with something other than one value per key');
          for (let i = 0; i < got.length; i++) {
            const k = this.keyArgs[p.first + i] - 1;
            bufs[k] = got[i];
            ranges[2 * k] = 0;
            ranges[2 * k + 1] = got[i].length;
            bytes += got[i].length;
          }
        }
        this.replyTail = { bufs, ranges, bytes };
        return arrayHeader(n);
      }
    }
  }
}

const HEADERS: Buffer[] = Array.from({ length: 64 }, (_, n) => Buffer.from(`*${n}\r\n`));

/** "*n\r\n" (shared for the usual counts: it is only ever copied) */
function arrayHeader(n: number): Buffer {
  return n < HEADERS.length ? HEADERS[n] : Buffer.from(`*${n}\r\n`);
}

/**
 * Typed arrays cost an allocation of their own (GC was 7% of split MGET): the per-command work
 * arrays, used only while one command is dispatched or merged, are reused.
 */
const SCRATCH_BOUNDS = 0;
const SCRATCH_GROUP_OF = 1;
const SCRATCH_FIRST_OF = 2;
const SCRATCH_FILL = 3;
const scratchArrays: Int32Array[] = Array.from({ length: 4 }, () => new Int32Array(64));

/** Past this length a work array is dropped as soon as a smaller command comes along. */
const SCRATCH_KEEP = 1 << 16;

/** Work array `which`, at least `n` long; its contents are not cleared. */
function scratch(which: number, n: number): Int32Array {
  const a = scratchArrays[which];
  if (a.length >= n && (a.length <= SCRATCH_KEEP || n > SCRATCH_KEEP)) return a;
  if (n > SCRATCH_KEEP) return (scratchArrays[which] = new Int32Array(n));
  // from the initial size: an oversized array being replaced must not set the new one's size
  let size = 64;
  while (size < n) size *= 2;
  return (scratchArrays[which] = new Int32Array(size));
}

/**
 * Bounds of each argument's whole bulk element ("$3\r\nfoo\r\n") in a well-formed frame, into
 * the bounds work array; returns the number of arguments.
 */
function elementBounds(frame: Buffer): number {
  let pos = 1;
  let n = 0;
  for (let c = frame[pos]; c !== 13; c = frame[++pos]) n = n * 10 + (c - 48);
  pos += 2;
  const bounds = scratch(SCRATCH_BOUNDS, n * 2);
  for (let i = 0; i < n; i++) {
    let len = 0;
    let p = pos + 1;
    for (let c = frame[p]; c !== 13; c = frame[++p]) len = len * 10 + (c - 48);
    bounds[i * 2] = pos;
    pos = p + 2 + len + 2;
    bounds[i * 2 + 1] = pos;
  }
  return n;
}

const WRONGTYPE = Buffer.from('-WRONGTYPE ');
// A key alone in its slot is read with GET / written with SET: header and name in one constant.
const GET_ONE = Buffer.from('*2\r\n$3\r\nGET\r\n');
const SET_ONE = Buffer.from('*3\r\n$3\r\nSET\r\n');

/**
 * One part of several keys: its command copied from the client's bytes, the name and the
 * elements of its keys (and values, for MSET).
 */
function partFrame(frame: Buffer, bounds: Int32Array, keyArgs: number[], first: number, count: number, step: number): Buffer {
  const nameEnd = bounds[1];
  const header = `*${1 + count * step}\r\n`;
  let size = header.length + nameEnd - bounds[0];
  for (let k = first; k < first + count; k++) size += bounds[(keyArgs[k] + step - 1) * 2 + 1] - bounds[keyArgs[k] * 2];
  const out = Buffer.allocUnsafe(size);
  let at = out.write(header, 0, 'latin1');
  at += copyRange(frame, bounds[0], nameEnd, out, at);
  for (let k = first; k < first + count; k++) at += copyRange(frame, bounds[keyArgs[k] * 2], bounds[(keyArgs[k] + step - 1) * 2 + 1], out, at);
  return out;
}

/** The split of a command whose variant merges with `merge`. */
const splitWith = (merge: Merge): FamilyDispatch => (session, cmd) => {
  if (!cmd.crossSlot) {
    session.enqueue(SingleRequest.of(session, cmd, cmd.slot));
    return;
  }
  const frame = cmd.frame;
  const argc = elementBounds(frame);
  const bounds = scratchArrays[SCRATCH_BOUNDS];
  const step = merge === 'mset' ? 2 : 1;
  if (merge === 'mset' && (argc - 1) % 2 !== 0) {
    // A cluster node says CROSSSLOT before it counts arguments; a standalone server says this.
    session.reject(wrongArity(cmd.row.name));
    return;
  }
  // Keys grouped by slot, in order of first appearance: a linear search for the usual handful of
  // keys, a Map for many. groupOf[k] is key k's group; then a counting sort lays the keys' argument
  // indexes out group after group.
  const keyCount = (argc - 1) / step;
  const slots: number[] = [];
  const groupOf = scratch(SCRATCH_GROUP_OF, keyCount);
  const index = keyCount > 64 ? new Map<number, number>() : null;
  const keys = cmd.keys;
  for (let a = 1, k = 0; a < argc; a += step, k++) {
    let slot: number;
    if (keys && keys.length > k * KEY_TRIPLE) {
      slot = keys[k * KEY_TRIPLE + 2];
    } else {
      const end = bounds[a * 2 + 1] - 2;
      slot = keySlot(frame, end - keyLength(frame, bounds, a), end);
    }
    let g = -1;
    if (index) g = index.get(slot) ?? -1;
    else {
      // (a loop the compiler inlines; indexOf was a builtin call per key)
      for (let i = 0; i < slots.length; i++) {
        if (slots[i] === slot) {
          g = i;
          break;
        }
      }
    }
    if (g < 0) {
      g = slots.push(slot) - 1;
      index?.set(slot, g);
    }
    groupOf[k] = g;
  }
  const groups = slots.length;
  const firstOf = scratch(SCRATCH_FIRST_OF, groups + 1);
  firstOf.fill(0, 0, groups + 1);
  for (let k = 0; k < keyCount; k++) firstOf[groupOf[k] + 1]++;
  for (let g = 0; g < groups; g++) firstOf[g + 1] += firstOf[g];
  const keyArgs: number[] = new Array(keyCount);
  const fill = scratch(SCRATCH_FILL, groups);
  for (let g = 0; g < groups; g++) fill[g] = firstOf[g];
  for (let k = 0; k < keyCount; k++) keyArgs[fill[groupOf[k]]++] = 1 + k * step;
  const req = new SplitRequest(session, merge, keyCount, cmd.row.writes, cmd.row.access === Access.Read, keyArgs);
  for (let g = 0; g < groups; g++) {
    const first = firstOf[g];
    const count = firstOf[g + 1] - first;
    let part: Part;
    if (count === 1 && merge !== 'sum') {
      // A key alone in its slot is sent as GET / SET: a constant head, then the key's (and
      // value's) elements as a range of the client's bytes, copied once, into the node's write.
      // (A range of the read's buffer, not of the command's view: the node's write then has one
      // source per client read, where a view per command was a new source to look up each time,
      // ~2,700 instructions per split MSET at -P16.)
      const a = keyArgs[first];
      const at = cmd.sourceStart;
      part = new Part(req, cmd.source, slots[g], cmd.deadline, first, 1);
      part.head = merge === 'mget' ? GET_ONE : SET_ONE;
      part.frameStart = at + bounds[a * 2];
      part.frameEnd = at + bounds[(a + step - 1) * 2 + 1];
    } else {
      part = new Part(req, partFrame(frame, bounds, keyArgs, first, count, step), slots[g], cmd.deadline, first, count);
    }
    req.parts.push(part);
  }
  session.enqueue(req);
};

export const SPLIT = {
  mget: splitWith('mget'),
  mset: splitWith('mset'),
  sum: splitWith('sum'),
} satisfies FamilyHandlers<'split'>;

/** Length of argument `a`'s payload, from its element bounds and header. */
function keyLength(frame: Buffer, bounds: Int32Array, a: number): number {
  const start = bounds[a * 2];
  const cr = frame.indexOf(13, start);
  return Number(frame.toString('latin1', start + 1, cr));
}

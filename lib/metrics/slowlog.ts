// SLOWLOG: the most recent requests slower than a threshold, newest first, bounded.
//
// Under overload every request is slow (latency here is what the client waits, from the read of
// its command), so adding must cost next to nothing: the log is a ring of slots reused in place,
// each keeping a copy of its request's bytes in a buffer of its own that is refilled by the next
// request to land there. An entry object and a fresh copy per add cost 9% of the proxy's CPU at
// split MSET -P16 (bench/ab.sh with SLOTPROXY_SLOWLOG_US=-1 against the default). Arguments are
// decoded when SLOWLOG GET reads them.
import { frameArgs } from '../protocol/resp';
import { redactArgs } from './redact';

export interface SlowEntry {
  id: number;
  /** unix seconds */
  time: number;
  micros: number;
  /** at most 32 arguments of at most 128 bytes each, as Redis keeps them; passwords redacted */
  readonly args: Buffer[];
  client: string;
  name: string;
}

/** Commands whose arguments may hold a password: decoded and redacted as they are stored. */
const SECRETS = new Set(['auth', 'hello', 'migrate', 'acl', 'config', 'proxy']);

/** Requests longer than this are stored as what SLOWLOG shows of them, not copied whole. */
const COPY_MAX = 4096;
/** Redis keeps at most this many arguments of a request, and this many bytes of each */
const MAX_ARGS = 32;
const MAX_ARG_BYTES = 128;
/** room for the shown arguments: MAX_ARGS of MAX_ARG_BYTES plus their "... (N more bytes)" */
const SHOWN_SIZE = 8192;

class Slot {
  id = 0;
  time = 0;
  micros = 0;
  client = '';
  name = '';
  /**
   * bytes[0, length) is the request, or (cut) the RESP array of what SLOWLOG shows of it, unless
   * it was decoded at once (shown)
   */
  bytes: Buffer | null = null;
  length = 0;
  cut = false;
  shown: Buffer[] | null = null;

  entry(): SlowEntry {
    const bytes = this.bytes?.subarray(0, this.length);
    const args = this.shown ?? (this.cut ? frameArgs(bytes!).map((a) => Buffer.from(a)) : shownArgs(bytes!));
    return { id: this.id, time: this.time, micros: this.micros, args, client: this.client, name: this.name };
  }
}

/** What stands for the bytes of an argument past MAX_ARG_BYTES, and for arguments past MAX_ARGS. */
const moreBytes = (n: number): string => `... (${n} more bytes)`;
const moreArgs = (n: number): string => `... (${n} more arguments)`;

/** Redis keeps at most 32 arguments and 128 bytes of each (copies: the entry outlives its slot). */
function shownArgs(frame: Buffer): Buffer[] {
  const all = redactArgs(frame[0] === 42 ? frameArgs(frame) : [frame]);
  const args = all.length > MAX_ARGS ? [...all.slice(0, MAX_ARGS - 1), Buffer.from(moreArgs(all.length - MAX_ARGS + 1))] : all;
  return args.map((a) => (a.length > MAX_ARG_BYTES ? Buffer.concat([a.subarray(0, MAX_ARG_BYTES), Buffer.from(moreBytes(a.length - MAX_ARG_BYTES))]) : Buffer.from(a)));
}

/**
 * Writes the shown arguments of the RESP request frame[start, end) (complete, as the scanner
 * framed it) into `out` as a RESP array, cut as shownArgs() cuts them, without an object per
 * argument: under overload every request of a big-value load is slow, and decoding each one
 * cost ~10% of the proxy's CPU at SET 16 KiB -P16. Returns the bytes written.
 */
function writeShown(frame: Buffer, start: number, out: Buffer): number {
  let p = start + 1;
  let argc = 0;
  while (frame[p] !== 13) argc = argc * 10 + frame[p++] - 48;
  p += 2;
  const kept = argc > MAX_ARGS ? MAX_ARGS - 1 : argc;
  let o = out.write(`*${argc > kept ? kept + 1 : kept}\r\n`, 0, 'latin1');
  for (let i = 0; i < kept; i++) {
    let len = 0;
    p++; // '$'
    while (frame[p] !== 13) len = len * 10 + frame[p++] - 48;
    p += 2;
    if (len <= MAX_ARG_BYTES) {
      o += out.write(`$${len}\r\n`, o, 'latin1');
      o += frame.copy(out, o, p, p + len);
    } else {
      const more = moreBytes(len - MAX_ARG_BYTES);
      o += out.write(`$${MAX_ARG_BYTES + more.length}\r\n`, o, 'latin1');
      o += frame.copy(out, o, p, p + MAX_ARG_BYTES);
      o += out.write(more, o, 'latin1');
    }
    o += out.write('\r\n', o, 'latin1');
    p += len + 2;
  }
  if (argc > kept) {
    const more = moreArgs(argc - kept);
    o += out.write(`$${more.length}\r\n${more}\r\n`, o, 'latin1');
  }
  return o;
}

export class SlowLog {
  /** slots[(next - 1 - i) mod slots.length] is the i-th newest of `count` entries */
  private slots: Slot[] = [];
  private next = 0;
  private count = 0;
  private nextId = 0;

  constructor(
    public thresholdMicros: number,
    /** set it, then call trim() (CONFIG SET slowlog-max-len) */
    public maxLen: number,
  ) {}

  get length(): number {
    return Math.min(this.count, this.maxLen);
  }

  /** The `count` newest entries, newest first. */
  newest(count: number): SlowEntry[] {
    if (this.slots.length !== this.maxLen) this.trim();
    const n = Math.min(count, this.length);
    const out: SlowEntry[] = new Array(n);
    const size = this.slots.length;
    for (let i = 0; i < n; i++) out[i] = this.slots[(this.next - 1 - i + size) % size].entry();
    return out;
  }

  /**
   * The request frame[start, end), as the client sent it (RESP or an inline line); `command` its
   * table name ("get", "config|set"). The bytes are copied: the client's buffer is reused.
   */
  add(micros: number, frame: Buffer, start: number, end: number, command: string, client: string, name: string): void {
    if (this.maxLen <= 0) return;
    if (this.slots.length !== this.maxLen) this.trim();
    let slot = this.slots[this.next];
    if (slot === undefined) slot = this.slots[this.next] = new Slot();
    slot.id = this.nextId++;
    slot.time = Math.floor(Date.now() / 1000);
    slot.micros = Math.round(micros);
    slot.client = client;
    slot.name = name;
    const length = end - start;
    const cut = length > COPY_MAX;
    if (SECRETS.has(baseName(command)) || (cut && frame[start] !== 42)) {
      // (no secret is kept in the copied bytes; a long inline command is rare)
      slot.shown = shownArgs(frame.subarray(start, end));
      slot.length = 0;
      slot.cut = false;
    } else {
      slot.shown = null;
      slot.cut = cut;
      let bytes = slot.bytes;
      const room = cut ? SHOWN_SIZE : length;
      if (bytes === null || bytes.length < room) {
        let size = 256;
        while (size < room) size *= 2;
        // (not from the shared pool: the slot keeps it for the process's life)
        bytes = slot.bytes = Buffer.allocUnsafeSlow(size);
      }
      slot.length = cut ? writeShown(frame, start, bytes) : frame.copy(bytes, 0, start, end);
    }
    this.next = this.next + 1 === this.maxLen ? 0 : this.next + 1;
    if (this.count < this.maxLen) this.count++;
  }

  /** Lays the ring out again for `maxLen` slots, keeping the newest entries that fit. */
  trim(): void {
    const keep = this.length;
    const size = this.slots.length;
    const kept: Slot[] = new Array(keep);
    for (let i = 0; i < keep; i++) kept[keep - 1 - i] = this.slots[(this.next - 1 - i + size) % size];
    this.slots = kept;
    this.count = keep;
    this.slots.length = Math.max(this.maxLen, 0);
    this.next = this.maxLen > 0 ? keep % this.maxLen : 0;
  }

  reset(): void {
    this.slots = [];
    this.next = 0;
    this.count = 0;
    this.trim();
  }
}

function baseName(command: string): string {
  const bar = command.indexOf('|');
  return bar < 0 ? command : command.slice(0, bar);
}

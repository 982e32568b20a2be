// SLOWLOG: the most recent requests slower than a threshold, newest first, bounded.
//
// Under overload every request is slow (latency here is what the client waits, from the read of
// its command), so adding must cost next to nothing: the log is a ring of slots reused in place,
// each keeping a copy of its request's bytes in a buffer of its own that is refilled by the next
// request to land there. An entry object and a fresh copy per add cost 9% of the proxy's CPU at
// split MSET -P16 (bench/ab.sh with SLOTPROXY_SLOWLOG_US=-1 against the default). Arguments are
// decoded when SLOWLOG GET reads them.
import { frameArgs } from '../protocol/resp';
import { redactArgs } from './slowlog-reply';

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
const SECRETS = new Set(['auth', 'hello', 'migrate', 'acl', 'config']);

/** Requests longer than this are decoded as they are stored rather than copied whole. */
const COPY_MAX = 4096;

class Slot {
  id = 0;
  time = 0;
  micros = 0;
  client = '';
  name = '';
  /** the request is bytes[0, length) unless it was decoded at once (shown) */
  bytes: Buffer | null = null;
  length = 0;
  shown: Buffer[] | null = null;

  entry(): SlowEntry {
    const args = this.shown ?? shownArgs(this.bytes!.subarray(0, this.length));
    return { id: this.id, time: this.time, micros: this.micros, args, client: this.client, name: this.name };
  }
}

/** Redis keeps at most 32 arguments and 128 bytes of each (copies: the entry outlives its slot). */
function shownArgs(frame: Buffer): Buffer[] {
  const all = redactArgs(frame[0] === 42 ? frameArgs(frame) : [frame]);
  const args = all.length > 32 ? [...all.slice(0, 31), Buffer.from(`... (${all.length - 31} more arguments)`)] : all;
  return args.map((a) => (a.length > 128 ? Buffer.concat([a.subarray(0, 128), Buffer.from(`... (${a.length - 128} more bytes)`)]) : Buffer.from(a)));
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
    if (length > COPY_MAX || SECRETS.has(baseName(command))) {
      // (no secret is kept in the copied bytes)
      slot.shown = shownArgs(frame.subarray(start, end));
      slot.length = 0;
    } else {
      slot.shown = null;
      let bytes = slot.bytes;
      if (bytes === null || bytes.length < length) {
        let size = 256;
        while (size < length) size *= 2;
        // (not from the shared pool: the slot keeps it for the process's life)
        bytes = slot.bytes = Buffer.allocUnsafeSlow(size);
      }
      frame.copy(bytes, 0, start, end);
      slot.length = length;
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

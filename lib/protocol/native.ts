// Loads the native scanner addon (build/Release, else prebuilds/<platform>-<arch>/, via
// node-gyp-build: see docs/install.md) and explains why when it cannot, so `--version` and the
// start-up log line can say which scanners run and what to do.
import path from 'node:path';
import type { NativeReadPollerClass } from '../io/read-poller';
import * as records from './records';

export interface NativeRequestScanner {
  scan(buf: Uint8Array, start: number, end: number, authRequired: boolean): number;
  /** absent from addons built before it; its arguments are in the set's callArgs */
  scanId?(): void;
  /** callArgs[4] for scanId() (absent from addons built before it, whose scanId is the scanner's own) */
  readonly scannerIndex?: number;
  reset(): void;
}
export interface NativeReplyScanner {
  scan(buf?: Uint8Array): number;
  /** absent from addons built before it; its arguments are in the set's callArgs */
  scanId?(): void;
  /** callArgs[4] for scanId() (absent from addons built before it, whose scanId is the scanner's own) */
  readonly scannerIndex?: number;
}
/** A proxy's command table, limits and output arrays in the addon (native/addon.cc). */
export interface NativeScannerSet {
  registerCommand(id: number, name: string, parentId: number, arity: number, flags: number, specs: Int32Array, keywords: string[]): void;
  clearCommands(): void;
  setLimits(maxMultibulk: number, maxBulk: number, maxInline: number, unauthMultibulk: number, unauthBulk: number): void;
}
export interface NativeAddon {
  ScannerSet: new (requestRecords: Int32Array, requestKeys: Int32Array, replyRecords: Int32Array, replyElems: Int32Array, callArgs?: Int32Array) => NativeScannerSet;
  RequestScanner: new (set: NativeScannerSet) => NativeRequestScanner;
  ReplyScanner: new (set: NativeScannerSet) => NativeReplyScanner;
  keySlot(buf: Uint8Array, start: number, end: number): number;
  /**
   * absent from addons built before it (a stale build/ or prebuild): copies then run in JS. (Such
   * addons may have gather(out, at, sources, ranges, count), its predecessor, which is not used.)
   */
  gatherv?(out: Uint8Array, at: number, ranges: Int32Array, count: number, ...sources: Uint8Array[]): number;
  /**
   * writes gatherv's ranges to a socket's descriptor (lib/io/socket-fd.ts): the bytes the kernel
   * took, or -errno. Absent from older builds and on Windows: writes then go through the stream.
   */
  sendv?(fd: number, ranges: Int32Array, count: number, ...sources: Uint8Array[]): number;
  /**
   * an id for a long-lived Buffer (a slab) that scanId() and sender()'s send take instead of it
   * (native/buffer_ids.h); absent from older builds
   */
  registerBuffer?(buf: Uint8Array): number;
  /**
   * sendv bound to a gather's ranges, source ids and arguments [fd, count, nsrc, queue, entry,
   * sent]: send(...loose), where a source id of -1 takes the next loose Buffer. With args of 6
   * the answer goes to args[5] and send() returns undefined; shorter, send() returns it. Absent
   * from older builds and on Windows.
   */
  sender?(ranges: Int32Array, ids: Int32Array, args: Int32Array): (...loose: Uint8Array[]) => number | undefined;
  /** the batch of client sends (lib/io/send-batch.ts); absent from older builds and on Windows */
  submitSends?(results: Int32Array): number;
  queuedBytes?(entry: number, from: number): Buffer;
  sendBatchState?(): number;
  /** socket reads on Node's loop (lib/io/read-poller.ts); absent from older builds and on Windows */
  ReadPoller?: NativeReadPollerClass;
  layout: Record<string, number>;
}

export const PACKAGE_ROOT = path.resolve(__dirname, '..', '..', '..');

let cached: { addon: NativeAddon | null; error: string | null } | null = null;

/** Why the addon did not load, and what to do about it, in one line. */
function explain(err: unknown): string {
  const first = String((err as Error)?.message ?? err).split('\n')[0];
  const fix = 'build it with `npm rebuild slotproxy` (needs g++, make, python3)';
  if (/^No native build was found/.test(first)) {
    // node-gyp-build looked in build/Release and prebuilds/ and found nothing for this platform.
    return (
      `native addon not found: no build/Release/slotproxy.node and no prebuild for ` +
      `${process.platform}-${process.arch} in prebuilds/ (the source build at install failed or was skipped); ${fix}`
    );
  }
  // Found, but dlopen or its initialisation failed (another libc, a missing shared library ...).
  return `native addon not loadable (${first}); ${fix}`;
}

/** The first entry of the addon's record layout that records.ts disagrees with, or null. */
function layoutMismatch(layout: Record<string, number> | undefined): string | null {
  if (!layout) return 'it reports no record layout';
  // layout.repRecord <-> REP_RECORD: the same name without case or underscores
  const ours = new Map<string, unknown>(Object.entries(records).map(([k, v]) => [k.replace(/_/g, '').toLowerCase(), v]));
  for (const [name, value] of Object.entries(layout)) {
    const expected = ours.get(name.toLowerCase());
    if (expected !== value) return `layout.${name} is ${value}, lib/protocol/records.ts says ${String(expected)}`;
  }
  return null;
}

export function loadNative(): { addon: NativeAddon | null; error: string | null } {
  if (cached) return cached;
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const load = require('node-gyp-build') as (dir: string) => NativeAddon;
    const addon = load(PACKAGE_ROOT);
    // a stale build/ or prebuild from before per-proxy scanner sets: its scanners share one table
    if (typeof addon.ScannerSet !== 'function') throw new Error('the addon is older than this slotproxy (it has no ScannerSet)');
    // a stale build whose records another shape than lib/protocol/records.ts reads would be
    // misread (a record size off by one reads garbage offsets): refuse it
    const mismatch = layoutMismatch(addon.layout);
    if (mismatch) throw new Error(`the addon was built from other sources than this slotproxy (${mismatch})`);
    cached = { addon, error: null };
  } catch (err) {
    cached = { addon: null, error: explain(err) };
  }
  return cached;
}

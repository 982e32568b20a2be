// The one place that decides which scanners run (SLOTPROXY_PARSER=auto|native|js) and owns the
// typed arrays they write into. Everything else reads records through the constants in
// records.ts, whichever implementation filled them. A Scanners object is a proxy's own: its
// command table, limits, record arrays and gather are shared with no other (two proxies in one
// process may front different clusters, one native and one JS).
import { getSystemErrorName } from 'node:util';
import { encodeSpecs, specProblem, type ScannerRow } from '../commands/key-spec';
import { JsCommandIndex } from './js-command-index';
import { DEFAULT_SCAN_LIMITS, JsRequestScanner, type ScanLimits } from './js-request-scanner';
import { JsReplyScanner } from './js-reply-scanner';
import { createGather, type Gather } from './gather';
import { readPoller, type ReadPoller } from '../io/read-poller';
import { sendBatch } from '../io/send-batch';
import { registerSlabsWith } from '../io/slabs';
import { loadNative, type NativeAddon } from './native';
import {
  KEY_TRIPLE,
  KEY_TRIPLE_CAPACITY,
  REPLY_ELEMENT_CAPACITY,
  REPLY_RECORD_CAPACITY,
  REP_HEADER,
  REP_RECORD,
  REQUEST_RECORD_CAPACITY,
  REQ_HEADER,
  REQ_RECORD,
} from './records';

export type ParserChoice = 'auto' | 'native' | 'js';
/** SLOTPROXY_SOCKET_READS: auto (the addon's poller where it can), stream (Node's handles) */
export type SocketReadsChoice = 'auto' | 'stream';
/** SLOTPROXY_IO_URING: auto (a turn's reads, a flush's client writes, each in one io_uring submit where there), off */
export type IoUringChoice = 'auto' | 'off';

export interface RequestScanner {
  /** Frames buf[start, end); see records.ts for what lands in `requestRecords`. */
  scan(buf: Uint8Array, start: number, end: number, authRequired: boolean): number;
  /**
   * scan() of a slab's bytes by the addon's id for it (lib/io/slabs.ts slabId), its arguments in
   * callArgs: [bufferId, start, end, authRequired ? 1 : 0, scannerIndex]; the record count is in
   * the records' header (REQ_COUNT), not returned. One function for all the scanners of a
   * Scanners (a call site meeting one per client was megamorphic: native/scanner_set.h). Native
   * only.
   */
  scanId?(): void;
  /** this scanner's place among its set's, for callArgs[4] (native only) */
  readonly scannerIndex?: number;
  reset(): void;
}

export interface ReplyScanner {
  /** Frames a chunk of replies; without bytes, continues after REP_MORE. */
  scan(buf?: Uint8Array): number;
  /**
   * scan() of bytes start..end of a slab by the addon's id for it (offsets from `start`), its
   * arguments in callArgs: [bufferId, start, end, -, scannerIndex]; the record count is in the
   * header (REP_COUNT). One function for all, as the request scanners'. Native only.
   */
  scanId?(): void;
  /** this scanner's place among its set's, for callArgs[4] (native only) */
  readonly scannerIndex?: number;
}

export interface Scanners {
  readonly kind: 'native' | 'js';
  /** why this kind was chosen, for the start-up log line */
  readonly reason: string;
  readonly requestRecords: Int32Array;
  readonly requestKeys: Int32Array;
  readonly replyRecords: Int32Array;
  readonly replyElems: Int32Array;
  /** the arguments of the native scanners' scanId() (integers passed as arguments cost more) */
  readonly callArgs: Int32Array;
  /**
   * Copies the ranges of a write (a backend's commands, a client's replies) into one buffer:
   * natively with the native scanners, in JS with the JS ones (SLOTPROXY_PARSER=js: all JS).
   * One per Scanners object, so one per proxy; a gather never spans an await.
   */
  readonly gather: Gather;
  /**
   * reads plain TCP sockets on Node's loop past its stream handle (lib/io/read-poller.ts); null
   * with the JS scanners, without the addon's poller, or with SLOTPROXY_SOCKET_READS=stream
   */
  readonly poller: ReadPoller | null;
  /**
   * SLOTPROXY_IO_URING=auto with the poller: its sockets' reads of a turn go in one io_uring
   * submit, and the gather's client sends of a flush too (where the kernel has io_uring)
   */
  readonly ioUring: boolean;
  /** whether reads and client writes are batched through io_uring, and if not why, for --version */
  readonly ioUringNote: string;
  newRequestScanner(): RequestScanner;
  newReplyScanner(): ReplyScanner;
  registerCommands(rows: readonly ScannerRow[]): void;
  setLimits(limits: ScanLimits): void;
}

function allocate(): Pick<Scanners, 'requestRecords' | 'requestKeys' | 'replyRecords' | 'replyElems' | 'callArgs'> {
  return {
    callArgs: new Int32Array(5),
    requestRecords: new Int32Array(REQ_HEADER + REQUEST_RECORD_CAPACITY * REQ_RECORD),
    requestKeys: new Int32Array(KEY_TRIPLE_CAPACITY * KEY_TRIPLE),
    replyRecords: new Int32Array(REP_HEADER + REPLY_RECORD_CAPACITY * REP_RECORD),
    replyElems: new Int32Array(REPLY_ELEMENT_CAPACITY),
  };
}

function checkRows(rows: readonly ScannerRow[]): void {
  for (const row of rows) {
    if (!/^[a-z0-9_\-.:|]{1,64}$/i.test(row.name) || row.name !== row.name.toLowerCase()) {
      throw new Error(`command table: bad name ${JSON.stringify(row.name)}`);
    }
    for (const s of row.specs) {
      const problem = specProblem(s);
      if (problem) throw new Error(`command table: ${row.name}: ${problem}`);
    }
  }
}

export function createJsScanners(reason: string): Scanners {
  const arrays = allocate();
  const index = new JsCommandIndex();
  const limits: ScanLimits = { ...DEFAULT_SCAN_LIMITS };
  const requestOut = { records: arrays.requestRecords, keys: arrays.requestKeys };
  const replyOut = { records: arrays.replyRecords, elems: arrays.replyElems };
  return {
    kind: 'js',
    reason,
    ...arrays,
    gather: createGather('js'),
    poller: null,
    ioUring: false,
    ioUringNote: 'off (JS scanners)',
    newRequestScanner: () => new JsRequestScanner(index, limits, requestOut),
    newReplyScanner: () => new JsReplyScanner(replyOut),
    registerCommands(rows) {
      checkRows(rows);
      index.clear();
      for (const row of rows) index.add(row);
    },
    setLimits(l) {
      Object.assign(limits, l);
    },
  };
}

function createNativeScanners(addon: NativeAddon, reason: string, reads: SocketReadsChoice, uring: IoUringChoice): Scanners {
  // the addon's command table, limits and output arrays are this object's alone (a ScannerSet)
  const arrays = allocate();
  const set = new addon.ScannerSet(arrays.requestRecords, arrays.requestKeys, arrays.replyRecords, arrays.replyElems, arrays.callArgs);
  // (the addon's ids are per environment, as the slabs are per thread: any native proxy may set it)
  if (addon.registerBuffer) registerSlabsWith(addon.registerBuffer);
  const ioUring = reads === 'auto' && uring === 'auto';
  // (asked only where it is used: the addon sets its ring and arena up at the first ask)
  const state = ioUring ? addon.sendBatchState?.() : undefined;
  const ioUringNote =
    uring === 'off' ? 'off (SLOTPROXY_IO_URING=off)'
    : reads !== 'auto' ? 'off (SLOTPROXY_SOCKET_READS=stream)'
    : state === undefined ? 'off (not in this build of the addon)'
    : state === 0 ? 'on'
    : `off (the kernel refused it: ${getSystemErrorName(state)})`;
  return {
    kind: 'native',
    reason,
    ...arrays,
    // (sends are queued to the poller's descriptors: none without it)
    gather: createGather('auto', ioUring ? sendBatch(addon) : null),
    poller: reads === 'auto' ? readPoller(addon.ReadPoller) : null,
    ioUring,
    ioUringNote,
    newRequestScanner: () => new addon.RequestScanner(set),
    newReplyScanner: () => new addon.ReplyScanner(set),
    registerCommands(rows) {
      checkRows(rows);
      set.clearCommands();
      for (const row of rows) {
        const { ints, keywords } = encodeSpecs(row.specs);
        set.registerCommand(row.id, row.name, row.parentId, row.arity, row.wantKeys ? 2 : 0, ints, keywords);
      }
    },
    setLimits(l) {
      set.setLimits(l.maxMultibulk, l.maxBulk, l.maxInline, l.unauthMultibulk, l.unauthBulk);
    },
  };
}

/** Picks the scanners for a SLOTPROXY_PARSER value; throws when `native` was asked for and cannot load. */
export function createScanners(choice: ParserChoice, reads: SocketReadsChoice = 'auto', uring: IoUringChoice = 'auto'): Scanners {
  if (choice === 'js') return createJsScanners('SLOTPROXY_PARSER=js');
  const { addon, error } = loadNative();
  if (addon) return createNativeScanners(addon, choice === 'native' ? 'SLOTPROXY_PARSER=native' : 'native addon loaded', reads, uring);
  if (choice === 'native') throw new Error(`SLOTPROXY_PARSER=native but the ${error}`);
  return createJsScanners(error ?? 'native addon not loadable');
}

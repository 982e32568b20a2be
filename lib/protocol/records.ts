// Layout of the typed arrays the request and reply scanners fill (native/records.h is the other
// half; test/unit/protocol/layout.test.ts checks they agree).

// ---- request scanner ----
export const REQ_HEADER = 4;
export const REQ_COUNT = 0; // records written
export const REQ_CONSUMED = 1; // offset where the unconsumed tail starts
export const REQ_NEED = 2; // bytes (from CONSUMED) needed before another scan can progress; 0 = any
/** REQ_NEED when the scanner stopped for lack of room in the shared arrays: scan again from CONSUMED */
export const NEED_RESCAN = -1;
export const REQ_KEYS = 3; // key triples written

export const REQ_RECORD = 8;
export const R_START = 0;
export const R_END = 1;
export const R_CMD = 2; // row id; 0 = unknown command; CMD_INLINE; CMD_PROTOCOL_ERROR
export const R_ARGC = 3; // argument count; the ProtocolError code for CMD_PROTOCOL_ERROR
export const R_SLOT = 4; // slot of the keys, -1 when keyless; the offending byte for EXPECTED_DOLLAR
export const R_NKEYS = 5;
export const R_FLAGS = 6;
export const R_KEYIDX = 7; // first key triple (rows that want keys); -1 none; -2 did not fit

export const CMD_INLINE = -2;
export const CMD_PROTOCOL_ERROR = -1;

export const FLAG_CROSSSLOT = 1;
export const FLAG_ARITY = 2;
export const FLAG_UNKNOWN_SUBCOMMAND = 4;

export const enum ProtocolError {
  InvalidMultibulk = 1,
  ExpectedDollar = 2,
  InvalidBulk = 3,
  TooBigMbulkCount = 4,
  TooBigBulkCount = 5,
  TooBigInline = 6,
  UnauthMultibulk = 7,
  UnauthBulk = 8,
}

export const KEY_TRIPLE = 3; // key start, key length, slot

// ---- reply scanner ----
export const REP_HEADER = 4;
export const REP_COUNT = 0;
export const REP_STATUS = 1;
export const REP_ELEMS = 2;
export const REP_DONE = 0;
export const REP_MORE = 1; // records full: call scan() again without bytes
export const REP_ERROR = -1; // malformed reply: the connection is unusable

export const REP_RECORD = 4;
export const P_END = 0; // frame end in this chunk; a frame starts where the previous one ended
export const P_TYPE = 1; // first byte: '+', '-', ':', '$', '*'
export const P_REDIRECT = 2;
export const P_ELEMS = 3; // index in the elements array of [count, end0, end1, ...]; -1 none; -2 did not fit

export const enum Redirect {
  None = 0,
  Moved = 1,
  Ask = 2,
  TryAgain = 3,
  ClusterDown = 4,
}

export const TYPE_ERROR = 45; // '-'
export const TYPE_ARRAY = 42; // '*'

// Capacities of the shared arrays: a 64 KiB socket read holds at most ~16k commands or ~13k replies.
export const REQUEST_RECORD_CAPACITY = 16384;
export const KEY_TRIPLE_CAPACITY = 65536;
export const REPLY_RECORD_CAPACITY = 16384;
export const REPLY_ELEMENT_CAPACITY = 262144;

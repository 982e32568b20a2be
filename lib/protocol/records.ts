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

export const REP_RECORD = 5;
export const P_END = 0; // frame end in this chunk; a frame starts where the previous one ended
/** type byte of the reply: RESP2 '+', '-', ':', '$', '*'; RESP3 also '%', '~', '>', '_', '#', ',', '(', '!', '='; never '|' (see P_ATTRIB) */
export const P_TYPE = 1;
export const P_REDIRECT = 2; // Redirect, of a top-level '-' or '!' error
/**
 * index in the elements array of [count, end0, end1, ...] of a top-level aggregate ('*', '%',
 * '~', '>'; a map's keys and values are elements each: 2N of them); -1 none; -2 did not fit
 */
export const P_ELEMS = 3;
/**
 * bytes of RESP3 attributes ('|') before the reply in its frame, 0 none: the reply P_TYPE
 * describes starts that far into the frame, and its elements are its own (an attribute is no
 * element). The attributes go with the reply they annotate, in one frame.
 */
export const P_ATTRIB = 4;

export const enum Redirect {
  None = 0,
  Moved = 1,
  Ask = 2,
  TryAgain = 3,
  ClusterDown = 4,
}

export const TYPE_ERROR = 45; // '-'
export const TYPE_ARRAY = 42; // '*'
export const TYPE_BULK = 36; // '$'
// RESP3 (docs: native/resp_framer.h says what each accepts)
export const TYPE_BLOB_ERROR = 33; // '!'
export const TYPE_MAP = 37; // '%'
export const TYPE_SET = 126; // '~'
export const TYPE_PUSH = 62; // '>'
export const TYPE_NULL = 95; // '_'
export const TYPE_BOOLEAN = 35; // '#'
export const TYPE_DOUBLE = 44; // ','
export const TYPE_BIG_NUMBER = 40; // '('
export const TYPE_VERBATIM = 61; // '='
/** never a P_TYPE (attributes go with the reply after them: P_ATTRIB), but a byte of frames */
export const TYPE_ATTRIBUTE = 124; // '|'

/** An error reply, RESP2 '-' or RESP3 blob error '!' (P_REDIRECT classifies both). */
export const isErrorType = (type: number): boolean => type === TYPE_ERROR || type === TYPE_BLOB_ERROR;
/** A type whose top-level elements the record lists (P_ELEMS). */
export const isAggregateType = (type: number): boolean => type === TYPE_ARRAY || type === TYPE_MAP || type === TYPE_SET || type === TYPE_PUSH;

// Capacities of the shared arrays: a 64 KiB socket read holds at most ~16k commands or ~13k replies.
export const REQUEST_RECORD_CAPACITY = 16384;
export const KEY_TRIPLE_CAPACITY = 65536;
export const REPLY_RECORD_CAPACITY = 16384;
export const REPLY_ELEMENT_CAPACITY = 262144;

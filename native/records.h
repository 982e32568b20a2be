// Layout of the typed arrays the scanners fill. Mirrored by lib/protocol/records.ts; a unit test
// checks both sides agree (the addon exports these numbers).
#pragma once
#include <cstdint>

namespace slotproxy {

// ---- request scanner: header, then one record per complete command ----
constexpr int32_t kReqHeader = 4;
constexpr int32_t kReqCount = 0;     // records written
constexpr int32_t kReqConsumed = 1;  // offset where the unconsumed tail starts
constexpr int32_t kReqNeed = 2;      // bytes from Consumed needed before a new scan can progress (0: any;
                                     // kNeedRescan: stopped for lack of room, scan again from Consumed)
constexpr int32_t kNeedRescan = -1;
constexpr int32_t kReqKeys = 3;      // key triples written

constexpr int32_t kReqRecord = 8;
constexpr int32_t kRStart = 0;   // frame start
constexpr int32_t kREnd = 1;     // frame end (exclusive)
constexpr int32_t kRCmd = 2;     // row id; 0 unknown command; kCmdInline / kCmdProtocolError
constexpr int32_t kRArgc = 3;    // argument count; error code for kCmdProtocolError
constexpr int32_t kRSlot = 4;    // slot of the keys, -1 when keyless; offending byte for kErrExpectedDollar
constexpr int32_t kRNKeys = 5;   // number of keys found
constexpr int32_t kRFlags = 6;   // RequestFlags
constexpr int32_t kRKeyIdx = 7;  // first key triple of this record (kRowWantKeys rows), -1 otherwise

constexpr int32_t kCmdInline = -2;         // an inline command line: TypeScript splits it (rare path)
constexpr int32_t kCmdProtocolError = -1;  // last record; reply the error and close

enum RequestFlags : int32_t {
  kFlagCrossSlot = 1,          // keys hash to more than one slot
  kFlagArity = 2,              // wrong number of arguments
  kFlagUnknownSubcommand = 4,  // container command with an unknown subcommand
};

enum ProtocolError : int32_t {
  kErrInvalidMultibulk = 1,     // "invalid multibulk length"
  kErrExpectedDollar = 2,       // "expected '$', got '%c'"
  kErrInvalidBulk = 3,          // "invalid bulk length"
  kErrTooBigMbulkCount = 4,     // "too big mbulk count string"
  kErrTooBigBulkCount = 5,      // "too big bulk count string"
  kErrTooBigInline = 6,         // "too big inline request"
  kErrUnauthMultibulk = 7,      // "unauthenticated multibulk length"
  kErrUnauthBulk = 8,           // "unauthenticated bulk length"
};

constexpr int32_t kKeyTriple = 3;  // key start, key length, slot

// ---- reply scanner: header, then one record per complete reply ----
constexpr int32_t kRepHeader = 4;
constexpr int32_t kRepCount = 0;
constexpr int32_t kRepStatus = 1;  // kRepDone, kRepMore (call again with no bytes), kRepError
constexpr int32_t kRepDone = 0, kRepMore = 1, kRepError = -1;  // error: the connection is unusable
constexpr int32_t kRepElems = 2;   // element offsets written

constexpr int32_t kRepRecord = 5;
constexpr int32_t kPEnd = 0;       // frame end in this chunk; the frame starts where the last one ended
constexpr int32_t kPType = 1;      // type byte of the reply: '+', '-', ':', '$', '*', and in RESP3 '%', '~',
                                   // '>', '_', '#', ',', '(', '!', '='; never '|' (see kPAttrib)
constexpr int32_t kPRedirect = 2;  // Redirect, of a top-level '-' or '!' error
constexpr int32_t kPElems = 3;     // first element offset of a top-level aggregate ('*', '%', '~', '>'; a
                                   // map's keys and values are elements each), -1 none, -2 did not fit
constexpr int32_t kPAttrib = 4;    // bytes of RESP3 attributes ('|') before the reply in its frame, 0 none:
                                   // the reply kPType describes starts that far into the frame

enum Redirect : int32_t { kRedirNone = 0, kRedirMoved = 1, kRedirAsk = 2, kRedirTryAgain = 3, kRedirClusterDown = 4 };

}  // namespace slotproxy

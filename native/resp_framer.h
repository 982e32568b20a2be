// A streaming RESP2 + RESP3 framer without a depth limit: it finds where each reply ends, its
// type, the ends of its top-level elements and whether an error is a cluster redirect, keeping
// no reply bytes (only the state of the frame in progress), whatever the read boundaries.
// lib/protocol/js-reply-scanner.ts is its twin, byte for byte; docs/fuzzing.md says how both are
// held to it. Why the native scanner runs this rather than hiredis's reader: reply_scanner.h.
//
// What it accepts, in both scanners (anything else is a protocol error: the backend connection
// is unusable):
//   + -          a line without "\r\n" inside (a bare '\n' or '\r' is text, as hiredis 0.14 had it)
//   :            a signed 64-bit integer
//   _            nothing: "_\r\n"
//   #            "t" or "f"
//   ,            a double as RESP3 writes it: -?digits(.digits)?([eE][+-]?digits)?, or inf, -inf,
//                nan, -nan in any case (Redis before 7.2 writes NaN the way libc prints it)
//   (            a big number: -?digits, any length
//   $            length -1 (RESP2 null) to 2^53 - 3, then the payload and two bytes
//   ! =          the same without -1; a verbatim string (=) is at least 4 bytes with ':' 4th
//   * % ~ >      an aggregate of N values (a map % has N pairs: 2N values); * also takes -1. A
//                push (>) is framed like an array wherever it is (RESP3 sends them at the top)
//   |            an attribute: N pairs that annotate the value after them. It is no value of its
//                own: it does not count as an element of the aggregate it sits in, and one
//                before a reply belongs to that reply's frame (see attribPrefix()).
// Streamed strings and aggregates ("$?", "*?", ";", ".") are refused: Redis 7 never sends them
// (RESP3.md: "right now the Redis server does not implement such protocol").
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace slotproxy {

class RespFramer {
 public:
  enum : int64_t { kNeedMore = -1, kProtocolError = -2 };
  // Consumes bytes of the current frame from p[0, n); `abs` is the stream offset of p[0].
  // Returns the number of bytes up to the end of the frame when it completes, kNeedMore when
  // all n bytes were consumed without completing it, kProtocolError on a malformed reply.
  // Ends of top-level aggregate elements are appended to elems (stream offsets; a map's keys and
  // values are elements each); the reply's type byte, redirect kind and attribute prefix are
  // left in rootType() / redirect() / attribPrefix().
  int64_t Feed(const uint8_t* p, size_t n, int64_t abs, std::vector<int64_t>& elems);
  void Reset();
  // After a frame completed: ready for the next one (cheaper than Reset()).
  void NextFrame();
  int32_t rootType() const { return rootType_; }
  int32_t redirect() const { return redirect_; }
  // Bytes of attributes before the reply itself (0: none): the reply starts that far into the
  // frame, and rootType() is its type byte.
  int32_t attribPrefix() const { return attribPrefix_; }

 private:
  struct Level {
    int64_t left;    // values still expected
    bool attribute;  // an attribute: completing it completes no value of its parent
  };
  bool EndValue(int64_t endAbs, std::vector<int64_t>& elems);  // true when the frame is complete
  bool NoteRoot(uint8_t type, int64_t atAbs);
  bool EndLine(const char* head, size_t headLen, int64_t content, int64_t endAbs, std::vector<int64_t>& elems, bool* done);
  bool EndNumber(int64_t v, int64_t endAbs, std::vector<int64_t>& elems, bool* done);
  bool SkipPayload(const uint8_t* p, size_t take);

  std::vector<Level> stack_;  // open aggregates, outermost first
  int64_t bulkLeft_ = -1;     // payload bytes + CRLF still to skip
  int64_t bulkLen_ = 0;       // payload bytes of the string in progress
  int64_t payloadAt_ = 0;     // payload bytes skipped so far (verbatim and blob error checks)
  bool inLine_ = false;
  bool sawCR_ = false;
  uint8_t lineType_ = 0;
  uint8_t lex_ = 0;            // state of the double / big number check (LexState in the .cc)
  uint8_t payloadType_ = 0;    // '$', '!' or '=' while bulkLeft_ >= 0
  bool captureHead_ = false;   // keep the payload's first bytes (a top-level blob error)
  char line_[24];              // digits of a length/integer line, or the head of an error
  size_t lineLen_ = 0;         // bytes kept in line_
  int64_t lineTotal_ = 0;      // bytes of the line so far
  int64_t frameAt_ = -1;       // stream offset of the frame's first byte, -1 before it
  int32_t rootType_ = 0;
  int32_t redirect_ = 0;
  int32_t attribPrefix_ = 0;
};

// Recognises MOVED / ASK / TRYAGAIN / CLUSTERDOWN from the first bytes of an error reply.
int32_t ClassifyRedirect(const uint8_t* msg, size_t n);

}  // namespace slotproxy

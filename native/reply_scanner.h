// Frames backend replies, RESP2 and RESP3, one call per socket read; results go to typed arrays
// (records.h). All framing is RespFramer's (resp_framer.h), which keeps no reply bytes.
//
// Why not hiredis's reader, which the design card names: Debian 12's hiredis (0.14) reads no
// RESP3 at all, and hiredis 1.2 (the newest a registry ships as source, in the npm package
// redis-fast-driver) reads neither attributes ('|', which Redis 7.0 sends for DEBUG PROTOCOL
// attrib and may put before any reply) nor blob errors ('!'), so RespFramer had to frame every
// RESP3 type anyway. And it costs less: instructions per reply in 64 KiB reads (callgrind,
// bench/callgrind/run.sh and run-hiredis.sh), this scanner with its records against hiredis 1.2's
// bare reader with callbacks that do nothing, and the hiredis 0.14 scanner it replaces:
//                      +OK   :1  GET 64 B  $-1  MGET 100  -MOVED  HGETALL 10  ZSCORE  push
//   RespFramer         223  205    253     224   18882     237      3860       704    791
//   hiredis 1.2 bare   244  238    290     241   21491     438      4315      1291    838
//   hiredis 0.14 (old) 262  260    348     320   23701     452        -          -      -
// hiredis copies every byte it is fed into its own buffer, calls back per value and moves its
// buffer each KiB; the framer reads lines in place and counts payload bytes without touching
// them. Dropping hiredis also drops the hand-over of frames too deep for 0.14 (7 levels), which
// copied the frame's earlier reads, and the build's only library.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "resp_framer.h"

namespace slotproxy {

struct ReplyOutput {
  int32_t* records = nullptr;
  size_t recordCap = 0;  // in records
  int32_t* elems = nullptr;
  size_t elemCap = 0;    // in int32 entries
};

class ReplyScanner {
 public:
  // Takes all of buf[0, len); frames may have started in earlier calls. Returns the number of
  // records written. When more frames completed than there was room for, the header's status is
  // kRepMore and a call with len == 0 continues (offsets stay relative to the same buf).
  int32_t Scan(const uint8_t* buf, size_t len, const ReplyOutput& out);

 private:
  void Emit(size_t end, const ReplyOutput& out);

  RespFramer framer_;
  bool failed_ = false;
  int64_t fed_ = 0;             // stream offset after the last byte given
  int64_t base_ = 0;            // stream offset of buf[0] in this call
  std::vector<int64_t> elems_;  // element ends of the frame in progress (stream offsets)
  const uint8_t* buf_ = nullptr;  // the read being scanned (kept for kRepMore continuations)
  size_t len_ = 0;
  size_t pos_ = 0;                // bytes of buf_ framed so far
  size_t count_ = 0, elemUsed_ = 0;
};

}  // namespace slotproxy

// Frames backend replies with hiredis's reader (Debian's libhiredis-dev, linked statically).
// The reader is given callbacks that allocate nothing: they only note where top-level array
// elements end and whether an error is a cluster redirect. Replies nested deeper than hiredis
// supports continue in RespFramer. One call per socket read; results go to typed arrays.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "resp_framer.h"

struct redisReader;
struct redisReadTask;

namespace slotproxy {

struct ReplyOutput {
  int32_t* records = nullptr;
  size_t recordCap = 0;  // in records
  int32_t* elems = nullptr;
  size_t elemCap = 0;    // in int32 entries
};

class ReplyScanner {
 public:
  ReplyScanner();
  ~ReplyScanner();
  ReplyScanner(const ReplyScanner&) = delete;
  ReplyScanner& operator=(const ReplyScanner&) = delete;

  // Takes all of buf[0, len); frames may have started in earlier calls. Returns the number of
  // records written. When more frames completed than there was room for, the header's status is
  // kRepMore and a call with len == 0 continues (offsets stay relative to the same buf).
  int32_t Scan(const uint8_t* buf, size_t len, const ReplyOutput& out);

  // hiredis callbacks
  static void* OnString(const redisReadTask* task, char* str, size_t len);
  static void* OnArray(const redisReadTask* task, int elements);
  static void* OnInteger(const redisReadTask* task, long long value);
  static void* OnNil(const redisReadTask* task);
  static void OnFree(void* obj);

 private:
  void NewReader();
  void ElementEnded(const redisReadTask* task, size_t bufOffset);
  bool Emit(int64_t endAbs, int32_t type, int32_t redirect, const ReplyOutput& out);
  int32_t RunHiredis(const ReplyOutput& out);
  int32_t Drain(const ReplyOutput& out);
  bool BigBulkAhead() const;
  void Carry(const uint8_t* buf, size_t len);
  bool RunFramer(const uint8_t* p, size_t n, int64_t abs, const ReplyOutput& out, size_t* used);
  void FeedReader(const uint8_t* p, size_t n);

  redisReader* reader_ = nullptr;
  RespFramer framer_;
  bool deep_ = false;           // the frame in progress is in framer_ (too deep, or a big bulk string)
  bool failed_ = false;
  int64_t fed_ = 0;             // stream offset after the last byte fed
  int64_t frameStart_ = 0;      // stream offset where the frame in progress starts
  int64_t base_ = 0;            // stream offset of buf[0] in this call
  int32_t redirect_ = 0;        // of the frame in progress
  int32_t rootType_ = 0;
  std::vector<int64_t> elems_;  // element ends of the frame in progress (stream offsets)
  // Bytes of an array reply still arriving, from earlier reads: hiredis drops its buffer when a
  // reply is too deep, and the framer then needs the frame from its start.
  std::vector<uint8_t> carry_;
  const uint8_t* buf_ = nullptr;  // the read being scanned (kept for kRepMore continuations)
  size_t len_ = 0;
  size_t feedEnd_ = 0;              // bytes of buf_ handed to hiredis or the framer so far
  size_t count_ = 0, elemUsed_ = 0;
};

}  // namespace slotproxy

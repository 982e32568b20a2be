// A streaming RESP2 framer without a depth limit. hiredis 0.14 (Debian's libhiredis-dev) refuses
// replies nested deeper than 7 levels, yet Redis sends such replies (COMMAND DOCS, scripts
// returning nested tables); the reply scanner hands those frames to this framer so one deep
// reply never breaks a shared backend connection. lib/protocol/js-reply-scanner.ts is its twin.
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
  // Ends of top-level array elements are appended to elems (stream offsets); the root type
  // byte and redirect kind are left in rootType() / redirect().
  int64_t Feed(const uint8_t* p, size_t n, int64_t abs, std::vector<int64_t>& elems);
  void Reset();
  int32_t rootType() const { return rootType_; }
  int32_t redirect() const { return redirect_; }

 private:
  bool EndValue(int64_t endAbs, std::vector<int64_t>& elems);  // true when the frame is complete
  std::vector<int64_t> stack_;  // elements still expected by each open array
  int64_t bulkLeft_ = -1;       // payload bytes + CRLF still to skip
  bool inLine_ = false;
  bool sawCR_ = false;
  uint8_t lineType_ = 0;
  char line_[24];               // digits of a length/integer line, or the head of an error
  size_t lineLen_ = 0;      // bytes kept in line_
  int64_t lineTotal_ = 0;   // bytes of the line so far
  int32_t rootType_ = 0;
  int32_t redirect_ = 0;
};

// Recognises MOVED / ASK / TRYAGAIN / CLUSTERDOWN from the first bytes of an error reply.
int32_t ClassifyRedirect(const uint8_t* msg, size_t n);

}  // namespace slotproxy

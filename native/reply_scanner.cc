#include "reply_scanner.h"

#include <climits>

#include "records.h"

namespace slotproxy {

namespace {
inline bool IsAggregate(int32_t type) { return type == '*' || type == '%' || type == '~' || type == '>'; }
}  // namespace

void ReplyScanner::Emit(size_t end, const ReplyOutput& out) {
  int32_t* rec = out.records + kRepHeader + count_ * kRepRecord;
  const int32_t type = framer_.rootType();
  rec[kPEnd] = static_cast<int32_t>(end);
  rec[kPType] = type;
  rec[kPRedirect] = framer_.redirect();
  rec[kPElems] = -1;
  rec[kPAttrib] = framer_.attribPrefix();
  if (IsAggregate(type)) {
    // An element may end in an earlier read, 2 GiB back at most: offsets are int32 from buf.
    bool fits = elemUsed_ + 1 + elems_.size() <= out.elemCap && (elems_.empty() || elems_.front() - base_ >= INT32_MIN);
    if (fits) {
      rec[kPElems] = static_cast<int32_t>(elemUsed_);
      out.elems[elemUsed_++] = static_cast<int32_t>(elems_.size());
      for (int64_t e : elems_) out.elems[elemUsed_++] = static_cast<int32_t>(e - base_);
    } else {
      rec[kPElems] = -2;
    }
  }
  count_++;
  elems_.clear();
  framer_.NextFrame();
}

int32_t ReplyScanner::Scan(const uint8_t* buf, size_t len, const ReplyOutput& out) {
  count_ = 0;
  elemUsed_ = 0;
  int32_t status = kRepDone;
  if (failed_) {
    status = kRepError;
  } else {
    if (len) {
      base_ = fed_;
      fed_ += static_cast<int64_t>(len);
      buf_ = buf;
      len_ = len;
      pos_ = 0;
    }
    while (pos_ < len_) {
      if (count_ >= out.recordCap) {
        status = kRepMore;
        break;
      }
      const int64_t r = framer_.Feed(buf_ + pos_, len_ - pos_, base_ + static_cast<int64_t>(pos_), elems_);
      if (r == RespFramer::kProtocolError) {
        failed_ = true;
        status = kRepError;
        break;
      }
      if (r == RespFramer::kNeedMore) {
        pos_ = len_;
        break;
      }
      pos_ += static_cast<size_t>(r);
      Emit(pos_, out);
    }
  }
  out.records[kRepCount] = static_cast<int32_t>(count_);
  out.records[kRepStatus] = status;
  out.records[kRepElems] = static_cast<int32_t>(elemUsed_);
  return static_cast<int32_t>(count_);
}

}  // namespace slotproxy

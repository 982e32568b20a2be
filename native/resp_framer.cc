#include "resp_framer.h"

#include <cstring>

#include "records.h"

namespace slotproxy {

int32_t ClassifyRedirect(const uint8_t* msg, size_t n) {
  auto starts = [&](const char* s, size_t len) { return n >= len && memcmp(msg, s, len) == 0; };
  if (starts("MOVED ", 6)) return kRedirMoved;
  if (starts("ASK ", 4)) return kRedirAsk;
  if (starts("TRYAGAIN", 8)) return kRedirTryAgain;
  if (starts("CLUSTERDOWN", 11)) return kRedirClusterDown;
  return kRedirNone;
}

void RespFramer::Reset() {
  stack_.clear();
  bulkLeft_ = -1;
  inLine_ = false;
  sawCR_ = false;
  lineLen_ = 0;
  lineTotal_ = 0;
  rootType_ = 0;
  redirect_ = 0;
}

bool RespFramer::EndValue(int64_t endAbs, std::vector<int64_t>& elems) {
  while (!stack_.empty()) {
    if (stack_.size() == 1) elems.push_back(endAbs);
    if (--stack_.back() > 0) return false;
    stack_.pop_back();  // that array is complete too, and is itself an element of its parent
  }
  return true;
}

namespace {
constexpr int64_t kMaxBulk = (int64_t{1} << 53) - 3;

bool ParseInt(const char* s, size_t n, int64_t* out) {
  if (n == 0) return false;
  size_t i = 0;
  bool neg = false;
  if (s[0] == '-') {
    neg = true;
    if (++i == n) return false;
  }
  if (n - i > 19) return false;  // INT64 has 19 digits (INCR near its limits replies with them)
  uint64_t v = 0;
  for (; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + static_cast<uint64_t>(s[i] - '0');
  }
  if (v > static_cast<uint64_t>(INT64_MAX) + (neg ? 1 : 0)) return false;
  *out = neg ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
  return true;
}
}  // namespace

int64_t RespFramer::Feed(const uint8_t* p, size_t n, int64_t abs, std::vector<int64_t>& elems) {
  size_t i = 0;
  while (i < n) {
    if (bulkLeft_ >= 0) {
      size_t take = static_cast<size_t>(bulkLeft_) < n - i ? static_cast<size_t>(bulkLeft_) : n - i;
      i += take;
      bulkLeft_ -= take;
      if (bulkLeft_ > 0) return kNeedMore;
      bulkLeft_ = -1;
      if (EndValue(abs + i, elems)) return static_cast<int64_t>(i);
      continue;
    }
    if (!inLine_) {
      lineType_ = p[i++];
      if (lineType_ != '+' && lineType_ != '-' && lineType_ != ':' && lineType_ != '$' && lineType_ != '*') {
        return kProtocolError;
      }
      if (stack_.empty()) rootType_ = lineType_;
      inLine_ = true;
      sawCR_ = false;
      lineLen_ = 0;
      lineTotal_ = 0;
      continue;
    }
    // Inside a line, which ends at "\r\n". Only its first bytes are kept: enough for a number
    // or to recognise a redirect.
    const uint8_t* start = p + i;
    const uint8_t* lf = static_cast<const uint8_t*>(memchr(start, '\n', n - i));
    size_t upto = lf ? static_cast<size_t>(lf - start) : n - i;
    for (size_t k = 0; k < upto && lineLen_ < sizeof(line_); k++) line_[lineLen_++] = static_cast<char>(start[k]);
    if (upto > 0) sawCR_ = start[upto - 1] == '\r';
    lineTotal_ += upto;
    i += upto;
    if (!lf) return kNeedMore;
    i++;
    if (!sawCR_) {
      if (lineType_ != '+' && lineType_ != '-') return kProtocolError;
      lineTotal_++;  // a bare '\n' is text inside a status or error line
      if (lineLen_ < sizeof(line_)) line_[lineLen_++] = '\n';
      continue;
    }
    inLine_ = false;
    size_t contentLen = static_cast<size_t>(lineTotal_ - 1);
    if (contentLen > lineLen_) contentLen = lineLen_;
    if (lineType_ == '+' || lineType_ == '-') {
      if (lineType_ == '-' && stack_.empty()) {
        redirect_ = ClassifyRedirect(reinterpret_cast<const uint8_t*>(line_), contentLen);
      }
      if (EndValue(abs + i, elems)) return static_cast<int64_t>(i);
      continue;
    }
    if (static_cast<size_t>(lineTotal_ - 1) > contentLen) return kProtocolError;
    int64_t v;
    if (!ParseInt(line_, contentLen, &v)) return kProtocolError;
    if (lineType_ == ':') {
      if (EndValue(abs + i, elems)) return static_cast<int64_t>(i);
    } else if (lineType_ == '$') {
      // Beyond 2^53 a length is not a real reply (and v + 2 must not overflow); the TypeScript twin
      // draws the same line.
      if (v < -1 || v > kMaxBulk) return kProtocolError;
      if (v == -1) {
        if (EndValue(abs + i, elems)) return static_cast<int64_t>(i);
      } else {
        bulkLeft_ = v + 2;
      }
    } else {  // '*'
      if (v < -1 || v > INT32_MAX) return kProtocolError;
      if (v <= 0) {
        if (EndValue(abs + i, elems)) return static_cast<int64_t>(i);
      } else {
        stack_.push_back(v);
      }
    }
  }
  return kNeedMore;
}

}  // namespace slotproxy

#include "reply_scanner.h"

#include <hiredis/read.h>

#include <climits>
#include <cstring>

#include "records.h"

namespace slotproxy {

namespace {
redisReplyObjectFunctions kCallbacks = {ReplyScanner::OnString, ReplyScanner::OnArray, ReplyScanner::OnInteger,
                                        ReplyScanner::OnNil, ReplyScanner::OnFree};
// hiredis treats a null object as out-of-memory; every callback returns this instead.
int kNoObject;
constexpr size_t kKeepReaderBuffer = 1 << 20;  // larger idle buffers are released by hiredis
constexpr size_t kFeedSlice = 4096;
constexpr size_t kBigBulk = 8192;  // bulk strings at least this long skip hiredis

inline ReplyScanner* Self(const redisReadTask* task) { return static_cast<ReplyScanner*>(task->privdata); }
}  // namespace

ReplyScanner::ReplyScanner() { NewReader(); }

ReplyScanner::~ReplyScanner() {
  if (reader_) redisReaderFree(reader_);
}

void ReplyScanner::NewReader() {
  if (reader_) redisReaderFree(reader_);
  reader_ = redisReaderCreateWithFunctions(&kCallbacks);
  reader_->privdata = this;
  reader_->maxbuf = kKeepReaderBuffer;
}

void ReplyScanner::ElementEnded(const redisReadTask* task, size_t bufOffset) {
  int64_t endAbs = fed_ - static_cast<int64_t>(reader_->len - bufOffset);
  for (const redisReadTask* t = task; t->parent; t = t->parent) {
    if (!t->parent->parent) {
      elems_.push_back(endAbs);
      return;
    }
    if (t->idx != t->parent->elements - 1) return;  // its parent array is not complete yet
  }
}

void* ReplyScanner::OnString(const redisReadTask* task, char* str, size_t len) {
  ReplyScanner* self = Self(task);
  redisReader* r = self->reader_;
  if (!task->parent) {
    self->rootType_ = task->type == REDIS_REPLY_STRING ? '$' : task->type == REDIS_REPLY_ERROR ? '-' : '+';
    if (task->type == REDIS_REPLY_ERROR) self->redirect_ = ClassifyRedirect(reinterpret_cast<uint8_t*>(str), len);
  }
  // hiredis has advanced past the line of a status or error, but not yet past a bulk payload.
  size_t end = task->type == REDIS_REPLY_STRING ? static_cast<size_t>(str - r->buf) + len + 2 : r->pos;
  self->ElementEnded(task, end);
  return &kNoObject;
}

void* ReplyScanner::OnArray(const redisReadTask* task, int elements) {
  ReplyScanner* self = Self(task);
  if (!task->parent) self->rootType_ = '*';
  if (elements == 0) self->ElementEnded(task, self->reader_->pos);
  return &kNoObject;
}

void* ReplyScanner::OnInteger(const redisReadTask* task, long long) {
  ReplyScanner* self = Self(task);
  if (!task->parent) self->rootType_ = ':';
  self->ElementEnded(task, self->reader_->pos);
  return &kNoObject;
}

void* ReplyScanner::OnNil(const redisReadTask* task) {
  ReplyScanner* self = Self(task);
  redisReader* r = self->reader_;
  if (!task->parent) self->rootType_ = task->type == REDIS_REPLY_ARRAY ? '*' : '$';
  size_t end = r->pos;
  if (task->type != REDIS_REPLY_ARRAY) {  // "$-1\r\n": hiredis stands just after the '$'
    const char* lf = static_cast<const char*>(memchr(r->buf + r->pos, '\n', r->len - r->pos));
    end = static_cast<size_t>(lf - r->buf) + 1;
  }
  self->ElementEnded(task, end);
  return &kNoObject;
}

void ReplyScanner::OnFree(void*) {}

bool ReplyScanner::Emit(int64_t endAbs, int32_t type, int32_t redirect, const ReplyOutput& out) {
  int32_t* rec = out.records + kRepHeader + count_ * kRepRecord;
  rec[kPEnd] = static_cast<int32_t>(endAbs - base_);
  rec[kPType] = type;
  rec[kPRedirect] = redirect;
  rec[kPElems] = -1;
  if (type == '*') {
    bool fits = elemUsed_ + 1 + elems_.size() <= out.elemCap &&
                (elems_.empty() || elems_.front() - base_ >= INT32_MIN);
    if (fits) {
      rec[kPElems] = static_cast<int32_t>(elemUsed_);
      out.elems[elemUsed_++] = static_cast<int32_t>(elems_.size());
      for (int64_t e : elems_) out.elems[elemUsed_++] = static_cast<int32_t>(e - base_);
    } else {
      rec[kPElems] = -2;
    }
  }
  count_++;
  frameStart_ = endAbs;
  elems_.clear();
  redirect_ = 0;
  rootType_ = 0;
  return true;
}

void ReplyScanner::FeedReader(const uint8_t* p, size_t n) {
  if (n) redisReaderFeed(reader_, reinterpret_cast<const char*>(p), n);
}

bool ReplyScanner::RunFramer(const uint8_t* p, size_t n, int64_t abs, const ReplyOutput& out, size_t* used) {
  int64_t r = framer_.Feed(p, n, abs, elems_);
  if (r == RespFramer::kProtocolError) {
    failed_ = true;
    return false;
  }
  if (r == RespFramer::kNeedMore) {
    *used = n;
    return true;
  }
  Emit(abs + r, framer_.rootType(), framer_.redirect(), out);
  framer_.Reset();
  deep_ = false;
  *used = static_cast<size_t>(r);
  return true;
}

int32_t ReplyScanner::RunHiredis(const ReplyOutput& out) {
  for (;;) {
    if (count_ >= out.recordCap) return kRepMore;
    void* reply = nullptr;
    if (redisReaderGetReply(reader_, &reply) == REDIS_OK) {
      if (!reply) return kRepDone;
      Emit(fed_ - static_cast<int64_t>(reader_->len - reader_->pos), rootType_, redirect_, out);
      continue;
    }
    if (reader_->err != REDIS_ERR_PROTOCOL || !strstr(reader_->errstr, "depth")) {
      failed_ = true;
      return kRepError;
    }
    // Too deep for hiredis, which has dropped its buffer. The frame's bytes are the carried
    // ones from earlier reads plus this read's, from the frame start to what was fed (the header
    // that was too deep is among them: hiredis parsed everything before it without complaint).
    int64_t startInBuf = frameStart_ - base_;
    std::vector<uint8_t> bytes;
    if (startInBuf < 0) bytes = carry_;
    size_t from = startInBuf < 0 ? 0 : static_cast<size_t>(startInBuf);
    bytes.insert(bytes.end(), buf_ + from, buf_ + feedEnd_);
    size_t carried = startInBuf < 0 ? carry_.size() : 0;
    carry_.clear();
    elems_.clear();
    redirect_ = 0;
    framer_.Reset();
    deep_ = true;
    NewReader();
    size_t used = 0;
    if (!RunFramer(bytes.data(), bytes.size(), frameStart_, out, &used)) return kRepError;
    if (deep_) return kRepDone;
    // The deep frame ended inside what was fed: the rest of that goes to the new reader.
    size_t rest = from + (used - carried);
    FeedReader(buf_ + rest, feedEnd_ - rest);
  }
}

void ReplyScanner::Carry(const uint8_t* buf, size_t len) {
  if (deep_ || fed_ == frameStart_) {
    carry_.clear();
    return;
  }
  int64_t startInBuf = frameStart_ - base_;
  if (startInBuf >= 0) {
    // Only arrays can nest too deep for hiredis; a long bulk string is not copied.
    carry_.clear();
    if (buf[startInBuf] == '*') carry_.assign(buf + startInBuf, buf + len);
  } else if (!carry_.empty()) {
    carry_.insert(carry_.end(), buf, buf + len);
  }
}

int32_t ReplyScanner::Scan(const uint8_t* buf, size_t len, const ReplyOutput& out) {
  count_ = 0;
  elemUsed_ = 0;
  int32_t status = kRepError;
  if (!failed_) {
    if (len) {
      base_ = fed_;
      buf_ = buf;
      len_ = len;
      feedEnd_ = 0;
    }
    status = Drain(out);
    if (status == kRepDone) Carry(buf_, len_);
  }
  out.records[kRepCount] = static_cast<int32_t>(count_);
  out.records[kRepStatus] = status;
  out.records[kRepElems] = static_cast<int32_t>(elemUsed_);
  return static_cast<int32_t>(count_);
}

bool ReplyScanner::BigBulkAhead() const {
  // a plain length only ("$" then 1-9 and digits): for anything odder, hiredis's own rules apply
  if (buf_[feedEnd_] != '$' || feedEnd_ + 1 >= len_ || buf_[feedEnd_ + 1] < '1' || buf_[feedEnd_ + 1] > '9') return false;
  int64_t n = 0;
  for (size_t i = feedEnd_ + 1; i < len_ && i < feedEnd_ + 21; i++) {
    uint8_t c = buf_[i];
    // only a well-formed header line: on anything else hiredis and the framer could disagree
    if (c == '\r') return i + 1 < len_ && buf_[i + 1] == '\n' && i > feedEnd_ + 1 && n >= static_cast<int64_t>(kBigBulk) &&
                            n < (int64_t{1} << 53) - 2;  // longer ones the framer refuses: hiredis decides
    if (c < '0' || c > '9') return false;
    if (n < (int64_t{1} << 53)) n = n * 10 + (c - '0');  // saturates: the framer refuses such lengths
  }
  return false;
}

// hiredis moves the unread rest of its buffer to the front each time it has consumed 1 KiB
// (sdsrange in redisReaderGetReply): fed a whole 64 KiB read at once, it would move tens of times
// the bytes it reads. Fed in slices, each move is at most a slice.
int32_t ReplyScanner::Drain(const ReplyOutput& out) {
  for (;;) {
    if (deep_) {
      size_t used = 0;
      bool ok = RunFramer(buf_ + feedEnd_, len_ - feedEnd_, base_ + static_cast<int64_t>(feedEnd_), out, &used);
      feedEnd_ += used;
      fed_ = base_ + static_cast<int64_t>(feedEnd_);
      if (!ok) return kRepError;
      if (deep_) return kRepDone;  // all of it went to the framer
    }
    int32_t status = RunHiredis(out);
    if (status != kRepDone || deep_) {
      if (status != kRepDone) return status;
      continue;
    }
    if (feedEnd_ >= len_) return kRepDone;
    if (fed_ == frameStart_ && BigBulkAhead()) {
      // A large bulk string: hiredis would copy all of it into its buffer before the frame is
      // complete; the framer only counts its bytes.
      framer_.Reset();
      deep_ = true;
      continue;
    }
    size_t slice = len_ - feedEnd_ < kFeedSlice ? len_ - feedEnd_ : kFeedSlice;
    fed_ = base_ + static_cast<int64_t>(feedEnd_ + slice);
    FeedReader(buf_ + feedEnd_, slice);
    feedEnd_ += slice;
  }
}

}  // namespace slotproxy

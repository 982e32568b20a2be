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

int32_t ReplyScanner::RunHiredis(const uint8_t* buf, size_t len, const ReplyOutput& out) {
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
    // ones from earlier reads plus this read's from the frame start (the header that was too
    // deep is in this read: hiredis parsed everything before it without complaint).
    int64_t startInBuf = frameStart_ - base_;
    std::vector<uint8_t> bytes;
    if (startInBuf < 0) bytes = carry_;
    size_t from = startInBuf < 0 ? 0 : static_cast<size_t>(startInBuf);
    bytes.insert(bytes.end(), buf + from, buf + len);
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
    // The deep frame ended inside this read: the rest goes to the new reader.
    size_t rest = from + (used - carried);
    FeedReader(buf + rest, len - rest);
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
    bool ok = true;
    if (len) {
      base_ = fed_;
      fed_ += static_cast<int64_t>(len);
      buf_ = buf;
      len_ = len;
      size_t used = 0;
      if (deep_) ok = RunFramer(buf, len, base_, out, &used);
      if (ok && !deep_) FeedReader(buf + used, len - used);
    }
    status = !ok ? kRepError : deep_ ? kRepDone : RunHiredis(buf_, len_, out);
    if (status == kRepDone) Carry(buf_, len_);
  }
  out.records[kRepCount] = static_cast<int32_t>(count_);
  out.records[kRepStatus] = status;
  out.records[kRepElems] = static_cast<int32_t>(elemUsed_);
  return static_cast<int32_t>(count_);
}

}  // namespace slotproxy

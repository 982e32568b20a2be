#include "send_batch.h"

#include <errno.h>
#include <string.h>

#if defined(__linux__)
#include <linux/io_uring.h>
#include <sys/socket.h>
#include <sys/uio.h>
#endif

#include "addon_data.h"
#include "bound.h"

namespace slotproxy {
namespace {

// One flush's sends: at pipeline 1 one per client that had a reply, at most the clients read in
// one loop turn; more than this are made at once.
constexpr unsigned kEntries = 256;
constexpr size_t kArena = 256 * 1024;
// An entry the kernel never took (its submission failed): nothing of it was sent.
constexpr int32_t kNotSubmitted = INT32_MIN;

}  // namespace

int SendBatch::State() {
  if (!tried_) {
    tried_ = true;
    error_ = ring_.Open(kEntries);
    if (error_ == 0) {
      arena_.resize(kArena);
      entries_.reserve(kEntries);
    }
  }
  return error_;
}

int32_t SendBatch::Queue(int fd, const struct iovec* iov, uint32_t count, size_t total) {
#if defined(__linux__)
  if (total > kQueueMax || State() != 0) return -1;
  if (submitted_) {
    entries_.clear();
    used_ = 0;
    submitted_ = false;
  }
  if (used_ + total > arena_.size()) return -1;
  // (nullptr: as many sends are queued as the ring takes)
  io_uring_sqe* sqe = ring_.Next();
  if (sqe == nullptr) return -1;
  uint8_t* at = arena_.data() + used_;
  for (uint32_t r = 0; r < count; r++) {
    memcpy(at, iov[r].iov_base, iov[r].iov_len);
    at += iov[r].iov_len;
  }
  int32_t entry = static_cast<int32_t>(entries_.size());
  sqe->opcode = kOpSend;
  sqe->fd = fd;
  sqe->addr = reinterpret_cast<uint64_t>(arena_.data() + used_);
  sqe->len = static_cast<uint32_t>(total);
  sqe->msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL;
  sqe->user_data = static_cast<uint64_t>(entry);
  entries_.push_back(Entry{static_cast<uint32_t>(used_), static_cast<uint32_t>(total), kNotSubmitted});
  used_ += total;
  return entry;
#else
  (void)fd, (void)iov, (void)count, (void)total;
  return -1;
#endif
}

uint32_t SendBatch::Submit(int32_t* out, uint32_t capacity) {
  if (submitted_ || entries_.empty()) return 0;
  submitted_ = true;
  ring_.SubmitAndWait();
  ring_.Reap([this](uint64_t data, int32_t res) {
    if (data < entries_.size()) entries_[data].result = res;
  });
  uint32_t n = 0;
  for (size_t i = 0; i < entries_.size() && n < capacity; i++) {
    const Entry& e = entries_[i];
    if (e.result == static_cast<int32_t>(e.len)) continue;
    int32_t taken = e.result == kNotSubmitted || e.result == -EAGAIN ? 0 : e.result;
    out[3 * n] = static_cast<int32_t>(i);
    out[3 * n + 1] = taken;
    out[3 * n + 2] = static_cast<int32_t>(e.len);
    n++;
  }
  return n;
}

const uint8_t* SendBatch::Bytes(int32_t entry, uint32_t from, size_t* len) const {
  if (!submitted_ || entry < 0 || static_cast<size_t>(entry) >= entries_.size()) return nullptr;
  const Entry& e = entries_[static_cast<size_t>(entry)];
  if (from > e.len) return nullptr;
  *len = e.len - from;
  return arena_.data() + e.at + from;
}

std::shared_ptr<SendBatch> SendBatchOf(Napi::Env env) { return env.GetInstanceData<AddonData>()->sends; }

// submitSends(results: Int32Array) -> how many sends were not taken whole; for each,
// (entry, bytes taken or -errno, bytes) in `results`.
Napi::Value SubmitSends(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    return Throw(env, "submitSends(results: Int32Array)");
  }
  Napi::Int32Array results = info[0].As<Napi::Int32Array>();
  uint32_t n = SendBatchOf(env)->Submit(results.Data(), static_cast<uint32_t>(results.ElementLength() / 3));
  return Napi::Value(env, Int32(env, static_cast<int32_t>(n)));
}

// queuedBytes(entry, from) -> a copy of what the last submit did not send of `entry`.
Napi::Value QueuedBytes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber()) return Throw(env, "queuedBytes(entry, from)");
  size_t len = 0;
  int32_t from = info[1].As<Napi::Number>().Int32Value();
  const uint8_t* bytes = from < 0 ? nullptr : SendBatchOf(env)->Bytes(info[0].As<Napi::Number>().Int32Value(), static_cast<uint32_t>(from), &len);
  if (bytes == nullptr) return Throw(env, "queuedBytes: no such entry in the last submit");
  return Napi::Buffer<uint8_t>::Copy(env, bytes, len);
}

// sendBatchState() -> 0 when sends are batched here, else -errno of io_uring's setup.
Napi::Value SendBatchState(const Napi::CallbackInfo& info) {
  return Napi::Value(info.Env(), Int32(info.Env(), SendBatchOf(info.Env())->State()));
}

}  // namespace slotproxy

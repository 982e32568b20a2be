// Client writes batched into one system call: the sends of one flush of client replies are
// queued here (their bytes copied) and handed to the kernel together through io_uring when
// TypeScript ends the flush (lib/io/send-batch.ts). At pipeline 1 each client write was a
// sendmsg of its own: one io_uring_enter per flush instead takes a system call per request away
// and some kernel time with it (bench/results/hot-path-figures.md, "batched system calls").
//
// A queued send is one range of at most kQueueMax bytes to a socket, with MSG_DONTWAIT: it is done
// when the call returns, whole, in part (the socket's buffer filled), or not at all (EAGAIN,
// an error), and TypeScript writes what was not taken through the socket's stream, as it does
// after a direct send (lib/io/socket-fd.ts). Where io_uring is not there, nothing is queued and
// every send is made at once.
#pragma once

#include <napi.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "uring.h"

struct iovec;

namespace slotproxy {

class SendBatch {
 public:
  // Sends larger than this are made at once: batching saves a system call, which is little to a
  // send of kilobytes, and a queued send is copied (hot-path-figures.md, "batch limits").
  static constexpr size_t kQueueMax = 4 * 1024;

  // Queues the `count` ranges of iov (`total` bytes, copied) as one send to `fd`: its entry's
  // index, or -1 when not queued (no io_uring, the batch is full, the send is too large), and
  // the caller sends at once.
  int32_t Queue(int fd, const struct iovec* iov, uint32_t count, size_t total);
  // Makes the queued sends (one io_uring_enter) and writes (entry, bytes taken or -errno, bytes)
  // into `out` for each one the kernel did not take whole, up to `capacity` of them; returns how
  // many it wrote. Their bytes stay readable with Bytes() until the next Queue().
  uint32_t Submit(int32_t* out, uint32_t capacity);
  // The bytes of entry `entry` from `from` on, or nullptr (no such entry, or it was let go).
  const uint8_t* Bytes(int32_t entry, uint32_t from, size_t* len) const;
  // 0 when io_uring is ready (set up on first use), else -errno of its setup.
  int State();

 private:
  struct Entry {
    uint32_t at;
    uint32_t len;
    int32_t result;
  };

  Ring ring_;
  bool tried_ = false;
  int error_ = 0;
  std::vector<uint8_t> arena_;
  std::vector<Entry> entries_;
  size_t used_ = 0;
  // entries_ holds the last submit's results (cleared by the next Queue)
  bool submitted_ = false;
};

std::shared_ptr<SendBatch> SendBatchOf(Napi::Env env);

// submitSends(results: Int32Array) -> count; queuedBytes(entry, from) -> Buffer;
// sendBatchState() -> 0 or -errno. See send_batch.cc.
Napi::Value SubmitSends(const Napi::CallbackInfo& info);
Napi::Value QueuedBytes(const Napi::CallbackInfo& info);
Napi::Value SendBatchState(const Napi::CallbackInfo& info);

}  // namespace slotproxy

// Just enough of io_uring (Linux 5.7+) to hand the kernel many socket sends in one system call:
// setting a ring up, filling submission entries, one io_uring_enter to submit them and wait for
// their completions, reading the completions back. liburing does more than this needs (and is
// not in every build image); the ring's layout is the kernel's ABI (linux/io_uring.h).
//
// Where io_uring is missing or refused (Linux before 5.7, other systems, the io_uring_disabled
// sysctl, container seccomp profiles that filter it) Open() fails and the caller does without.
#pragma once

#include <stddef.h>
#include <stdint.h>

struct io_uring_sqe;
struct io_uring_cqe;

namespace slotproxy {

// Opcodes by their values in the kernel's ABI, so that the addon also builds against kernel
// headers older than the kernels it uses them on (Open() checks the running one).
constexpr uint8_t kOpSend = 26;  // IORING_OP_SEND, Linux 5.6
constexpr uint8_t kOpRecv = 27;  // IORING_OP_RECV, Linux 5.6

class Ring {
 public:
  Ring() = default;
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;
  ~Ring();

  // 0, or -errno: ENOSYS where the system has no io_uring (or one older than 5.7, without
  // IORING_FEAT_FAST_POLL), EPERM where it is refused.
  int Open(unsigned entries);
  bool IsOpen() const { return fd_ >= 0; }

  // The next submission entry, zeroed, or nullptr when as many as the ring holds are waiting.
  io_uring_sqe* Next();
  // Submits the entries Next() gave and waits until each has completed; the number submitted,
  // or -errno. Meant for operations that never wait (MSG_DONTWAIT sends): they complete during
  // the call, so the wait is no wait.
  int SubmitAndWait();
  // Calls f(user_data, res) for each completion posted, and frees their slots.
  template <typename F>
  void Reap(F f);

 private:
  const io_uring_cqe* CompletionAt(unsigned index) const;
  unsigned CompletionTail() const;
  void AdvanceCompletions(unsigned head);
  static uint64_t UserData(const io_uring_cqe* c);
  static int32_t Result(const io_uring_cqe* c);

  int fd_ = -1;
  unsigned sqEntries_ = 0;
  unsigned* sqHead_ = nullptr;
  unsigned* sqTail_ = nullptr;
  unsigned sqMask_ = 0;
  unsigned* sqArray_ = nullptr;
  unsigned* cqHead_ = nullptr;
  unsigned* cqTail_ = nullptr;
  unsigned cqMask_ = 0;
  io_uring_sqe* sqes_ = nullptr;
  io_uring_cqe* cqes_ = nullptr;
  // (local copy of the tail: entries filled but not yet submitted)
  unsigned tail_ = 0;
  unsigned pending_ = 0;
  void* ringMap_ = nullptr;
  size_t ringMapSize_ = 0;
  void* cqMap_ = nullptr;
  size_t cqMapSize_ = 0;
  void* sqeMap_ = nullptr;
  size_t sqeMapSize_ = 0;
};

template <typename F>
void Ring::Reap(F f) {
  unsigned head = *cqHead_;
  unsigned tail = CompletionTail();
  for (; head != tail; head++) {
    const io_uring_cqe* c = CompletionAt(head);
    f(UserData(c), Result(c));
  }
  AdvanceCompletions(head);
}

}  // namespace slotproxy

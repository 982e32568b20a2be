#include "uring.h"

#include <errno.h>

#if defined(__linux__)

#include <linux/io_uring.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

// (flags newer than some build machines' headers, by their ABI values)
#ifndef IORING_SETUP_SUBMIT_ALL
#define IORING_SETUP_SUBMIT_ALL (1U << 7)
#endif
#ifndef IORING_FEAT_FAST_POLL
#define IORING_FEAT_FAST_POLL (1U << 5)
#endif

namespace slotproxy {
namespace {

int Setup(unsigned entries, io_uring_params* p) { return static_cast<int>(syscall(__NR_io_uring_setup, entries, p)); }

int Enter(int fd, unsigned submit, unsigned wait, unsigned flags) {
  return static_cast<int>(syscall(__NR_io_uring_enter, fd, submit, wait, flags, nullptr, 0));
}

template <typename T>
T* At(void* base, uint32_t offset) {
  return reinterpret_cast<T*>(static_cast<char*>(base) + offset);
}

unsigned LoadAcquire(const unsigned* p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
void StoreRelease(unsigned* p, unsigned v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }

}  // namespace

int Ring::Open(unsigned entries) {
  if (fd_ >= 0) return 0;
  io_uring_params p;
  memset(&p, 0, sizeof p);
  // SUBMIT_ALL (5.18): an entry the kernel refuses does not stop the ones after it; older
  // kernels refuse the flag, and Submit then goes on after such an entry itself.
  p.flags = IORING_SETUP_SUBMIT_ALL;
  int fd = Setup(entries, &p);
  if (fd < 0 && errno == EINVAL) {
    memset(&p, 0, sizeof p);
    fd = Setup(entries, &p);
  }
  if (fd < 0) return -errno;
  // SEND and RECV came in 5.6; FAST_POLL says 5.7 or later (5.1-5.5 would fail each such
  // operation with EINVAL: a read's error would close its socket)
  if ((p.features & IORING_FEAT_FAST_POLL) == 0) {
    close(fd);
    return -ENOSYS;
  }
  size_t sqSize = p.sq_off.array + p.sq_entries * sizeof(unsigned);
  size_t cqSize = p.cq_off.cqes + p.cq_entries * sizeof(io_uring_cqe);
  bool single = (p.features & IORING_FEAT_SINGLE_MMAP) != 0;
  if (single && cqSize > sqSize) sqSize = cqSize;
  void* sq = mmap(nullptr, sqSize, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
  if (sq == MAP_FAILED) {
    int err = errno;
    close(fd);
    return -err;
  }
  ringMap_ = sq;
  ringMapSize_ = sqSize;
  void* cq = sq;
  if (!single) {
    cq = mmap(nullptr, cqSize, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_CQ_RING);
    if (cq == MAP_FAILED) {
      int err = errno;
      munmap(sq, sqSize);
      ringMap_ = nullptr;
      close(fd);
      return -err;
    }
    cqMap_ = cq;
    cqMapSize_ = cqSize;
  }
  size_t sqeSize = p.sq_entries * sizeof(io_uring_sqe);
  void* sqes = mmap(nullptr, sqeSize, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
  if (sqes == MAP_FAILED) {
    int err = errno;
    munmap(sq, sqSize);
    ringMap_ = nullptr;
    if (cqMap_ != nullptr) munmap(cqMap_, cqMapSize_);
    cqMap_ = nullptr;
    close(fd);
    return -err;
  }
  sqeMap_ = sqes;
  sqeMapSize_ = sqeSize;
  fd_ = fd;
  sqEntries_ = p.sq_entries;
  sqHead_ = At<unsigned>(sq, p.sq_off.head);
  sqTail_ = At<unsigned>(sq, p.sq_off.tail);
  sqMask_ = *At<unsigned>(sq, p.sq_off.ring_mask);
  sqArray_ = At<unsigned>(sq, p.sq_off.array);
  cqHead_ = At<unsigned>(cq, p.cq_off.head);
  cqTail_ = At<unsigned>(cq, p.cq_off.tail);
  cqMask_ = *At<unsigned>(cq, p.cq_off.ring_mask);
  cqes_ = At<io_uring_cqe>(cq, p.cq_off.cqes);
  sqes_ = static_cast<io_uring_sqe*>(sqes);
  tail_ = *sqTail_;
  return 0;
}

Ring::~Ring() {
  if (sqeMap_ != nullptr) munmap(sqeMap_, sqeMapSize_);
  if (cqMap_ != nullptr) munmap(cqMap_, cqMapSize_);
  if (ringMap_ != nullptr) munmap(ringMap_, ringMapSize_);
  if (fd_ >= 0) close(fd_);
}

io_uring_sqe* Ring::Next() {
  if (fd_ < 0 || pending_ == sqEntries_) return nullptr;
  unsigned index = tail_ & sqMask_;
  io_uring_sqe* sqe = &sqes_[index];
  memset(sqe, 0, sizeof *sqe);
  sqArray_[index] = index;
  tail_++;
  pending_++;
  return sqe;
}

int Ring::SubmitAndWait() {
  if (pending_ == 0) return 0;
  StoreRelease(sqTail_, tail_);
  unsigned want = pending_;
  pending_ = 0;
  unsigned submitted = 0;
  // Without SUBMIT_ALL the kernel stops after an entry it refuses (posting its error as that
  // entry's completion): submit the rest in another call.
  while (submitted < want) {
    int n = Enter(fd_, want - submitted, 0, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      // The entries left are taken back (the kernel reads the queue only in io_uring_enter): they
      // get no completion, and the caller counts them as not done.
      tail_ = LoadAcquire(sqHead_);
      StoreRelease(sqTail_, tail_);
      if (submitted == 0) return n < 0 ? -errno : 0;
      break;
    }
    submitted += static_cast<unsigned>(n);
  }
  // Sends with MSG_DONTWAIT complete while they are submitted; should one not have, wait for it
  // (the completions still in the ring are all this call's: the caller reaps them every time).
  while (CompletionTail() - *cqHead_ < submitted) {
    if (Enter(fd_, 0, submitted, IORING_ENTER_GETEVENTS) < 0 && errno != EINTR) break;
  }
  return static_cast<int>(submitted);
}

const io_uring_cqe* Ring::CompletionAt(unsigned index) const { return &cqes_[index & cqMask_]; }
unsigned Ring::CompletionTail() const { return LoadAcquire(cqTail_); }
void Ring::AdvanceCompletions(unsigned head) { StoreRelease(cqHead_, head); }
uint64_t Ring::UserData(const io_uring_cqe* c) { return c->user_data; }
int32_t Ring::Result(const io_uring_cqe* c) { return c->res; }

}  // namespace slotproxy

#else  // not Linux: no io_uring

namespace slotproxy {

int Ring::Open(unsigned) { return -ENOSYS; }
Ring::~Ring() {}
io_uring_sqe* Ring::Next() { return nullptr; }
int Ring::SubmitAndWait() { return 0; }
const io_uring_cqe* Ring::CompletionAt(unsigned) const { return nullptr; }
unsigned Ring::CompletionTail() const { return 0; }
void Ring::AdvanceCompletions(unsigned) {}
uint64_t Ring::UserData(const io_uring_cqe*) { return 0; }
int32_t Ring::Result(const io_uring_cqe*) { return 0; }

}  // namespace slotproxy

#endif

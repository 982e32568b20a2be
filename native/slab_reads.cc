#include "slab_reads.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#if defined(__linux__)
#include <linux/io_uring.h>
#include <sys/socket.h>
#endif

namespace slotproxy {

bool SlabReads::Attach(int32_t* rec, size_t length) {
  if (length < static_cast<size_t>(kHeader + kRecord)) return false;
  rec_ = rec;
  capacity_ = static_cast<int32_t>((length - kHeader) / kRecord);
  return true;
}

const char* SlabReads::SetSlab(int32_t t, bool next, Napi::Uint8Array buf) {
  if (t < 0 || t >= kTargets) return "setTarget/setNext: no such target";
  Target& target = targets_[t];
  if (next && target.nextCount == kMaxNext) return "setNext: the queue of next slabs is full";
  Slab& slab = next ? target.next[(target.nextFirst + target.nextCount++) % kMaxNext] : target.current;
  slab.ref = Napi::Persistent(buf);
  slab.data = buf.Data();
  slab.length = buf.ByteLength();
  rec_[kNeedRoom] &= ~(1 << t);
  return nullptr;
}

void SlabReads::Note(Polled* e) {
  if (!e->ready) {
    e->ready = true;
    ready_.push_back(e);
  }
}

void SlabReads::Read(Polled* e) {
  size_t total = ReadSome(e);
  // a socket read on its own because it sent much at a time is batched again once it sends
  // little (ReadReady)
  if (e->big && total > 0 && total < kMinRegion) e->big = false;
}

// The socket's reads this turn; the bytes read.
size_t SlabReads::ReadSome(Polled* e) {
  int32_t* rec = rec_;
  size_t total = 0;
  if (rec[kCount] >= capacity_) return 0;  // read next turn (the poll is level-triggered)
  Target& target = targets_[e->target];
  for (int reads = 0; reads < kMaxReadsPerTurn && rec[kCount] < capacity_; reads++) {
    if (!MakeRoom(e->target)) return total;
    Slab& t = target.current;
    int32_t used = rec[kUsed + e->target];
    size_t room = t.length - static_cast<size_t>(used);
    size_t want = room < kMaxRead ? room : kMaxRead;
    ssize_t n;
    do {
      n = read(e->fd, t.data + used, want);
    } while (n < 0 && errno == EINTR);
    if (n > 0) {
      Push(e->id, used, used + static_cast<int32_t>(n));
      rec[kUsed + e->target] = used + static_cast<int32_t>(n);
      total += static_cast<size_t>(n);
      if (static_cast<size_t>(n) < want) return total;
    } else if (n == 0) {
      Stop(e, 0);
      return total;
    } else {
      if (errno != EAGAIN && errno != EWOULDBLOCK) Stop(e, -errno);
      return total;
    }
  }
  return total;
}

// Gives target t a slab with room for a read (going on to its next slab when the current one
// is nearly full); false when there is none (TypeScript is told: kNeedRoom) or the used count
// TypeScript left is nonsense.
bool SlabReads::MakeRoom(int t) {
  int32_t* rec = rec_;
  Target& target = targets_[t];
  Slab& s = target.current;
  int32_t used = rec[kUsed + t];
  if (used < 0 || static_cast<size_t>(used) > s.length) return false;
  if (s.data != nullptr && s.length - static_cast<size_t>(used) >= kMinRoom) return true;
  if (target.nextCount == 0 || rec[kCount] + 1 >= capacity_) {
    rec[kNeedRoom] |= 1 << t;
    return false;
  }
  Push(-1, t, used);
  Slab& next = target.next[target.nextFirst];
  target.nextFirst = (target.nextFirst + 1) % kMaxNext;
  target.nextCount--;
  s.ref = std::move(next.ref);
  s.data = next.data;
  s.length = next.length;
  next.data = nullptr;
  next.length = 0;
  rec[kUsed + t] = 0;
  return true;
}

bool SlabReads::OpenRing() {
  if (!ringTried_) {
    ringTried_ = true;
    ring_.Open(kBatchReads);
  }
  return ring_.IsOpen();
}

// The turn's reads of batched sockets, in one io_uring submit: each socket gets a region of its
// target's slab (the room shared out, from kMinRegion to kRegion), the reads are made together
// with MSG_DONTWAIT, and what they read is moved down over the gaps between regions, so the
// slab fills as with plain reads, in the same order. A read that filled its region is continued
// by Read(), as are the sockets no region was left for. At pipeline 1 a read per client per
// request was a system call of its own (hot-path-figures.md, "batched system calls").
void SlabReads::ReadReady() {
#if defined(__linux__)
  batch_.clear();
  for (int t = 0; t < kTargets; t++) {
    size_t k = 0;
    for (Polled* e : ready_) k += Batched(e, t) ? 1 : 0;
    if (k == 0 || !MakeRoom(t)) continue;
    Slab& s = targets_[t].current;
    size_t at = static_cast<size_t>(rec_[kUsed + t]);
    size_t region = (s.length - at) / k;
    if (region > kRegion) region = kRegion;
    if (region < kMinRegion) region = kMinRegion;
    for (Polled* e : ready_) {
      if (!Batched(e, t)) continue;
      // (each read notes one record; the ring and the records bound the batch)
      if (at + region > s.length || rec_[kCount] + static_cast<int32_t>(batch_.size()) + 2 >= capacity_) break;
      io_uring_sqe* sqe = ring_.Next();
      if (sqe == nullptr) break;
      sqe->opcode = kOpRecv;
      sqe->fd = e->fd;
      sqe->addr = reinterpret_cast<uint64_t>(s.data + at);
      sqe->len = static_cast<uint32_t>(region);
      sqe->msg_flags = MSG_DONTWAIT;
      sqe->user_data = batch_.size();
      batch_.push_back(Pending{e, t, static_cast<int32_t>(at), static_cast<int32_t>(region), kNotRead});
      at += region;
    }
  }
  if (!batch_.empty()) {
    batchedReads_ += batch_.size();
    ring_.SubmitAndWait();
    ring_.Reap([this](uint64_t data, int32_t res) {
      if (data < batch_.size()) batch_[data].result = res;
    });
  }
  for (int t = 0; t < kTargets; t++) {
    Slab& s = targets_[t].current;
    int32_t write = rec_[kUsed + t];
    for (Pending& p : batch_) {
      if (p.target != t || p.result <= 0) continue;
      if (p.at != write) memmove(s.data + write, s.data + p.at, static_cast<size_t>(p.result));
      Push(p.e->id, write, write + p.result);
      write += p.result;
    }
    rec_[kUsed + t] = write;
  }
  for (Pending& p : batch_) {
    Polled* e = p.e;
    e->ready = false;
    if (p.result == 0) {
      Stop(e, 0);
    } else if (p.result == p.size) {
      // more may be waiting: read on, and read it on its own from now on
      e->big = true;
      ReadSome(e);
    } else if (p.result == kNotRead) {
      // (the submit failed: read it as before)
      Read(e);
    } else if (p.result < 0 && p.result != -EAGAIN && p.result != -EWOULDBLOCK) {
      Stop(e, p.result);
    }
  }
#endif
  // the sockets that send much at a time, and those no region was left for: after the others,
  // which a few such sockets would otherwise leave without room in the turn's slabs (clients
  // writing 8 MiB pipelines of 256 KiB values took every slab of each turn, turn after turn, and
  // the others' commands waited for them to pause: test/integration/replica-reads.test.ts)
  for (Polled* e : ready_) {
    if (!e->ready) continue;
    e->ready = false;
    if (Live(e)) Read(e);
  }
  ready_.clear();
}

void SlabReads::Push(int32_t id, int32_t start, int32_t end) {
  int32_t* r = rec_ + kHeader + rec_[kCount] * kRecord;
  r[0] = id;
  r[1] = start;
  r[2] = end;
  rec_[kCount]++;
}

// End of stream or an error: noted (always: a full records array does not lose it, see ReadSome)
// and no longer polled; TypeScript hands the socket back to Node.
void SlabReads::Stop(Polled* e, int32_t code) {
  Push(e->id, -1, code);
  StopPolling(e);
}

}  // namespace slotproxy

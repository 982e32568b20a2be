// How the read poller's sockets (socket_poll.cc) are read: straight into the slab TypeScript
// gave for their kind (clients, nodes), each read noted as (id, start, end) in the shared
// Int32Array; a turn's short reads in one io_uring submit (ReadReady), the others one read() at a
// time. The poller owns the sockets, the libuv handles and the calls into JavaScript.
#pragma once

#include <napi.h>
#include <uv.h>

#include <cstdint>
#include <vector>

#include "uring.h"

namespace slotproxy {

// The shared Int32Array: a header, then (id, start, end) per read. end <= 0 with start == -1:
// the socket ended (0) or failed (-errno); it is no longer polled. (-1, target, used): that
// target's slab was full with `used` bytes, the reads after it are in its next slab.
constexpr int kCount = 0;      // records this turn
constexpr int kUsed = 1;       // bytes used of target 0's and target 1's slab (TypeScript may reset)
constexpr int kNeedRoom = 3;   // bit t: a socket of target t was not read, its slab is (nearly) full
constexpr int kHeader = 8;
constexpr int kRecord = 3;
constexpr int kTargets = 2;
// A read is not started in less room than this (a command split between two slabs is copied
// again by TypeScript); nor is one read larger than Node's own (64 KiB).
constexpr size_t kMinRoom = 16 * 1024;
constexpr size_t kMaxRead = 64 * 1024;
// A socket whose read filled what was asked is read again at once, at most this many times per
// turn (as libuv does); the rest waits for the next turn.
constexpr int kMaxReadsPerTurn = 8;
// Slabs queued per target to go on to within a turn: 16 KiB values 16 to a pipeline from 50
// clients are 12 MiB per turn, which one slab and one spare cut into many short turns.
constexpr int kMaxNext = 8;
// Batched reads (ReadReady): at most this many per submit, each into a region of at least
// kMinRegion bytes of its slab (a command at pipeline 1 is tens of bytes; a read that fills its
// region is continued by a plain read).
constexpr unsigned kBatchReads = 256;
constexpr size_t kMinRegion = 512;
// At most this much per batched read: a socket whose read fills it is read on its own from then
// on (Entry::big), as long as its reads are that large (batching saves a system call per read,
// which is nothing to a read of kilobytes, while regions that large would spread reads over the
// slab and the gaps between them be moved: bench/results/hot-path-figures.md, "batch limits").
constexpr size_t kRegion = 4096;

// A polled socket (the poller's entry for it).
struct Polled {
  uv_poll_t poll;
  // the poller (null once it let the socket go: no longer read)
  void* owner;
  int fd;  // the duplicate, closed with the handle
  int32_t id;
  int target;
  bool polling;
  // read with the turn's other batched sockets (ReadReady), not when it polls readable
  bool batched;
  // in the turn's ready list
  bool ready;
  // its last reads filled a batched read's region: read on its own, after the batched ones
  bool big;
};

inline void StopPolling(Polled* e) {
  if (e->polling) uv_poll_stop(&e->poll);
  e->polling = false;
}

class SlabReads {
 public:
  // Reads go to records `rec` (`length` int32s); false when that is too small.
  bool Attach(int32_t* rec, size_t length);
  // setTarget / setNext of the poller: where target t's reads go, or the next slab to go on to;
  // an error message, or nullptr.
  const char* SetSlab(int32_t t, bool next, Napi::Uint8Array buf);
  // A socket's reads now, with read().
  void Read(Polled* e);
  // A batched socket polled readable: read with the others at ReadReady().
  void Note(Polled* e);
  bool HasReady() const { return !ready_.empty(); }
  void ReadReady();
  void ForgetReady() { ready_.clear(); }
  // io_uring for batched reads, set up at the first call: whether it is there.
  bool OpenRing();
  uint64_t BatchedReads() const { return batchedReads_; }
  // records this turn and targets that need a slab (TypeScript is called when either is set)
  bool HasNews() const { return rec_[kCount] != 0 || rec_[kNeedRoom] != 0; }
  void Delivered() { rec_[kCount] = 0; }

 private:
  struct Slab {
    Napi::Reference<Napi::Uint8Array> ref;
    uint8_t* data = nullptr;
    size_t length = 0;
  };
  struct Target {
    Slab current;
    Slab next[kMaxNext];
    int nextFirst = 0;
    int nextCount = 0;
  };
  static constexpr int32_t kNotRead = INT32_MIN;
  struct Pending {
    Polled* e;
    int target;
    int32_t at;
    int32_t size;
    int32_t result;
  };

  size_t ReadSome(Polled* e);
  bool MakeRoom(int t);
  // still polled (not removed, nor paused, since it polled readable)
  static bool Live(const Polled* e) { return e->owner != nullptr && e->polling; }
  // a live socket of target t read in this turn's submit (not one that sends much at a time)
  static bool Batched(const Polled* e, int t) { return Live(e) && e->target == t && !e->big; }
  void Push(int32_t id, int32_t start, int32_t end);
  void Stop(Polled* e, int32_t code);

  int32_t* rec_ = nullptr;
  int32_t capacity_ = 0;
  Target targets_[kTargets];
  // batched reads: the ring, this turn's ready sockets and their reads
  Ring ring_;
  bool ringTried_ = false;
  uint64_t batchedReads_ = 0;
  std::vector<Polled*> ready_;
  std::vector<Pending> batch_;
};

}  // namespace slotproxy

// ReadPoller: socket reads on Node's own event loop, without Node's stream handle. A read through
// a net.Socket costs, per read, libuv's read callback into Node, a MakeCallback into JavaScript
// (async-hooks scope, the nextTick and microtask checkpoint after it) and Node's onread: about
// 3,500 instructions, a quarter of the proxy's work per request at pipeline 1 (docs/performance.md).
// Here a uv_poll handle per socket (on a duplicate of its descriptor: libuv keeps one watcher per
// descriptor, and the socket's own handle still writes through the original) reads each socket
// straight into the slab TypeScript gave for its kind (clients, nodes), notes (id, start, end) in
// a shared Int32Array, and JavaScript is called once per loop turn, from a check handle that runs
// right after the poll phase, for every socket that had data. TypeScript still owns the loop and
// the sockets: it says what to poll, pauses and resumes, and takes end of stream and errors back
// to Node's stream (lib/io/read-poller.ts).
#include "socket_poll.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include <vector>

#include "uring.h"

#if defined(__linux__)
#include <linux/io_uring.h>
#include <sys/socket.h>
#endif

namespace slotproxy {
namespace {

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
// slab and the gaps between them be moved).
constexpr size_t kRegion = 4096;

class Poller;

struct Entry {
  uv_poll_t poll;
  Poller* owner;
  int fd;  // the duplicate, closed with the handle
  int32_t id;
  int target;
  bool polling;
  // read with the turn's other batched sockets (ReadReady), not when it polls readable
  bool batched;
  // in ready_ this turn
  bool ready;
  // its last reads filled a batched read's region: read on its own, after the batched ones
  bool big;
};

class Poller : public Napi::ObjectWrap<Poller> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "ReadPoller",
                       {InstanceMethod<&Poller::Add>("add"), InstanceMethod<&Poller::Pause>("pause"),
                        InstanceMethod<&Poller::Resume>("resume"), InstanceMethod<&Poller::Remove>("remove"),
                        InstanceMethod<&Poller::SetTarget>("setTarget"), InstanceMethod<&Poller::SetNext>("setNext"),
                        InstanceMethod<&Poller::BatchedReads>("batchedReads")});
  }

  // new ReadPoller(records: Int32Array, onBatch: () => void)
  explicit Poller(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Poller>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array ||
        !info[1].IsFunction()) {
      Napi::TypeError::New(env, "new ReadPoller(records: Int32Array, onBatch: Function)").ThrowAsJavaScriptException();
      return;
    }
    Napi::Int32Array records = info[0].As<Napi::Int32Array>();
    if (records.ElementLength() < static_cast<size_t>(kHeader + kRecord)) {
      Napi::RangeError::New(env, "ReadPoller: the records array is too small").ThrowAsJavaScriptException();
      return;
    }
    records_ = Napi::Persistent(records);
    rec_ = records.Data();
    capacity_ = static_cast<int32_t>((records.ElementLength() - kHeader) / kRecord);
    onBatch_ = Napi::Persistent(info[1].As<Napi::Function>());
    context_ = new Napi::AsyncContext(env, "slotproxy:reads");
    env_ = env;
    if (napi_get_uv_event_loop(env, &loop_) != napi_ok || loop_ == nullptr) {
      Napi::Error::New(env, "ReadPoller: no event loop").ThrowAsJavaScriptException();
      return;
    }
    check_ = new uv_check_t;
    uv_check_init(loop_, check_);
    check_->data = this;
    uv_unref(reinterpret_cast<uv_handle_t*>(check_));
    napi_add_env_cleanup_hook(env, Cleanup, this);
  }

  ~Poller() override {
    napi_remove_env_cleanup_hook(env_, Cleanup, this);
    CloseAll();
    delete context_;
  }

 private:
  static void Cleanup(void* arg) { static_cast<Poller*>(arg)->CloseAll(); }

  void CloseAll() {
    ready_.clear();
    for (Entry* e : entries_) {
      if (e != nullptr) Close(e);
    }
    entries_.clear();
    if (check_ != nullptr) {
      uv_close(reinterpret_cast<uv_handle_t*>(check_), [](uv_handle_t* h) { delete reinterpret_cast<uv_check_t*>(h); });
      check_ = nullptr;
    }
  }

  static void StopPolling(Entry* e) {
    if (e->polling) uv_poll_stop(&e->poll);
    e->polling = false;
  }

  static void Close(Entry* e) {
    StopPolling(e);
    e->owner = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(&e->poll), [](uv_handle_t* h) {
      Entry* entry = static_cast<Entry*>(h->data);
      close(entry->fd);
      delete entry;
    });
  }

  Entry* Find(const Napi::CallbackInfo& info) {
    if (info.Length() < 1 || !info[0].IsNumber()) return nullptr;
    int32_t id = info[0].As<Napi::Number>().Int32Value();
    if (id < 0 || static_cast<size_t>(id) >= entries_.size()) return nullptr;
    return entries_[id];
  }

  // add(fd, id, target, batched?) -> the duplicate descriptor it polls (and batched sends go to:
  // it stays open until remove(), even when Node closes the socket's own), or -errno (the socket
  // is then read by Node as before). `batched`: its reads are made with the turn's other batched
  // sockets' in one io_uring submit where the poller has a ring (ReadReady).
  Napi::Value Add(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsNumber() || check_ == nullptr) {
      Napi::TypeError::New(env, "add(fd, id, target)").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    int32_t fd = info[0].As<Napi::Number>().Int32Value();
    int32_t id = info[1].As<Napi::Number>().Int32Value();
    int32_t target = info[2].As<Napi::Number>().Int32Value();
    if (fd < 0 || id < 0 || id > (1 << 24) || target < 0 || target >= kTargets) {
      Napi::RangeError::New(env, "add: bad fd, id or target").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    if (static_cast<size_t>(id) >= entries_.size()) entries_.resize(id + 1, nullptr);
    if (entries_[id] != nullptr) {
      Napi::Error::New(env, "add: the id is in use").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    int dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (dup < 0) return Napi::Number::New(env, -errno);
    Entry* e = new Entry{};
    e->owner = this;
    e->fd = dup;
    e->id = id;
    e->target = target;
    e->batched = info.Length() > 3 && info[3].ToBoolean().Value() && OpenRing();
    int err = uv_poll_init(loop_, &e->poll, dup);
    if (err != 0) {
      close(dup);
      delete e;
      return Napi::Number::New(env, err);
    }
    e->poll.data = e;
    err = uv_poll_start(&e->poll, UV_READABLE, OnReadable);
    if (err != 0) {
      Close(e);
      return Napi::Number::New(env, err);
    }
    e->polling = true;
    entries_[id] = e;
    return Napi::Number::New(env, dup);
  }

  Napi::Value Pause(const Napi::CallbackInfo& info) {
    Entry* e = Find(info);
    if (e != nullptr) StopPolling(e);
    return info.Env().Undefined();
  }

  Napi::Value Resume(const Napi::CallbackInfo& info) {
    Entry* e = Find(info);
    if (e != nullptr && !e->polling && uv_poll_start(&e->poll, UV_READABLE, OnReadable) == 0) e->polling = true;
    return info.Env().Undefined();
  }

  // Stops polling and closes the duplicate descriptor (once the handle is closed, this turn).
  Napi::Value Remove(const Napi::CallbackInfo& info) {
    Entry* e = Find(info);
    if (e != nullptr) {
      entries_[e->id] = nullptr;
      Close(e);
    }
    return info.Env().Undefined();
  }

  // batchedReads() -> the reads made in io_uring submits so far (the tests' and metrics' check)
  Napi::Value BatchedReads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), static_cast<double>(batchedReads_)); }

  // setTarget(target, slab: Uint8Array): where the reads of that target's sockets go from now on,
  // from the used count TypeScript leaves in the header.
  Napi::Value SetTarget(const Napi::CallbackInfo& info) { return SetSlab(info, false); }

  // setNext(target, slab: Uint8Array): queues a slab for them to go on to once theirs is full,
  // without waiting for TypeScript (a record (-1, target, bytes used of the full slab) says where
  // it happened). At most kMaxNext are queued.
  Napi::Value SetNext(const Napi::CallbackInfo& info) { return SetSlab(info, true); }

  Napi::Value SetSlab(const Napi::CallbackInfo& info, bool next) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsTypedArray() ||
        info[1].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
      Napi::TypeError::New(env, "setTarget/setNext(target, slab: Uint8Array)").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    int32_t t = info[0].As<Napi::Number>().Int32Value();
    if (t < 0 || t >= kTargets) {
      Napi::RangeError::New(env, "setTarget/setNext: no such target").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    Napi::Uint8Array buf = info[1].As<Napi::Uint8Array>();
    Target& target = targets_[t];
    if (next && target.nextCount == kMaxNext) {
      Napi::RangeError::New(env, "setNext: the queue of next slabs is full").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    Slab& slab = next ? target.next[(target.nextFirst + target.nextCount++) % kMaxNext] : target.current;
    slab.ref = Napi::Persistent(buf);
    slab.data = buf.Data();
    slab.length = buf.ByteLength();
    rec_[kNeedRoom] &= ~(1 << t);
    return env.Undefined();
  }

  static void OnReadable(uv_poll_t* handle, int status, int /*events*/) {
    Entry* e = static_cast<Entry*>(handle->data);
    Poller* self = e->owner;
    if (self == nullptr) return;
    if (status == 0 && e->batched) {
      // read in the check phase with the others (ReadReady)
      self->Arm();
      if (!e->ready) {
        e->ready = true;
        self->ready_.push_back(e);
      }
      return;
    }
    self->Read(e, status);
    // On an error libuv stops the handle before calling back; unless the read found the error
    // (and Stop() took the socket out), poll it again, to read what is left and then the error.
    if (status < 0 && e->polling) uv_poll_start(&e->poll, UV_READABLE, OnReadable);
  }

  void Read(Entry* e, int status) {
    size_t total = ReadSome(e, status);
    // a socket read on its own because it sent much at a time is batched again once it sends
    // little (ReadReady)
    if (e->big && total > 0 && total < kMinRegion) e->big = false;
  }

  // The socket's reads this turn; the bytes read.
  size_t ReadSome(Entry* e, int /*status*/) {
    Arm();
    int32_t* rec = rec_;
    size_t total = 0;
    if (rec[kCount] >= capacity_) return 0;  // read next turn (the poll is level-triggered)
    // (libuv reports any POLLERR as UV_EBADF: the read below says what the error was)
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
  bool MakeRoom(int t) {
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

  bool OpenRing() {
    if (!ringTried_) {
      ringTried_ = true;
      ring_.Open(kBatchReads);
    }
    return ring_.IsOpen();
  }

  // The turn's reads of batched sockets, in one io_uring submit: each socket gets a region of its
  // target's slab (the room shared out, from kMinRegion to kMaxRead), the reads are made together
  // with MSG_DONTWAIT, and what they read is moved down over the gaps between regions, so the
  // slab fills as with plain reads, in the same order. A read that filled its region is continued
  // by Read(), as are the sockets no region was left for. At pipeline 1 a read per client per
  // request was a system call of its own (see send_batch.h for what each costs here).
  void ReadReady() {
#if defined(__linux__)
    batch_.clear();
    for (int t = 0; t < kTargets; t++) {
      size_t k = 0;
      for (Entry* e : ready_) k += Live(e) && e->target == t && !e->big ? 1 : 0;
      if (k == 0 || !MakeRoom(t)) continue;
      Slab& s = targets_[t].current;
      size_t at = static_cast<size_t>(rec_[kUsed + t]);
      size_t region = (s.length - at) / k;
      if (region > kRegion) region = kRegion;
      if (region < kMinRegion) region = kMinRegion;
      for (Entry* e : ready_) {
        if (!Live(e) || e->target != t || e->big) continue;
        // (each read notes one record; the ring and the records bound the batch)
        if (at + region > s.length || rec_[kCount] + static_cast<int32_t>(batch_.size()) + 2 >= capacity_) break;
        io_uring_sqe* sqe = ring_.Next();
        if (sqe == nullptr) break;
        sqe->opcode = IORING_OP_RECV;
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
      Entry* e = p.e;
      e->ready = false;
      if (p.result == 0) {
        Stop(e, 0);
      } else if (p.result == p.size) {
        // more may be waiting: read on, and read it on its own from now on
        e->big = true;
        ReadSome(e, 0);
      } else if (p.result == kNotRead) {
        // (the submit failed: read it as before)
        Read(e, 0);
      } else if (p.result < 0 && p.result != -EAGAIN && p.result != -EWOULDBLOCK) {
        Stop(e, p.result);
      }
    }
#endif
    // the sockets that send much at a time, and those no region was left for: after the others,
    // which a few such sockets would otherwise leave without room in the turn's slabs (a client
    // writing 8 MiB pipelines of 256 KiB values took every slab of the turn, turn after turn, and
    // the others' commands waited for it to pause)
    for (Entry* e : ready_) {
      if (!e->ready) continue;
      e->ready = false;
      if (Live(e)) Read(e, 0);
    }
    ready_.clear();
  }

  // still polled by this poller (not removed, nor paused, since it polled readable)
  bool Live(const Entry* e) const { return e->owner == this && e->polling; }

  void Push(int32_t id, int32_t start, int32_t end) {
    int32_t* r = rec_ + kHeader + rec_[kCount] * kRecord;
    r[0] = id;
    r[1] = start;
    r[2] = end;
    rec_[kCount]++;
  }

  // End of stream or an error: noted (always: a full records array does not lose it, see Read)
  // and no longer polled; TypeScript hands the socket back to Node.
  void Stop(Entry* e, int32_t code) {
    Push(e->id, -1, code);
    StopPolling(e);
  }

  void Arm() {
    if (!armed_) {
      armed_ = true;
      uv_check_start(check_, OnCheck);
    }
  }

  static void OnCheck(uv_check_t* handle) { static_cast<Poller*>(handle->data)->Deliver(); }

  void Deliver() {
    // (before the check stops: the reads ReadReady continues must not arm it again)
    if (!ready_.empty()) ReadReady();
    armed_ = false;
    uv_check_stop(check_);
    if (rec_[kCount] == 0 && rec_[kNeedRoom] == 0) return;
    napi_env env = env_;
    Napi::HandleScope scope(env_);
    napi_value fn = onBatch_.Value();
    napi_value recv;  // (napi_make_callback wants an object)
    napi_get_global(env, &recv);
    napi_value result;
    napi_status status = napi_make_callback(env, *context_, recv, fn, 0, nullptr, &result);
    rec_[kCount] = 0;
    if (status == napi_pending_exception) {
      napi_value err;
      if (napi_get_and_clear_last_exception(env, &err) == napi_ok) napi_fatal_exception(env, err);
    }
  }

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

  napi_env env_ = nullptr;
  uv_loop_t* loop_ = nullptr;
  uv_check_t* check_ = nullptr;
  bool armed_ = false;
  Napi::Reference<Napi::Int32Array> records_;
  int32_t* rec_ = nullptr;
  int32_t capacity_ = 0;
  Napi::FunctionReference onBatch_;
  Napi::AsyncContext* context_ = nullptr;
  Target targets_[kTargets];
  std::vector<Entry*> entries_;
  // batched reads: the ring (set up at the first batched socket), this turn's ready sockets and
  // their reads
  Ring ring_;
  bool ringTried_ = false;
  uint64_t batchedReads_ = 0;
  std::vector<Entry*> ready_;
  static constexpr int32_t kNotRead = INT32_MIN;
  struct Pending {
    Entry* e;
    int target;
    int32_t at;
    int32_t size;
    int32_t result;
  };
  std::vector<Pending> batch_;
};

}  // namespace

Napi::Function DefineReadPoller(Napi::Env env) { return Poller::Define(env); }

}  // namespace slotproxy

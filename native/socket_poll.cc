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
#include <unistd.h>
#include <uv.h>

#include <vector>

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

class Poller;

struct Entry {
  uv_poll_t poll;
  Poller* owner;
  int fd;  // the duplicate, closed with the handle
  int32_t id;
  int target;
  bool polling;
};

class Poller : public Napi::ObjectWrap<Poller> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "ReadPoller",
                       {InstanceMethod<&Poller::Add>("add"), InstanceMethod<&Poller::Pause>("pause"),
                        InstanceMethod<&Poller::Resume>("resume"), InstanceMethod<&Poller::Remove>("remove"),
                        InstanceMethod<&Poller::SetTarget>("setTarget"), InstanceMethod<&Poller::SetNext>("setNext")});
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

  // add(fd, id, target) -> the duplicate descriptor it polls (and batched sends go to: it stays
  // open until remove(), even when Node closes the socket's own), or -errno (the socket is then
  // read by Node as before)
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
    self->Read(e, status);
    // On an error libuv stops the handle before calling back; unless the read found the error
    // (and Stop() took the socket out), poll it again, to read what is left and then the error.
    if (status < 0 && e->polling) uv_poll_start(&e->poll, UV_READABLE, OnReadable);
  }

  void Read(Entry* e, int status) {
    Arm();
    int32_t* rec = rec_;
    if (rec[kCount] >= capacity_) return;  // read next turn (the poll is level-triggered)
    // (libuv reports any POLLERR as UV_EBADF: the read below says what the error was)
    Target& target = targets_[e->target];
    for (int reads = 0; reads < kMaxReadsPerTurn && rec[kCount] < capacity_; reads++) {
      Slab& t = target.current;
      int32_t used = rec[kUsed + e->target];
      if (used < 0 || static_cast<size_t>(used) > t.length) return;  // (TypeScript wrote nonsense)
      size_t room = t.length - static_cast<size_t>(used);
      if (t.data == nullptr || room < kMinRoom) {
        if (target.nextCount == 0 || rec[kCount] + 1 >= capacity_) {
          rec[kNeedRoom] |= 1 << e->target;
          return;
        }
        Push(-1, e->target, used);
        Slab& next = target.next[target.nextFirst];
        target.nextFirst = (target.nextFirst + 1) % kMaxNext;
        target.nextCount--;
        t.ref = std::move(next.ref);
        t.data = next.data;
        t.length = next.length;
        next.data = nullptr;
        next.length = 0;
        rec[kUsed + e->target] = 0;
        reads--;
        continue;
      }
      size_t want = room < kMaxRead ? room : kMaxRead;
      ssize_t n;
      do {
        n = read(e->fd, t.data + used, want);
      } while (n < 0 && errno == EINTR);
      if (n > 0) {
        Push(e->id, used, used + static_cast<int32_t>(n));
        rec[kUsed + e->target] = used + static_cast<int32_t>(n);
        if (static_cast<size_t>(n) < want) return;
      } else if (n == 0) {
        Stop(e, 0);
        return;
      } else {
        if (errno != EAGAIN && errno != EWOULDBLOCK) Stop(e, -errno);
        return;
      }
    }
  }

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
};

}  // namespace

Napi::Function DefineReadPoller(Napi::Env env) { return Poller::Define(env); }

}  // namespace slotproxy

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
// to Node's stream (lib/io/read-poller.ts). How a socket is read (plain, or a turn's short reads
// in one io_uring submit) is slab_reads.h's.
#include "socket_poll.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <uv.h>

#include <vector>

#include "slab_reads.h"

namespace slotproxy {
namespace {

class Poller;

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
    if (!reads_.Attach(records.Data(), records.ElementLength())) {
      Napi::RangeError::New(env, "ReadPoller: the records array is too small").ThrowAsJavaScriptException();
      return;
    }
    records_ = Napi::Persistent(records);
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
    reads_.ForgetReady();
    for (Polled* e : entries_) {
      if (e != nullptr) Close(e);
    }
    entries_.clear();
    if (check_ != nullptr) {
      uv_close(reinterpret_cast<uv_handle_t*>(check_), [](uv_handle_t* h) { delete reinterpret_cast<uv_check_t*>(h); });
      check_ = nullptr;
    }
  }

  static void Close(Polled* e) {
    StopPolling(e);
    e->owner = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(&e->poll), [](uv_handle_t* h) {
      Polled* entry = static_cast<Polled*>(h->data);
      close(entry->fd);
      delete entry;
    });
  }

  Polled* Find(const Napi::CallbackInfo& info) {
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
    Polled* e = new Polled{};
    e->owner = this;
    e->fd = dup;
    e->id = id;
    e->target = target;
    e->batched = info.Length() > 3 && info[3].ToBoolean().Value() && reads_.OpenRing();
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
    Polled* e = Find(info);
    if (e != nullptr) StopPolling(e);
    return info.Env().Undefined();
  }

  Napi::Value Resume(const Napi::CallbackInfo& info) {
    Polled* e = Find(info);
    if (e != nullptr && !e->polling && uv_poll_start(&e->poll, UV_READABLE, OnReadable) == 0) e->polling = true;
    return info.Env().Undefined();
  }

  // Stops polling and closes the duplicate descriptor (once the handle is closed, this turn).
  Napi::Value Remove(const Napi::CallbackInfo& info) {
    Polled* e = Find(info);
    if (e != nullptr) {
      entries_[e->id] = nullptr;
      Close(e);
    }
    return info.Env().Undefined();
  }

  // batchedReads() -> the reads made in io_uring submits so far (what the tests check batching by)
  Napi::Value BatchedReads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), static_cast<double>(reads_.BatchedReads())); }

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
    const char* error = reads_.SetSlab(info[0].As<Napi::Number>().Int32Value(), next, info[1].As<Napi::Uint8Array>());
    if (error != nullptr) Napi::RangeError::New(env, error).ThrowAsJavaScriptException();
    return env.Undefined();
  }

  static void OnReadable(uv_poll_t* handle, int status, int /*events*/) {
    Polled* e = static_cast<Polled*>(handle->data);
    Poller* self = static_cast<Poller*>(e->owner);
    if (self == nullptr) return;
    self->Arm();
    if (status == 0 && e->batched) {
      // read in the check phase with the others (ReadReady)
      self->reads_.Note(e);
      return;
    }
    // (libuv reports any POLLERR as UV_EBADF: the read says what the error was)
    self->reads_.Read(e);
    // On an error libuv stops the handle before calling back; unless the read found the error
    // (and Stop() took the socket out), poll it again, to read what is left and then the error.
    if (status < 0 && e->polling) uv_poll_start(&e->poll, UV_READABLE, OnReadable);
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
    if (reads_.HasReady()) reads_.ReadReady();
    armed_ = false;
    uv_check_stop(check_);
    if (!reads_.HasNews()) return;
    napi_env env = env_;
    Napi::HandleScope scope(env_);
    napi_value fn = onBatch_.Value();
    napi_value recv;  // (napi_make_callback wants an object)
    napi_get_global(env, &recv);
    napi_value result;
    napi_status status = napi_make_callback(env, *context_, recv, fn, 0, nullptr, &result);
    reads_.Delivered();
    if (status == napi_pending_exception) {
      napi_value err;
      if (napi_get_and_clear_last_exception(env, &err) == napi_ok) napi_fatal_exception(env, err);
    }
  }

  napi_env env_ = nullptr;
  uv_loop_t* loop_ = nullptr;
  uv_check_t* check_ = nullptr;
  bool armed_ = false;
  Napi::Reference<Napi::Int32Array> records_;
  Napi::FunctionReference onBatch_;
  Napi::AsyncContext* context_ = nullptr;
  SlabReads reads_;
  std::vector<Polled*> entries_;
};

}  // namespace

Napi::Function DefineReadPoller(Napi::Env env) { return Poller::Define(env); }

}  // namespace slotproxy

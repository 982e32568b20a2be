// sendv: a write straight to a socket's file descriptor, from ranges of several buffers, without
// copying them into one first and without Node's stream machinery (Writable state, a WriteWrap,
// a nextTick per write). TypeScript calls it only for a socket whose Node stream has nothing
// queued (lib/io/socket-fd.ts), so bytes cannot overtake earlier ones, and hands whatever the
// kernel did not take to the stream, which then writes it (and reports errors) as usual. The
// event loop stays Node's: nothing here waits or polls.
#include "socket_write.h"

#include "call_sources.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/uio.h>

namespace slotproxy {
namespace {

Napi::Value Throw(Napi::Env env, const char* message) {
  Napi::TypeError::New(env, message).ThrowAsJavaScriptException();
  return env.Undefined();
}

// At most this many ranges go in one call (Linux's IOV_MAX); more are left to the caller as a
// partial write.
constexpr uint32_t kMaxIov = 1024;

}  // namespace

// sendv(fd, ranges, count, ...sources) -> bytes the kernel took (0 when the socket's buffer is
// full), or -errno. `ranges` is the Int32Array of gatherv: (source index, start, end) per range.
// Every range is checked before anything is sent: a bad one throws and sends nothing.
// MSG_NOSIGNAL: a peer that is gone gives EPIPE, not a SIGPIPE.
Napi::Value SendV(const Napi::CallbackInfo& info) {
  // (raw napi calls: the Napi:: wrappers asked for each typed array's info two or three times,
  // ~300 instructions each, most of a small send's cost)
  napi_env env = info.Env();
  int32_t fd = -1;
  uint32_t count = 0;
  napi_typedarray_type type;
  size_t length;
  void* data;
  if (info.Length() < 3 || napi_get_value_int32(env, info[0], &fd) != napi_ok ||
      napi_get_typedarray_info(env, info[1], &type, &length, &data, nullptr, nullptr) != napi_ok || type != napi_int32_array ||
      napi_get_value_uint32(env, info[2], &count) != napi_ok) {
    return Throw(info.Env(), "sendv(fd, ranges, count, ...sources)");
  }
  const int32_t* t = static_cast<const int32_t*>(data);
  if (fd < 0) return Throw(info.Env(), "sendv: fd must be a file descriptor");
  if (count > length / 3) return Throw(info.Env(), "sendv: count is beyond the ranges array");
  if (count > kMaxIov) count = kMaxIov;
  uint8_t* src[kMaxSources];
  size_t srcLen[kMaxSources];
  int32_t got = CallSources(info, 3, src, srcLen);
  if (got == kTooManySources) return Throw(info.Env(), "sendv: too many sources");
  if (got == kSourceNotBuffer) return Throw(info.Env(), "sendv: a source is not a Buffer");
  uint32_t nsrc = static_cast<uint32_t>(got);
  struct iovec iov[kMaxIov];
  for (uint32_t r = 0; r < count; r++, t += 3) {
    if (t[0] < 0 || static_cast<uint32_t>(t[0]) >= nsrc || t[1] < 0 || t[1] > t[2] || static_cast<size_t>(t[2]) > srcLen[t[0]]) {
      return Throw(env, "sendv: a range is outside its source");
    }
    iov[r].iov_base = src[t[0]] + t[1];
    iov[r].iov_len = static_cast<size_t>(t[2] - t[1]);
  }
  struct msghdr msg = {};
  msg.msg_iov = iov;
  msg.msg_iovlen = count;
  ssize_t n;
  do {
    n = sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return Napi::Number::New(env, errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno);
  return Napi::Number::New(env, static_cast<double>(n));
}

}  // namespace slotproxy

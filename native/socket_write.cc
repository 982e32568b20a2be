// sendv: a write straight to a socket's file descriptor, from ranges of several buffers, without
// copying them into one first and without Node's stream machinery (Writable state, a WriteWrap,
// a nextTick per write). TypeScript calls it only for a socket whose Node stream has nothing
// queued (lib/io/socket-fd.ts), so bytes cannot overtake earlier ones, and hands whatever the
// kernel did not take to the stream, which then writes it (and reports errors) as usual. The
// event loop stays Node's: nothing here waits or polls.
#include "socket_write.h"

#include "bound.h"
#include "buffer_ids.h"
#include "call_sources.h"
#include "send_batch.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

namespace slotproxy {
namespace {

// At most this many ranges go in one call (Linux's IOV_MAX); more are left to the caller as a
// partial write.
constexpr uint32_t kMaxIov = 1024;
// Many short ranges are copied into one buffer here and sent as one: the kernel's cost grows with
// the ranges of a write (a writev of 16 replies of 71 B took ~9% more kernel time than one buffer,
// bench/results/hot-path-figures.md, "direct writes"), and a copy in C++ is far cheaper than the
// JavaScript one it replaces (a node's write of a turn's GET commands was ~550 instructions per
// command copied in JS, "coalesced sends"). Long ranges are sent as they are.
constexpr size_t kCoalesceMax = 64 * 1024;
constexpr size_t kCoalesceAvg = 512;
thread_local uint8_t coalesced[kCoalesceMax];
// A sender's send takes the few sources that are not registered buffers as arguments: the gather
// passes at most 2 (lib/protocol/gather.ts, callSend).
constexpr size_t kMaxLoose = 4;

}  // namespace

// SendRanges's answer where it threw (a bad argument): nothing was sent.
constexpr int64_t kThrew = INT64_MIN;

// Sends `count` ranges (source index, start, end) of the sources src/srcLen (nsrc of them) to
// `fd`: the bytes the kernel took (0 when the socket's buffer is full), or -errno; throws (and
// sends nothing, answering kThrew) when a range is outside its source. MSG_NOSIGNAL: a peer that
// is gone gives EPIPE, not a SIGPIPE. With a `batch`, the send may be queued in it instead (its
// entry in *queued, else -1): it then counts as taken whole, and the batch's submit says what was.
static int64_t SendRanges(napi_env env, int32_t fd, const int32_t* t, uint32_t count, uint8_t* const* src, const size_t* srcLen, uint32_t nsrc,
                          SendBatch* batch = nullptr, int32_t* queued = nullptr) {
  if (fd < 0) {
    ThrowRaw(env, "sendv: fd must be a file descriptor");
    return kThrew;
  }
  if (count > kMaxIov) count = kMaxIov;
  struct iovec iov[kMaxIov];
  size_t total = 0;
  for (uint32_t r = 0; r < count; r++, t += 3) {
    if (t[0] < 0 || static_cast<uint32_t>(t[0]) >= nsrc || t[1] < 0 || t[1] > t[2] || static_cast<size_t>(t[2]) > srcLen[t[0]]) {
      ThrowRaw(env, "sendv: a range is outside its source");
      return kThrew;
    }
    iov[r].iov_base = src[t[0]] + t[1];
    iov[r].iov_len = static_cast<size_t>(t[2] - t[1]);
    total += iov[r].iov_len;
  }
  if (batch != nullptr) {
    // (Queue takes kQueueMax bytes at most)
    *queued = total > 0 ? batch->Queue(fd, iov, count, total) : -1;
    if (*queued >= 0) return static_cast<int64_t>(total);
  }
  struct msghdr msg = {};
  msg.msg_iov = iov;
  msg.msg_iovlen = count;
  if (count > 1 && total <= kCoalesceMax && total < count * kCoalesceAvg) {
    size_t at = 0;
    for (uint32_t r = 0; r < count; r++) {
      memcpy(coalesced + at, iov[r].iov_base, iov[r].iov_len);
      at += iov[r].iov_len;
    }
    iov[0].iov_base = coalesced;
    iov[0].iov_len = total;
    msg.msg_iovlen = 1;
  }
  ssize_t n;
  do {
    n = sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
  return static_cast<int64_t>(n);
}

// SendRanges's answer as a JS number: an int32 where it fits, as it always does but for writes
// of gigabytes (no heap number); nothing where it threw.
static napi_value SentNumber(napi_env env, int64_t sent) {
  if (sent == kThrew) return nullptr;
  if (sent >= INT32_MIN && sent <= INT32_MAX) return Int32(env, static_cast<int32_t>(sent));
  napi_value result;
  napi_create_int64(env, sent, &result);
  return result;
}

// What a sender function works with: its gather's ranges, source ids and call arguments, read
// once.
struct Sender {
  Napi::Reference<Napi::Int32Array> rangesRef, idsRef, argsRef;
  const int32_t* ranges;
  size_t rangeCount;
  const int32_t* ids;
  size_t idCount;
  int32_t* args;
  size_t argCount;
  std::shared_ptr<BufferIds> buffers;
  std::shared_ptr<SendBatch> batch;
};

// send(...loose): sendv of the sender's first `count` ranges to `fd`, args being [fd, count,
// nsrc, queue, entry, sent]: with `queue` 1 (and args that long) the send may be queued in the
// batch of client sends (send_batch.h), `entry` then saying where (-1: sent at once); with a
// sixth element, the answer (bytes taken, or -errno) goes there and the call returns nothing
// (bench/results/hot-path-figures.md, "answers in arrays"). The nsrc sources are the registered
// buffers its ids name (buffer_ids.h), or where an id is -1 the next of the `loose` Buffers
// given. A raw napi function: per call, no argument but the few loose Buffers is converted
// ("argument arrays").
napi_value SendFromIds(napi_env env, napi_callback_info info) {
  // napi_get_cb_info fills every argv slot it is given, with undefined past the arguments (64
  // slots were most of a send's N-API cost: hot-path-figures.md, "argument slots"): the count
  // first, the few loose sources only where there are some (replies are mostly ranges of
  // registered slabs: none).
  napi_value argv[kMaxLoose];
  size_t argc = 0;
  void* data = nullptr;
  napi_get_cb_info(env, info, &argc, nullptr, nullptr, &data);
  if (argc > kMaxLoose) return ThrowRaw(env, "send: more loose sources than kMaxLoose (4)");
  if (argc > 0) napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  const Sender* s = static_cast<const Sender*>(data);
  int32_t fd = s->args[0];
  uint32_t count = static_cast<uint32_t>(s->args[1]), nsrc = static_cast<uint32_t>(s->args[2]);
  if (count > s->rangeCount || nsrc > s->idCount || nsrc > kMaxSources) return ThrowRaw(env, "send: count or nsrc beyond the sender's arrays");
  uint8_t* src[kMaxSources];
  size_t srcLen[kMaxSources];
  uint8_t* loose[kMaxSources];
  size_t looseLen[kMaxSources];
  int32_t nloose = CallSources(env, argv, argc, loose, looseLen);
  if (nloose < 0) return ThrowRaw(env, "send: a loose source is not a Buffer, or too many");
  int32_t next = 0;
  for (uint32_t i = 0; i < nsrc; i++) {
    int32_t id = s->ids[i];
    if (id >= 0) {
      src[i] = s->buffers->Whole(id, &srcLen[i]);
      if (src[i] == nullptr) return ThrowRaw(env, "send: a source id names no buffer");
    } else {
      if (next == nloose) return ThrowRaw(env, "send: fewer loose sources than ids of -1");
      src[i] = loose[next];
      srcLen[i] = looseLen[next++];
    }
  }
  bool queue = s->argCount >= 5 && s->args[3] == 1;
  if (queue) s->args[4] = -1;
  int64_t sent = queue ? SendRanges(env, fd, s->ranges, count, src, srcLen, nsrc, s->batch.get(), &s->args[4])
                       : SendRanges(env, fd, s->ranges, count, src, srcLen, nsrc);
  if (s->argCount < 6 || sent == kThrew) return SentNumber(env, sent);
  // (a send takes at most a socket buffer's worth, or kQueueMax queued: an int32)
  s->args[5] = sent > INT32_MAX ? INT32_MAX : static_cast<int32_t>(sent);
  return nullptr;
}

// sender(ranges: Int32Array, ids: Int32Array, args: Int32Array(3, 5 or 6)) -> send (above), bound
// to the three arrays.
Napi::Value MakeSender(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  for (size_t i = 0; i < 3; i++) {
    if (info.Length() < 3 || !info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
      return Throw(env, "sender(ranges, ids, args): three Int32Arrays");
    }
  }
  Napi::Int32Array ranges = info[0].As<Napi::Int32Array>(), ids = info[1].As<Napi::Int32Array>(), args = info[2].As<Napi::Int32Array>();
  if (args.ElementLength() < 3) return Throw(env, "sender(ranges, ids, args): args needs 3 elements");
  auto* s = new Sender{Napi::Persistent(ranges), Napi::Persistent(ids), Napi::Persistent(args), ranges.Data(), ranges.ElementLength() / 3,
                       ids.Data(), ids.ElementLength(), args.Data(), args.ElementLength(), BufferIdsOf(env), SendBatchOf(env)};
  napi_value fn;
  napi_create_function(env, "send", NAPI_AUTO_LENGTH, SendFromIds, s, &fn);
  napi_add_finalizer(env, fn, s, [](napi_env, void* d, void*) { delete static_cast<Sender*>(d); }, nullptr, nullptr);
  return Napi::Value(env, fn);
}

// sendv(fd, ranges, count, ...sources) -> bytes the kernel took (0 when the socket's buffer is
// full), or -errno. `ranges` is the Int32Array of gatherv: (source index, start, end) per range.
// Every range is checked before anything is sent: a bad one throws and sends nothing.
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
  if (count > length / 3) return Throw(info.Env(), "sendv: count is beyond the ranges array");
  uint8_t* src[kMaxSources];
  size_t srcLen[kMaxSources];
  int32_t got = CallSources(info, 3, src, srcLen);
  if (got == kTooManySources) return Throw(info.Env(), "sendv: too many sources");
  if (got == kSourceNotBuffer) return Throw(info.Env(), "sendv: a source is not a Buffer");
  return Napi::Value(env, SentNumber(env, SendRanges(env, fd, static_cast<const int32_t*>(data), count, src, srcLen, static_cast<uint32_t>(got))));
}

}  // namespace slotproxy

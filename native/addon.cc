// N-API surface of the scanners. Kept tiny: TypeScript (lib/protocol/native.ts) validates
// arguments and owns the typed arrays the scanners write into; the addon checks only what it
// needs to stay memory-safe. No state is process-wide: a ScannerSet holds a proxy's command
// table, limits and output arrays, and its scanners are made for it.
#include <napi.h>

#include <cstring>
#include <memory>

#include "addon_data.h"
#include "bound.h"
#include "buffer_ids.h"
#include "call_sources.h"
#include "command_table.h"
#include "crc16.h"
#include "records.h"
#include "reply_scanner.h"
#include "request_scanner.h"
#include "scanner_set.h"
#include "socket_poll.h"
#include "socket_write.h"

namespace slotproxy {
namespace {

bool ByteRange(const Napi::CallbackInfo& info, size_t at, const uint8_t** data, size_t* start, size_t* end) {
  if (!info[at].IsTypedArray()) return false;
  Napi::Uint8Array bytes = info[at].As<Napi::Uint8Array>();
  *data = bytes.Data();
  *start = info[at + 1].As<Napi::Number>().Uint32Value();
  *end = info[at + 2].As<Napi::Number>().Uint32Value();
  return *start <= *end && *end <= bytes.ByteLength();
}


// Gives the scanner being constructed (info.This()) its set's scanId() (the set's property
// `shared`, one function for all its scanners of a kind: scanner_set.h) and its place among them
// as `scannerIndex`, which scanId() reads from callArgs[4]. Returns the place.
int32_t ShareScanId(const Napi::CallbackInfo& info, int32_t index, const char* shared) {
  Napi::Object self = info.This().As<Napi::Object>();
  self.DefineProperty(Napi::PropertyDescriptor::Value("scanId", info[0].As<Napi::Object>().Get(shared), napi_default));
  self.DefineProperty(Napi::PropertyDescriptor::Value("scannerIndex", Napi::Number::New(info.Env(), index), napi_default));
  return index;
}

class RequestScannerWrap : public Napi::ObjectWrap<RequestScannerWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "RequestScanner", {InstanceMethod<&RequestScannerWrap::Reset>("reset")});
  }
  // new RequestScanner(set); its scan() is an own property (BindMethod)
  explicit RequestScannerWrap(const Napi::CallbackInfo& info)
      : Napi::ObjectWrap<RequestScannerWrap>(info), set_(ScannerSet::From(info)), scanner_(TableOf(set_), LimitsOf(set_)) {
    if (!set_) return;
    setRef_ = Napi::Persistent(info[0].As<Napi::Object>());
    bound_ = BindMethod<RequestScannerWrap, &RequestScannerWrap::Scan>(info, this, "scan");
    slots_ = set_->slots();
    index_ = ShareScanId(info, slots_->Add(&scanner_), "scanRequestId");
  }
  ~RequestScannerWrap() {
    if (bound_) bound_->self = nullptr;
    if (slots_) slots_->Remove(&scanner_, index_);
  }

  // scan(bytes, start, end, authRequired) -> record count. (Raw napi calls, once per read: the
  // Napi:: wrappers asked for the typed array's info two or three times and coerced the flag.)
  Napi::Value Scan(const Napi::CallbackInfo& info) {
    napi_env env = info.Env();
    napi_typedarray_type type;
    size_t length;
    void* data;
    uint32_t start, end;
    bool authRequired = false;
    if (info.Length() < 4 || napi_get_typedarray_info(env, info[0], &type, &length, &data, nullptr, nullptr) != napi_ok ||
        type != napi_uint8_array || napi_get_value_uint32(env, info[1], &start) != napi_ok ||
        napi_get_value_uint32(env, info[2], &end) != napi_ok || start > end || end > length) {
      return Throw(info.Env(), "scan(bytes, start, end): bad range");
    }
    if (napi_get_value_bool(env, info[3], &authRequired) != napi_ok) authRequired = info[3].ToBoolean().Value();
    return Napi::Value(env, Int32(env, scanner_.Scan(static_cast<const uint8_t*>(data), start, end, authRequired, set_->request())));
  }

 private:
  // without a set the constructor throws and the scanner is never used: it gets an empty table
  static const CommandTable& TableOf(const ScannerSet* set) {
    static const CommandTable none;
    return set ? set->commands() : none;
  }
  static const ScanLimits& LimitsOf(const ScannerSet* set) {
    static const ScanLimits none;
    return set ? set->limits() : none;
  }

  Napi::Value Reset(const Napi::CallbackInfo& info) {
    scanner_.Reset();
    return info.Env().Undefined();
  }
  const ScannerSet* set_;
  Napi::ObjectReference setRef_;
  RequestScanner scanner_;
  std::shared_ptr<Bound<RequestScannerWrap>> bound_;
  // its place among the set's scanners (scanner_set.h), in slots it shares with the set
  std::shared_ptr<ScannerSlots> slots_;
  int32_t index_ = -1;
};

class ReplyScannerWrap : public Napi::ObjectWrap<ReplyScannerWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "ReplyScanner", {});
  }
  // new ReplyScanner(set); its scan() is an own property (BindMethod)
  explicit ReplyScannerWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ReplyScannerWrap>(info), set_(ScannerSet::From(info)) {
    if (!set_) return;
    setRef_ = Napi::Persistent(info[0].As<Napi::Object>());
    bound_ = BindMethod<ReplyScannerWrap, &ReplyScannerWrap::Scan>(info, this, "scan");
    slots_ = set_->slots();
    index_ = ShareScanId(info, slots_->Add(&scanner_), "scanReplyId");
  }
  ~ReplyScannerWrap() {
    if (bound_) bound_->self = nullptr;
    if (slots_) slots_->Remove(&scanner_, index_);
  }

  // scan(bytes) -> record count; scan() with no bytes continues after kRepMore
  Napi::Value Scan(const Napi::CallbackInfo& info) {
    napi_env env = info.Env();
    const uint8_t* data = nullptr;
    size_t len = 0;
    napi_typedarray_type type;
    void* bytes;
    // (raw napi: one call for the array's type, length and data; a non-array is no bytes)
    if (info.Length() > 0 && napi_get_typedarray_info(env, info[0], &type, &len, &bytes, nullptr, nullptr) == napi_ok) {
      if (type != napi_uint8_array && type != napi_uint8_clamped_array && type != napi_int8_array) len = 0;
      else data = static_cast<const uint8_t*>(bytes);
    } else {
      len = 0;
    }
    return Napi::Value(env, Int32(env, scanner_.Scan(data, len, set_->reply())));
  }

 private:
  const ScannerSet* set_;
  Napi::ObjectReference setRef_;
  ReplyScanner scanner_;
  std::shared_ptr<Bound<ReplyScannerWrap>> bound_;
  std::shared_ptr<ScannerSlots> slots_;
  int32_t index_ = -1;
};

// keySlot(bytes, start, end) -> slot
Napi::Value KeySlotFn(const Napi::CallbackInfo& info) {
  const uint8_t* data;
  size_t start, end;
  if (!ByteRange(info, 0, &data, &start, &end)) return Throw(info.Env(), "keySlot(bytes, start, end): bad range");
  return Napi::Number::New(info.Env(), KeySlot(data + start, end - start));
}

// gatherv(out, at, ranges, count, ...sources) -> bytes written: copies `count` ranges, each given
// in the Int32Array `ranges` as (source index, start, end), one after the other into `out` from
// `at`. One call instead of a Buffer#copy per range, which makes a Uint8Array view each time. The
// sources come as arguments: reading them from an array was a napi_get_element each, most of a
// small gather's cost (bench/results/hot-path-figures.md, "gather arguments"). It replaces
// gather(out, at, sources, ranges, count) under a new name, so that a stale build/ with the old
// function is not called with the new arguments (it has no gatherv, and copies run in JS). Every
// range is checked before any byte moves: a bad one throws and copies nothing.
Napi::Value Gather(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[0].IsTypedArray() || !info[2].IsTypedArray() ||
      info[2].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    return Throw(env, "gatherv(out, at, ranges, count, ...sources)");
  }
  Napi::Uint8Array out = info[0].As<Napi::Uint8Array>();
  size_t at = info[1].As<Napi::Number>().Uint32Value();
  Napi::Int32Array ranges = info[2].As<Napi::Int32Array>();
  uint32_t count = info[3].As<Napi::Number>().Uint32Value();
  if (count > ranges.ElementLength() / 3) return Throw(env, "gatherv: count is beyond the ranges array");
  uint8_t* src[kMaxSources];
  size_t srcLen[kMaxSources];
  int32_t got = CallSources(info, 4, src, srcLen);
  if (got == kTooManySources) return Throw(env, "gatherv: too many sources");
  if (got == kSourceNotBuffer) return Throw(env, "gatherv: a source is not a Buffer");
  uint32_t nsrc = static_cast<uint32_t>(got);
  const int32_t* t = ranges.Data();
  size_t total = 0;
  for (uint32_t r = 0; r < count; r++, t += 3) {
    if (t[0] < 0 || static_cast<uint32_t>(t[0]) >= nsrc || t[1] < 0 || t[1] > t[2] || static_cast<size_t>(t[2]) > srcLen[t[0]]) {
      return Throw(env, "gatherv: a range is outside its source");
    }
    total += static_cast<size_t>(t[2] - t[1]);
  }
  if (at > out.ByteLength() || total > out.ByteLength() - at) return Throw(env, "gatherv: the ranges do not fit in out");
  uint8_t* dst = out.Data() + at;
  t = ranges.Data();
  for (uint32_t r = 0; r < count; r++, t += 3) {
    size_t n = static_cast<size_t>(t[2] - t[1]);
    memcpy(dst, src[t[0]] + t[1], n);
    dst += n;
  }
  return Napi::Number::New(env, static_cast<double>(total));
}

Napi::Object Layout(Napi::Env env) {
  Napi::Object o = Napi::Object::New(env);
  auto set = [&](const char* k, int32_t v) { o.Set(k, Napi::Number::New(env, v)); };
  set("reqHeader", kReqHeader);
  set("reqRecord", kReqRecord);
  set("keyTriple", kKeyTriple);
  set("repHeader", kRepHeader);
  set("repRecord", kRepRecord);
  set("cmdInline", kCmdInline);
  set("cmdProtocolError", kCmdProtocolError);
  set("flagCrossSlot", kFlagCrossSlot);
  set("flagArity", kFlagArity);
  set("flagUnknownSubcommand", kFlagUnknownSubcommand);
  set("repMore", kRepMore);
  set("repError", kRepError);
  return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  Napi::Function set = ScannerSet::Define(env);
  // per environment (the addon keeps nothing process-wide): what ScannerSet::From checks against,
  // the registered buffers
  auto* data = new AddonData();
  data->scannerSet = Napi::Persistent(set);
  env.SetInstanceData(data);
  exports.Set("ScannerSet", set);
  exports.Set("RequestScanner", RequestScannerWrap::Define(env));
  exports.Set("ReplyScanner", ReplyScannerWrap::Define(env));
  exports.Set("keySlot", Napi::Function::New(env, KeySlotFn));
  exports.Set("gatherv", Napi::Function::New(env, Gather));
  exports.Set("registerBuffer", Napi::Function::New(env, RegisterBuffer));
#ifndef _WIN32
  exports.Set("sendv", Napi::Function::New(env, SendV));
  exports.Set("sender", Napi::Function::New(env, MakeSender));
  exports.Set("submitSends", Napi::Function::New(env, SubmitSends));
  exports.Set("queuedBytes", Napi::Function::New(env, QueuedBytes));
  exports.Set("sendBatchState", Napi::Function::New(env, SendBatchState));
  exports.Set("ReadPoller", DefineReadPoller(env));
#endif
  exports.Set("layout", Layout(env));
  return exports;
}

}  // namespace
}  // namespace slotproxy

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return slotproxy::Init(env, exports); }

NODE_API_MODULE(NODE_GYP_MODULE_NAME, InitAddon)

// N-API surface of the scanners. Kept tiny: TypeScript (lib/protocol/native.ts) validates
// arguments and owns the typed arrays the scanners write into; the addon checks only what it
// needs to stay memory-safe.
#include <napi.h>

#include <cstring>

#include "command_table.h"
#include "crc16.h"
#include "records.h"
#include "reply_scanner.h"
#include "request_scanner.h"

namespace slotproxy {
namespace {

struct Outputs {
  ScanOutput request;
  ReplyOutput reply;
  Napi::Reference<Napi::Int32Array> requestRecords, requestKeys, replyRecords, replyElems;
};

Outputs& Out() {
  static Outputs outputs;
  return outputs;
}

bool ByteRange(const Napi::CallbackInfo& info, size_t at, const uint8_t** data, size_t* start, size_t* end) {
  if (!info[at].IsTypedArray()) return false;
  Napi::Uint8Array bytes = info[at].As<Napi::Uint8Array>();
  *data = bytes.Data();
  *start = info[at + 1].As<Napi::Number>().Uint32Value();
  *end = info[at + 2].As<Napi::Number>().Uint32Value();
  return *start <= *end && *end <= bytes.ByteLength();
}

Napi::Value Throw(Napi::Env env, const char* message) {
  Napi::TypeError::New(env, message).ThrowAsJavaScriptException();
  return env.Undefined();
}

class RequestScannerWrap : public Napi::ObjectWrap<RequestScannerWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "RequestScanner",
                       {InstanceMethod<&RequestScannerWrap::Scan>("scan"),
                        InstanceMethod<&RequestScannerWrap::Reset>("reset")});
  }
  explicit RequestScannerWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<RequestScannerWrap>(info) {}

 private:
  // scan(bytes, start, end, authRequired) -> record count
  Napi::Value Scan(const Napi::CallbackInfo& info) {
    const uint8_t* data;
    size_t start, end;
    if (!Out().request.records) return Throw(info.Env(), "setRequestOutput() was not called");
    if (!ByteRange(info, 0, &data, &start, &end)) return Throw(info.Env(), "scan(bytes, start, end): bad range");
    bool authRequired = info[3].ToBoolean().Value();
    return Napi::Number::New(info.Env(), scanner_.Scan(data, start, end, authRequired, Out().request));
  }
  Napi::Value Reset(const Napi::CallbackInfo& info) {
    scanner_.Reset();
    return info.Env().Undefined();
  }
  RequestScanner scanner_;
};

class ReplyScannerWrap : public Napi::ObjectWrap<ReplyScannerWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "ReplyScanner", {InstanceMethod<&ReplyScannerWrap::Scan>("scan")});
  }
  explicit ReplyScannerWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ReplyScannerWrap>(info) {}

 private:
  // scan(bytes) -> record count; scan() with no bytes continues after kRepMore
  Napi::Value Scan(const Napi::CallbackInfo& info) {
    if (!Out().reply.records) return Throw(info.Env(), "setReplyOutput() was not called");
    const uint8_t* data = nullptr;
    size_t len = 0;
    if (info.Length() > 0 && info[0].IsTypedArray()) {
      Napi::Uint8Array bytes = info[0].As<Napi::Uint8Array>();
      data = bytes.Data();
      len = bytes.ByteLength();
    }
    return Napi::Number::New(info.Env(), scanner_.Scan(data, len, Out().reply));
  }
  ReplyScanner scanner_;
};

Napi::Value SetRequestOutput(const Napi::CallbackInfo& info) {
  if (!info[0].IsTypedArray() || !info[1].IsTypedArray()) return Throw(info.Env(), "expects two Int32Arrays");
  Napi::Int32Array records = info[0].As<Napi::Int32Array>(), keys = info[1].As<Napi::Int32Array>();
  if (records.ElementLength() < static_cast<size_t>(kReqHeader + kReqRecord)) return Throw(info.Env(), "record array too small");
  Outputs& o = Out();
  o.requestRecords = Napi::Persistent(records);
  o.requestKeys = Napi::Persistent(keys);
  o.request.records = records.Data();
  o.request.recordCap = (records.ElementLength() - kReqHeader) / kReqRecord;
  o.request.keys = keys.Data();
  o.request.keyCap = keys.ElementLength() / kKeyTriple;
  return info.Env().Undefined();
}

Napi::Value SetReplyOutput(const Napi::CallbackInfo& info) {
  if (!info[0].IsTypedArray() || !info[1].IsTypedArray()) return Throw(info.Env(), "expects two Int32Arrays");
  Napi::Int32Array records = info[0].As<Napi::Int32Array>(), elems = info[1].As<Napi::Int32Array>();
  if (records.ElementLength() < static_cast<size_t>(kRepHeader + kRepRecord)) return Throw(info.Env(), "record array too small");
  Outputs& o = Out();
  o.replyRecords = Napi::Persistent(records);
  o.replyElems = Napi::Persistent(elems);
  o.reply.records = records.Data();
  o.reply.recordCap = (records.ElementLength() - kRepHeader) / kRepRecord;
  o.reply.elems = elems.Data();
  o.reply.elemCap = elems.ElementLength();
  return info.Env().Undefined();
}

// registerCommand(id, name, parentId, arity, flags, specs: Int32Array (7 per spec), keywords: string[])
Napi::Value RegisterCommand(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 7 || !info[1].IsString() || !info[5].IsTypedArray() || !info[6].IsArray()) {
    return Throw(env, "registerCommand(id, name, parentId, arity, flags, specs, keywords)");
  }
  CommandRow row;
  row.id = info[0].As<Napi::Number>().Int32Value();
  row.name = info[1].As<Napi::String>().Utf8Value();
  int32_t parentId = info[2].As<Napi::Number>().Int32Value();
  row.arity = info[3].As<Napi::Number>().Int32Value();
  row.flags = info[4].As<Napi::Number>().Int32Value() & kRowWantKeys;
  Napi::Int32Array specs = info[5].As<Napi::Int32Array>();
  Napi::Array keywords = info[6].As<Napi::Array>();
  for (size_t i = 0; i + 7 <= specs.ElementLength(); i += 7) {
    KeySpec s;
    s.bs = specs[i];
    s.bsArg = specs[i + 1];
    int32_t kw = specs[i + 2];
    if (s.bs == kBsKeyword) {
      if (kw < 0 || static_cast<uint32_t>(kw) >= keywords.Length()) return Throw(env, "keyword index out of range");
      s.keyword = keywords.Get(static_cast<uint32_t>(kw)).As<Napi::String>().Utf8Value();
    }
    s.fk = specs[i + 3];
    s.a = specs[i + 4];
    s.b = specs[i + 5];
    s.c = specs[i + 6];
    row.specs.push_back(std::move(s));
  }
  if (!Commands().Add(std::move(row), parentId)) return Throw(env, "inconsistent command row");
  return env.Undefined();
}

Napi::Value ClearCommands(const Napi::CallbackInfo& info) {
  Commands().Clear();
  return info.Env().Undefined();
}

// setLimits(maxMultibulk, maxBulk, maxInline, unauthMultibulk, unauthBulk)
Napi::Value SetLimits(const Napi::CallbackInfo& info) {
  ScanLimits& l = RequestScanner::Limits();
  l.maxMultibulk = info[0].As<Napi::Number>().Int64Value();
  l.maxBulk = info[1].As<Napi::Number>().Int64Value();
  l.maxInline = info[2].As<Napi::Number>().Int64Value();
  l.unauthMultibulk = info[3].As<Napi::Number>().Int64Value();
  l.unauthBulk = info[4].As<Napi::Number>().Int64Value();
  return info.Env().Undefined();
}

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
  constexpr uint32_t kMaxSources = 64;
  uint32_t nsrc = static_cast<uint32_t>(info.Length() - 4);
  if (nsrc > kMaxSources) return Throw(env, "gatherv: too many sources");
  const uint8_t* src[kMaxSources];
  size_t srcLen[kMaxSources];
  for (uint32_t i = 0; i < nsrc; i++) {
    napi_typedarray_type type;
    size_t length;
    void* data;
    if (napi_get_typedarray_info(env, info[4 + i], &type, &length, &data, nullptr, nullptr) != napi_ok || type != napi_uint8_array) {
      return Throw(env, "gatherv: a source is not a Buffer");
    }
    src[i] = static_cast<const uint8_t*>(data);
    srcLen[i] = length;
  }
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
  Commands().Clear();
  exports.Set("RequestScanner", RequestScannerWrap::Define(env));
  exports.Set("ReplyScanner", ReplyScannerWrap::Define(env));
  exports.Set("setRequestOutput", Napi::Function::New(env, SetRequestOutput));
  exports.Set("setReplyOutput", Napi::Function::New(env, SetReplyOutput));
  exports.Set("registerCommand", Napi::Function::New(env, RegisterCommand));
  exports.Set("clearCommands", Napi::Function::New(env, ClearCommands));
  exports.Set("setLimits", Napi::Function::New(env, SetLimits));
  exports.Set("keySlot", Napi::Function::New(env, KeySlotFn));
  exports.Set("gatherv", Napi::Function::New(env, Gather));
  exports.Set("layout", Layout(env));
  return exports;
}

}  // namespace
}  // namespace slotproxy

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return slotproxy::Init(env, exports); }

NODE_API_MODULE(NODE_GYP_MODULE_NAME, InitAddon)

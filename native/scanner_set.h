// ScannerSet: what one TypeScript Scanners object owns in the addon (see below); its scanners
// are in addon.cc.
#pragma once

#include <napi.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "addon_data.h"
#include "bound.h"
#include "buffer_ids.h"
#include "command_table.h"
#include "records.h"
#include "reply_scanner.h"
#include "request_scanner.h"

namespace slotproxy {

// The scanners made for a set, by scannerIndex (null: a free place, given to the next one). Held
// by the set and by each of its scanners, so a scanner that goes after its set (the environment's
// teardown finalizes in an order Node-API does not promise) frees its place in memory that is
// still there.
struct ScannerSlots {
  std::vector<RequestScanner*> requests;
  std::vector<ReplyScanner*> replies;
  std::vector<int32_t> freeRequests, freeReplies;

  int32_t Add(RequestScanner* s) { return Place(requests, freeRequests, s); }
  int32_t Add(ReplyScanner* s) { return Place(replies, freeReplies, s); }
  void Remove(RequestScanner*, int32_t index) { Free(requests, freeRequests, index); }
  void Remove(ReplyScanner*, int32_t index) { Free(replies, freeReplies, index); }

 private:
  template <typename S>
  static int32_t Place(std::vector<S*>& all, std::vector<int32_t>& free, S* s) {
    if (!free.empty()) {
      int32_t index = free.back();
      free.pop_back();
      all[static_cast<size_t>(index)] = s;
      return index;
    }
    all.push_back(s);
    return static_cast<int32_t>(all.size() - 1);
  }
  template <typename S>
  static void Free(std::vector<S*>& all, std::vector<int32_t>& free, int32_t index) {
    if (index < 0 || static_cast<size_t>(index) >= all.size() || all[static_cast<size_t>(index)] == nullptr) return;
    all[static_cast<size_t>(index)] = nullptr;
    free.push_back(index);
  }
};

// What one TypeScript Scanners object (one Proxy) owns: its command table, its limits and the
// typed arrays its scanners write their records into. Nothing of it is process-wide, so two
// proxies in one process (different clusters, different command tables) do not meet. The
// scanners it makes hold a reference to it: it lives as long as any of them.
//   new ScannerSet(requestRecords, requestKeys, replyRecords, replyElems[, callArgs])
// callArgs (Int32Array, 5 or more) holds the arguments of the scanners' scanId().
//
// scanId() is one function for all the set's request scanners (and one for its reply scanners),
// callArgs[4] saying which scanner (its scannerIndex): a call site that meets a function per
// scanner (a client's, a node connection's) is megamorphic, and V8 then calls through its
// generic API path instead of CallApiCallback (bench/results/hot-path-figures.md, "one scanId
// per set").
class ScannerSet : public Napi::ObjectWrap<ScannerSet> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "ScannerSet",
                       {InstanceMethod<&ScannerSet::RegisterCommand>("registerCommand"),
                        InstanceMethod<&ScannerSet::ClearCommands>("clearCommands"),
                        InstanceMethod<&ScannerSet::SetLimits>("setLimits")});
  }

  explicit ScannerSet(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ScannerSet>(info) {
    Napi::Env env = info.Env();
    for (size_t i = 0; i < 4; i++) {
      if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
        Throw(env, "ScannerSet(requestRecords, requestKeys, replyRecords, replyElems): four Int32Arrays");
        return;
      }
    }
    Napi::Int32Array reqRecords = info[0].As<Napi::Int32Array>(), reqKeys = info[1].As<Napi::Int32Array>();
    Napi::Int32Array repRecords = info[2].As<Napi::Int32Array>(), repElems = info[3].As<Napi::Int32Array>();
    if (reqRecords.ElementLength() < static_cast<size_t>(kReqHeader + kReqRecord) ||
        repRecords.ElementLength() < static_cast<size_t>(kRepHeader + kRepRecord)) {
      Throw(env, "ScannerSet: record array too small");
      return;
    }
    // kept referenced: the scanners write through the raw pointers below
    arrays_[0] = Napi::Persistent(reqRecords);
    arrays_[1] = Napi::Persistent(reqKeys);
    arrays_[2] = Napi::Persistent(repRecords);
    arrays_[3] = Napi::Persistent(repElems);
    request_.records = reqRecords.Data();
    request_.recordCap = (reqRecords.ElementLength() - kReqHeader) / kReqRecord;
    request_.keys = reqKeys.Data();
    request_.keyCap = reqKeys.ElementLength() / kKeyTriple;
    reply_.records = repRecords.Data();
    reply_.recordCap = (repRecords.ElementLength() - kRepHeader) / kRepRecord;
    reply_.elems = repElems.Data();
    reply_.elemCap = repElems.ElementLength();
    ids_ = BufferIdsOf(env);
    if (info.Length() > 4 && info[4].IsTypedArray() && info[4].As<Napi::TypedArray>().TypedArrayType() == napi_int32_array &&
        info[4].As<Napi::Int32Array>().ElementLength() >= 5) {
      argsRef_ = Napi::Persistent(info[4].As<Napi::Int32Array>());
      args_ = argsRef_.Value().Data();
    }
    boundRequests_ = BindRaw<ScannerSet, &ScannerSet::ScanRequestId>(info, this, "scanRequestId");
    boundReplies_ = BindRaw<ScannerSet, &ScannerSet::ScanReplyId>(info, this, "scanReplyId");
  }
  ~ScannerSet() {
    if (boundRequests_) boundRequests_->self = nullptr;
    if (boundReplies_) boundReplies_->self = nullptr;
  }

  // A scanner made for the set takes a place in these (its scannerIndex) and holds them, to give
  // the place back when it is destroyed.
  const std::shared_ptr<ScannerSlots>& slots() const { return slots_; }

  // The set a scanner's constructor was given; null (a JS exception pending) when it is not one.
  static ScannerSet* From(const Napi::CallbackInfo& info) {
    const Napi::FunctionReference& ctor = info.Env().GetInstanceData<AddonData>()->scannerSet;
    if (info.Length() < 1 || !info[0].IsObject() || !info[0].As<Napi::Object>().InstanceOf(ctor.Value())) {
      Throw(info.Env(), "a scanner needs its ScannerSet: new RequestScanner(set), new ReplyScanner(set)");
      return nullptr;
    }
    return Unwrap(info[0].As<Napi::Object>());
  }

  const CommandTable& commands() const { return commands_; }
  const ScanLimits& limits() const { return limits_; }
  const ScanOutput& request() const { return request_; }
  const ReplyOutput& reply() const { return reply_; }
  // the scanners' call arguments, or null when the set was made without them
  const int32_t* args() const { return args_; }
  // The bytes the call arguments [bufferId, start, end, ...] name in a registered buffer
  // (buffer_ids.h), from `start`; null, with a JS exception pending, when the set has no call
  // arguments or the range is not in the buffer.
  const uint8_t* ArgBytes(napi_env env, uint32_t* start, uint32_t* end) const {
    if (args_ == nullptr) {
      ThrowRaw(env, "scanId(): the ScannerSet was made without callArgs");
      return nullptr;
    }
    *start = static_cast<uint32_t>(args_[1]);
    *end = static_cast<uint32_t>(args_[2]);
    const uint8_t* bytes = ids_->Range(args_[0], *start, *end);
    if (bytes == nullptr) ThrowRaw(env, "scanId(): unknown buffer or bad range");
    return bytes;
  }

 private:
  // The scanner callArgs[4] names, or null with a JS exception pending. The index is used up (set
  // to -1): a caller that forgets to name its scanner gets an error, not the last one named,
  // whose half-read command it would write over.
  template <typename S>
  S* Pick(napi_env env, const std::vector<S*>& all) const {
    if (args_ == nullptr) {
      ThrowRaw(env, "scanId(): the ScannerSet was made without callArgs");
      return nullptr;
    }
    const int32_t index = args_[4];
    args_[4] = -1;
    S* s = index >= 0 && static_cast<size_t>(index) < all.size() ? all[static_cast<size_t>(index)] : nullptr;
    if (s == nullptr) ThrowRaw(env, "scanId(): callArgs[4] names no scanner of this set (its scannerIndex, set before each call)");
    return s;
  }

  // scanId() of a request scanner: callArgs [bufferId, start, end, authRequired (0 or 1),
  // scannerIndex]; the record count is the records' header's (kReqCount).
  napi_value ScanRequestId(napi_env env) {
    RequestScanner* s = Pick(env, slots_->requests);
    uint32_t start, end;
    const uint8_t* bytes = s != nullptr ? ArgBytes(env, &start, &end) : nullptr;
    if (bytes != nullptr) s->Scan(bytes - start, start, end, args_[3] != 0, request_);
    return nullptr;
  }

  // scanId() of a reply scanner: callArgs [bufferId, start, end, -, scannerIndex]; the records'
  // offsets are from `start`, as for scan() of that range; the count is the header's (kRepCount).
  napi_value ScanReplyId(napi_env env) {
    ReplyScanner* s = Pick(env, slots_->replies);
    uint32_t start, end;
    const uint8_t* bytes = s != nullptr ? ArgBytes(env, &start, &end) : nullptr;
    if (bytes != nullptr) s->Scan(bytes, end - start, reply_);
    return nullptr;
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
    if (!commands_.Add(std::move(row), parentId)) return Throw(env, "inconsistent command row");
    return env.Undefined();
  }

  Napi::Value ClearCommands(const Napi::CallbackInfo& info) {
    commands_.Clear();
    return info.Env().Undefined();
  }

  // setLimits(maxMultibulk, maxBulk, maxInline, unauthMultibulk, unauthBulk)
  Napi::Value SetLimits(const Napi::CallbackInfo& info) {
    limits_.maxMultibulk = info[0].As<Napi::Number>().Int64Value();
    limits_.maxBulk = info[1].As<Napi::Number>().Int64Value();
    limits_.maxInline = info[2].As<Napi::Number>().Int64Value();
    limits_.unauthMultibulk = info[3].As<Napi::Number>().Int64Value();
    limits_.unauthBulk = info[4].As<Napi::Number>().Int64Value();
    return info.Env().Undefined();
  }

  CommandTable commands_;
  ScanLimits limits_;
  ScanOutput request_;
  ReplyOutput reply_;
  Napi::Reference<Napi::Int32Array> arrays_[4];
  Napi::Reference<Napi::Int32Array> argsRef_;
  // (written too: Pick uses callArgs[4] up)
  int32_t* args_ = nullptr;
  // the environment's registered buffers, which call arguments name
  std::shared_ptr<BufferIds> ids_;
  std::shared_ptr<ScannerSlots> slots_ = std::make_shared<ScannerSlots>();
  std::shared_ptr<Bound<ScannerSet>> boundRequests_, boundReplies_;
};

}  // namespace slotproxy

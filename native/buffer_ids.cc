#include "buffer_ids.h"

#include "addon_data.h"

namespace slotproxy {

int32_t BufferIds::Add(uint8_t* data, size_t len) {
  int32_t id;
  if (!free_.empty()) {
    id = free_.back();
    free_.pop_back();
    entries_[static_cast<size_t>(id)] = Entry{data, len};
  } else {
    id = static_cast<int32_t>(entries_.size());
    entries_.push_back(Entry{data, len});
  }
  return id;
}

void BufferIds::Drop(int32_t id) {
  if (id < 0 || static_cast<size_t>(id) >= entries_.size() || entries_[static_cast<size_t>(id)].data == nullptr) return;
  entries_[static_cast<size_t>(id)] = Entry{nullptr, 0};
  free_.push_back(id);
}

std::shared_ptr<BufferIds> BufferIdsOf(Napi::Env env) {
  return env.GetInstanceData<AddonData>()->buffers;
}

namespace {

// What a Buffer's finalizer needs: the ids outlive the environment's data if they must.
struct Registration {
  std::shared_ptr<BufferIds> ids;
  int32_t id;
};

}  // namespace

Napi::Value RegisterBuffer(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  napi_typedarray_type type;
  size_t len;
  void* data;
  if (info.Length() < 1 || napi_get_typedarray_info(env, info[0], &type, &len, &data, nullptr, nullptr) != napi_ok ||
      type != napi_uint8_array || data == nullptr) {
    Napi::TypeError::New(info.Env(), "registerBuffer(buf): buf must be a non-empty Uint8Array").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  std::shared_ptr<BufferIds> ids = BufferIdsOf(info.Env());
  auto* reg = new Registration{ids, ids->Add(static_cast<uint8_t*>(data), len)};
  napi_status status = napi_add_finalizer(
      env, info[0], reg,
      [](napi_env, void* d, void*) {
        auto* r = static_cast<Registration*>(d);
        r->ids->Drop(r->id);
        delete r;
      },
      nullptr, nullptr);
  if (status != napi_ok) {
    ids->Drop(reg->id);
    delete reg;
    Napi::Error::New(info.Env(), "registerBuffer: could not watch the buffer").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  return Napi::Number::New(info.Env(), reg->id);
}

}  // namespace slotproxy

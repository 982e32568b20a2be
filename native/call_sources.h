// The Buffers a call takes as its trailing arguments (gatherv's and sendv's sources), read with
// one raw napi call each: the Napi:: wrappers asked for a typed array's info two or three times.
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>

namespace slotproxy {

constexpr uint32_t kMaxSources = 64;
constexpr int32_t kTooManySources = -1;
constexpr int32_t kSourceNotBuffer = -2;

// Fills src/len (kMaxSources entries) from the `n` values argv; returns n, kTooManySources, or
// kSourceNotBuffer when one is not a Uint8Array.
inline int32_t CallSources(napi_env env, const napi_value* argv, size_t n, uint8_t** src, size_t* len) {
  if (n > kMaxSources) return kTooManySources;
  for (size_t i = 0; i < n; i++) {
    napi_typedarray_type type;
    void* data;
    if (napi_get_typedarray_info(env, argv[i], &type, &len[i], &data, nullptr, nullptr) != napi_ok || type != napi_uint8_array) {
      return kSourceNotBuffer;
    }
    src[i] = static_cast<uint8_t*>(data);
  }
  return static_cast<int32_t>(n);
}

// The same from info[first..].
inline int32_t CallSources(const Napi::CallbackInfo& info, size_t first, uint8_t** src, size_t* len) {
  size_t n = info.Length() > first ? info.Length() - first : 0;
  if (n > kMaxSources) return kTooManySources;
  napi_value argv[kMaxSources];
  for (size_t i = 0; i < n; i++) argv[i] = info[first + i];
  return CallSources(info.Env(), argv, n, src, len);
}

}  // namespace slotproxy

// Buffers known to the addon by a small integer: the read slabs (lib/io/slabs.ts), which live
// long and are passed on every request. Asking N-API for a typed array's bytes costs ~300
// instructions per argument (napi_get_typedarray_info: the buffer, its type by a chain of
// checks, offset and length), about a tenth of the proxy's instructions per request at pipeline 1
// with one scan and one send per request; an id is one integer read and an index.
//
// An entry lives as long as its Buffer: a finalizer on the Buffer marks it dead (no bytes) and
// frees its id for reuse. Nothing in JavaScript can name a dead id: ids are held only by the
// object that holds the Buffer (a Slab).
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace slotproxy {

class BufferIds {
 public:
  // The bytes of buffer `id` from `start` to `end`, or null when the id is unknown, dead or the
  // range is outside it.
  const uint8_t* Range(int32_t id, uint32_t start, uint32_t end) const {
    if (id < 0 || static_cast<size_t>(id) >= entries_.size() || start > end) return nullptr;
    const Entry& e = entries_[static_cast<size_t>(id)];
    if (e.data == nullptr || end > e.len) return nullptr;
    return e.data + start;
  }
  // The whole buffer `id` (null when unknown or dead) and its length.
  uint8_t* Whole(int32_t id, size_t* len) const {
    if (id < 0 || static_cast<size_t>(id) >= entries_.size()) return nullptr;
    const Entry& e = entries_[static_cast<size_t>(id)];
    *len = e.len;
    return e.data;
  }
  int32_t Add(uint8_t* data, size_t len);
  void Drop(int32_t id);

 private:
  struct Entry {
    uint8_t* data;
    size_t len;
  };
  std::vector<Entry> entries_;
  std::vector<int32_t> free_;
};

// The environment's ids (the addon keeps nothing process-wide: each worker has its own).
std::shared_ptr<BufferIds> BufferIdsOf(Napi::Env env);

// registerBuffer(buf: Uint8Array) -> id
Napi::Value RegisterBuffer(const Napi::CallbackInfo& info);

}  // namespace slotproxy

// Throwing from the addon, and scanner methods bound to their C++ object as functions of their
// own (see Bound). Shared by addon.cc and socket_write.cc.
#pragma once

#include <napi.h>

#include <cstdint>
#include <memory>

namespace slotproxy {

inline Napi::Value Throw(Napi::Env env, const char* message) {
  Napi::TypeError::New(env, message).ThrowAsJavaScriptException();
  return env.Undefined();
}

// A scanner's scan() as a function of its own, bound to the C++ object. A method of an ObjectWrap
// finds its object with napi_unwrap, a private-symbol property lookup that cost ~650 of the ~1,600
// instructions of a scan() call (bench/results/hot-path-figures.md, "bound scan"); this function
// gets it from its own data. The data outlives neither: the wrapper's destructor clears it, the
// function's finalizer frees its share of it.
template <typename W>
struct Bound {
  W* self;
};

template <typename W, Napi::Value (W::*Method)(const Napi::CallbackInfo&)>
Napi::Value CallBound(const Napi::CallbackInfo& info) {
  W* self = (*static_cast<std::shared_ptr<Bound<W>>*>(info.Data()))->self;
  if (self == nullptr) return Throw(info.Env(), "the scanner is gone");
  return (self->*Method)(info);
}

// Defines `name` on the object being constructed as Method bound to `self`.
template <typename W, Napi::Value (W::*Method)(const Napi::CallbackInfo&)>
std::shared_ptr<Bound<W>> BindMethod(const Napi::CallbackInfo& info, W* self, const char* name) {
  Napi::Env env = info.Env();
  auto bound = std::make_shared<Bound<W>>(Bound<W>{self});
  auto* share = new std::shared_ptr<Bound<W>>(bound);
  Napi::Function fn = Napi::Function::New<CallBound<W, Method>>(env, name, share);
  napi_add_finalizer(
      env, fn, share, [](napi_env, void* data, void*) { delete static_cast<std::shared_ptr<Bound<W>>*>(data); }, nullptr, nullptr);
  info.This().As<Napi::Object>().DefineProperty(Napi::PropertyDescriptor::Value(name, fn, napi_default));
  return bound;
}

// The same for a method that takes its arguments from an Int32Array (the set's callArgs): a raw
// napi function, without Napi::CallbackInfo, whose napi_get_cb_info of six arguments and whose
// conversion of each argument (napi_get_value_uint32...) were ~250 of a call's ~650 instructions
// (bench/results/hot-path-figures.md, "argument arrays").
template <typename W, napi_value (W::*Method)(napi_env)>
napi_value CallBoundRaw(napi_env env, napi_callback_info info) {
  void* data = nullptr;
  napi_get_cb_info(env, info, nullptr, nullptr, nullptr, &data);
  W* self = (*static_cast<std::shared_ptr<Bound<W>>*>(data))->self;
  if (self == nullptr) {
    napi_throw_type_error(env, nullptr, "the scanner is gone");
    return nullptr;
  }
  return (self->*Method)(env);
}

template <typename W, napi_value (W::*Method)(napi_env)>
std::shared_ptr<Bound<W>> BindRaw(const Napi::CallbackInfo& info, W* self, const char* name) {
  Napi::Env env = info.Env();
  auto bound = std::make_shared<Bound<W>>(Bound<W>{self});
  auto* share = new std::shared_ptr<Bound<W>>(bound);
  napi_value raw;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, CallBoundRaw<W, Method>, share, &raw);
  Napi::Function fn(env, raw);
  napi_add_finalizer(
      env, fn, share, [](napi_env, void* data, void*) { delete static_cast<std::shared_ptr<Bound<W>>*>(data); }, nullptr, nullptr);
  info.This().As<Napi::Object>().DefineProperty(Napi::PropertyDescriptor::Value(name, fn, napi_default));
  return bound;
}

// An int32 as a JS number (a small integer: no heap number to make), from raw napi.
inline napi_value Int32(napi_env env, int32_t value) {
  napi_value result;
  napi_create_int32(env, value, &result);
  return result;
}

inline napi_value ThrowRaw(napi_env env, const char* message) {
  napi_throw_type_error(env, nullptr, message);
  return nullptr;
}

}  // namespace slotproxy

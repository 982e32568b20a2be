// sendv(fd, ranges, count, ...sources) and sender(ranges, ids): see socket_write.cc.
#pragma once

#include <napi.h>

namespace slotproxy {

Napi::Value SendV(const Napi::CallbackInfo& info);
Napi::Value MakeSender(const Napi::CallbackInfo& info);

}  // namespace slotproxy

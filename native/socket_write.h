// sendv(fd, ranges, count, ...sources): see socket_write.cc.
#pragma once

#include <napi.h>

namespace slotproxy {

Napi::Value SendV(const Napi::CallbackInfo& info);

}  // namespace slotproxy

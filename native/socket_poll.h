// ReadPoller: socket reads on Node's loop without Node's stream handle; see socket_poll.cc.
#pragma once

#include <napi.h>

namespace slotproxy {

Napi::Function DefineReadPoller(Napi::Env env);

}  // namespace slotproxy

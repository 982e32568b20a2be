// What the addon keeps per environment (main thread, each worker): set in Init (addon.cc).
#pragma once

#include <napi.h>

#include <memory>

#include "buffer_ids.h"

namespace slotproxy {

struct AddonData {
  // the ScannerSet class, which a scanner's constructor checks its argument against
  Napi::FunctionReference scannerSet;
  std::shared_ptr<BufferIds> buffers = std::make_shared<BufferIds>();
};

}  // namespace slotproxy

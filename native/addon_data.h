// What the addon keeps per environment (main thread, each worker): set in Init (addon.cc).
#pragma once

#include <napi.h>

#include <memory>

#include "buffer_ids.h"
#include "send_batch.h"

namespace slotproxy {

struct AddonData {
  // the ScannerSet class, which a scanner's constructor checks its argument against
  Napi::FunctionReference scannerSet;
  std::shared_ptr<BufferIds> buffers = std::make_shared<BufferIds>();
  // client sends batched per flush (send_batch.h); io_uring is set up on first use
  std::shared_ptr<SendBatch> sends = std::make_shared<SendBatch>();
};

}  // namespace slotproxy

// The software GPU: device memory in host RAM at device-looking addresses,
// in-order streams, events, and kernels run by the PTX interpreter. Lets
// every test and the demo run on a machine with no GPU.
#pragma once

#include <memory>

#include "server/backends/backend.h"

namespace vgpu::backend::emu {

// `memory_bytes` is the device memory the emulated GPU reports and enforces.
Result<std::unique_ptr<Backend>> CreateEmuBackend(uint64_t memory_bytes);

}  // namespace vgpu::backend::emu

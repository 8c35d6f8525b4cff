// The software GPU: device memory in host RAM at device-looking addresses,
// in-order streams, events, and kernels run by the PTX interpreter. Lets
// every test and the demo run on a machine with no GPU.
#pragma once

#include <chrono>
#include <memory>

#include "server/backends/backend.h"

namespace vgpu::backend::emu {

// `memory_bytes` is the device memory the emulated GPU reports and enforces.
// A launch still running after `kernel_timeout` (0: never) fails with
// CUDA_ERROR_LAUNCH_TIMEOUT, which is sticky as on hardware.
Result<std::unique_ptr<Backend>> CreateEmuBackend(uint64_t memory_bytes,
                                                  std::chrono::nanoseconds kernel_timeout = {});

}  // namespace vgpu::backend::emu

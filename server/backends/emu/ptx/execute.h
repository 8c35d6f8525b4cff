// Runs one thread block: its warps, shared memory and barriers, on the calling thread.
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "common/status.h"
#include "server/backends/emu/ptx/ir.h"
#include "server/backends/emu/ptx/ptx.h"

namespace vgpu::ptx {

// Everything about one launch that its blocks share (read-only while blocks run).
struct LaunchState {
  uint64_t serial = 0;  // distinguishes launches for per-thread caches
  const ModuleData* data = nullptr;
  const KernelLayout* layout = nullptr;
  std::string kernel_name;
  LaunchConfig config{};
  std::span<const uint8_t> params;
  DeviceMemory* memory = nullptr;
  std::vector<std::pair<uint32_t, uint64_t>> consts;  // absolute register -> value
  uint32_t shared_bytes = 0;                          // static (aligned) + dynamic
  uint32_t threads_per_block = 0;
  const LaunchLimits* limits = nullptr;  // cancellation and timeout, checked inside long blocks too
};

// Runs block `linear` (x fastest) of a launch. Not thread-safe; use one per worker thread.
Status RunBlock(const LaunchState& launch, uint64_t linear, uint64_t* executed);

}  // namespace vgpu::ptx

// What the software GPU reports: one device with plausible, self-consistent
// attributes (compute capability 8.0).
#pragma once

#include "server/backends/backend.h"

namespace vgpu::backend::emu {

inline constexpr int kComputeMajor = 8;
inline constexpr int kComputeMinor = 0;
inline constexpr int kSharedMemoryPerBlock = 48 * 1024;
inline constexpr int kMaxThreadsPerBlock = 1024;

DeviceInfo MakeEmuDevice(uint64_t memory_bytes);

}  // namespace vgpu::backend::emu

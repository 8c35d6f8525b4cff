// What the software GPU reports: one device with plausible, self-consistent
// attributes (compute capability 8.0).
#pragma once

#include "server/backends/backend.h"

namespace vgpu::backend::emu {

inline constexpr int kComputeMajor = 8;
inline constexpr int kComputeMinor = 0;
inline constexpr int kSharedMemoryPerBlock = 48 * 1024;
// An A100's opt-in limit per block and shared memory per SM (ggml sizes its MMQ tiles by the
// opt-in value: at 48 KiB no q2_K tile fits and it aborts).
inline constexpr int kSharedMemoryPerBlockOptin = 163 * 1024;
inline constexpr int kSharedMemoryPerMultiprocessor = 164 * 1024;
inline constexpr int kMaxThreadsPerBlock = 1024;

DeviceInfo MakeEmuDevice(uint64_t memory_bytes);

}  // namespace vgpu::backend::emu

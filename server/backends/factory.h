// Picks the backend vgpu-server runs on: "cuda", "emu", or "auto" (cuda when
// a driver and a GPU are found, else emu).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "server/backends/backend.h"

namespace vgpu::backend {

struct BackendOptions {
  std::string kind = "auto";
  uint64_t emu_memory_bytes = 16ull << 30;
  std::chrono::nanoseconds emu_kernel_timeout{0};  // 0: launches may run as long as they like
};

Result<std::unique_ptr<Backend>> CreateBackend(const BackendOptions& options);

}  // namespace vgpu::backend

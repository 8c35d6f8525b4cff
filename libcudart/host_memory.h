// Host allocations and registrations the runtime knows about (cudaMallocHost,
// cudaHostAlloc, cudaHostRegister). They classify pointers for
// cudaMemcpyDefault and cudaPointerGetAttributes without asking the driver.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "common/status.h"

namespace vgpu::rt {

struct HostRange {
  uintptr_t base = 0;
  size_t size = 0;
  unsigned flags = 0;
  bool owned = false;  // allocated by us (cudaMallocHost/cudaHostAlloc)
};

// Alignment of every host allocation: a page, which covers the >= 256 bytes
// that vectorised host code and DMA engines expect.
inline constexpr size_t kHostAlignment = 4096;

Result<void*> AllocHost(size_t size, unsigned flags);
// InvalidValue if `ptr` is not the start of one of our allocations.
Status FreeHost(void* ptr);
// Registers [ptr, ptr+size); HostMemoryAlreadyRegistered on overlap.
Status RegisterHost(void* ptr, size_t size, unsigned flags);
Status UnregisterHost(void* ptr);
// The tracked range that contains `ptr`, if any.
std::optional<HostRange> FindHost(const void* ptr);

}  // namespace vgpu::rt

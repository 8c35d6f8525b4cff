#include "server/backends/emu/memory.h"

#include "common/hex.h"

#include <cinttypes>
#include <cstdio>
#include <string>

namespace vgpu::backend::emu {
namespace {

constexpr uint64_t kAlignment = 256;      // what cuMemAlloc guarantees
constexpr uint64_t kGuardBytes = 1 << 16;  // gap so overruns land nowhere

}  // namespace

Result<uint64_t> DevicePool::Reserve(uint64_t size) {
  uint64_t rounded = (size + kAlignment - 1) / kAlignment * kAlignment;
  uint64_t used = used_.fetch_add(rounded) + rounded;
  if (used > capacity_) {
    used_ -= rounded;
    return OutOfMemory("out of device memory: " + std::to_string(size) + " bytes requested, " +
                       std::to_string(capacity_ - (used - rounded)) + " free");
  }
  return next_.fetch_add(rounded + kGuardBytes);
}

SessionMemory::~SessionMemory() {
  for (const auto& [address, block] : blocks_) pool_.Release((block.size + kAlignment - 1) / kAlignment * kAlignment);
}

Result<uint64_t> SessionMemory::Allocate(uint64_t size) {
  VGPU_ASSIGN_OR_RETURN(uint64_t address, pool_.Reserve(size));
  // calloc: fresh device memory reads as zero, and untouched pages cost nothing.
  auto* bytes = static_cast<uint8_t*>(std::calloc(size, 1));
  if (bytes == nullptr) {
    pool_.Release((size + kAlignment - 1) / kAlignment * kAlignment);
    return OutOfMemory("the server has no host memory left for " + std::to_string(size) + " bytes");
  }
  blocks_.emplace(address, Block{std::unique_ptr<uint8_t, FreeDeleter>(bytes), size});
  return address;
}

Status SessionMemory::Free(uint64_t address) {
  auto it = blocks_.find(address);
  if (it == blocks_.end()) {
    return InvalidValue(Hex(address) + " is not an allocation of this session");
  }
  pool_.Release((it->second.size + kAlignment - 1) / kAlignment * kAlignment);
  blocks_.erase(it);
  return Status();
}

uint8_t* SessionMemory::Translate(uint64_t address, uint64_t size) {
  auto it = blocks_.upper_bound(address);
  if (it == blocks_.begin()) return nullptr;
  --it;
  uint64_t offset = address - it->first;
  if (offset > it->second.size || size > it->second.size - offset) return nullptr;
  return it->second.bytes.get() + offset;
}

}  // namespace vgpu::backend::emu

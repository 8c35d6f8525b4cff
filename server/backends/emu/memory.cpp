#include "server/backends/emu/memory.h"

#include <random>
#include <string>

#include "common/hex.h"

namespace vgpu::backend::emu {
namespace {

constexpr uint64_t kAlignment = 256;       // what cuMemAlloc guarantees
constexpr uint64_t kGuardBytes = 1 << 16;  // gap so overruns land nowhere
// Session bases: one of 4096 slots of 4 GiB from 0x2000'0000'0000, far from
// typical host mappings and from the interpreter's windows (ptx.h). A
// session's range grows from its base by at most what it allocates plus
// guards, and address ranges may overlap between sessions: each session
// translates only its own.
constexpr uint64_t kSpaceBase = 0x200000000000ull;
constexpr uint64_t kSlotBytes = 1ull << 32;
constexpr uint64_t kSlots = 4096;

static_assert(SessionMemory::kKernelOverrunBytes < kGuardBytes, "a kernel's overrun must not reach the next allocation");

uint64_t Rounded(uint64_t size) { return (size + kAlignment - 1) / kAlignment * kAlignment; }

uint64_t RandomBase() {
  std::random_device entropy;
  uint64_t slot = ((uint64_t{entropy()} << 32) | entropy()) % kSlots;
  return kSpaceBase + slot * kSlotBytes;
}

}  // namespace

Status DevicePool::Reserve(uint64_t size) {
  uint64_t used = used_.fetch_add(size) + size;
  if (used > capacity_ || used < size) {
    used_ -= size;
    uint64_t before = used - size;
    return OutOfMemory("out of device memory: " + std::to_string(size) + " bytes requested, " +
                       std::to_string(capacity_ - std::min(capacity_, before)) + " free");
  }
  return Status();
}

SessionMemory::SessionMemory(DevicePool& pool) : pool_(pool), next_(RandomBase()) {}

SessionMemory::~SessionMemory() {
  for (const auto& [address, block] : blocks_) pool_.Release(Rounded(block.size));
}

Result<uint64_t> SessionMemory::Allocate(uint64_t size) {
  if (size > pool_.capacity()) {
    return OutOfMemory("out of device memory: " + std::to_string(size) + " bytes requested, the device has " +
                       std::to_string(pool_.capacity()));
  }
  // Addresses are never reused: a session that allocates and frees for long
  // enough runs out of them before reaching the interpreter's windows.
  if (next_ > ptx::kParamWindow - Rounded(size) - kGuardBytes) {
    return OutOfMemory("this session has used up its device address space");
  }
  VGPU_RETURN_IF_ERROR(pool_.Reserve(Rounded(size)));
  // calloc: fresh device memory reads as zero, and untouched pages cost nothing.
  auto* bytes = static_cast<uint8_t*>(std::calloc(Rounded(size) + kKernelOverrunBytes, 1));
  if (bytes == nullptr) {
    pool_.Release(Rounded(size));
    return OutOfMemory("the server has no host memory left for " + std::to_string(size) + " bytes");
  }
  uint64_t address = next_;
  next_ += Rounded(size) + kGuardBytes;
  blocks_.emplace(address, Block{std::unique_ptr<uint8_t, FreeDeleter>(bytes), size});
  return address;
}

Status SessionMemory::Free(uint64_t address) {
  auto it = blocks_.find(address);
  if (it == blocks_.end()) {
    return InvalidValue(Hex(address) + " is not an allocation of this session");
  }
  pool_.Release(Rounded(it->second.size));
  blocks_.erase(it);
  return Status();
}

template <typename Reach>
uint8_t* SessionMemory::Find(uint64_t address, uint64_t size, Reach reach) {
  auto it = blocks_.upper_bound(address);
  if (it == blocks_.begin()) return nullptr;
  --it;
  uint64_t offset = address - it->first;
  uint64_t limit = reach(it->second);
  if (offset > limit || size > limit - offset) return nullptr;
  return it->second.bytes.get() + offset;
}

uint8_t* SessionMemory::Translate(uint64_t address, uint64_t size) {
  return Find(address, size, [](const Block& b) { return b.size; });
}

uint8_t* SessionMemory::TranslateKernelAccess(uint64_t address, uint64_t size) {
  return Find(address, size, [](const Block& b) { return Rounded(b.size) + kKernelOverrunBytes; });
}

}  // namespace vgpu::backend::emu

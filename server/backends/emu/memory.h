// Device memory of the software GPU. Addresses come from one device-wide
// range and are never reused, so a stale pointer can never reach another
// session's memory; each session can touch only its own allocations.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>

#include "common/status.h"
#include "server/backends/emu/ptx/ptx.h"

namespace vgpu::backend::emu {

// Device-wide: address assignment and the capacity every session shares.
class DevicePool {
 public:
  explicit DevicePool(uint64_t capacity) : capacity_(capacity) {}
  // An address for `size` bytes, or kOutOfMemory.
  Result<uint64_t> Reserve(uint64_t size);
  void Release(uint64_t size) { used_ -= size; }
  uint64_t capacity() const { return capacity_; }
  uint64_t used() const { return used_.load(); }

 private:
  static constexpr uint64_t kBase = 0x200000000000ull;  // far from typical host mappings
  const uint64_t capacity_;
  std::atomic<uint64_t> used_{0};
  std::atomic<uint64_t> next_{kBase};
};

// One session's allocations. Used by the executor thread and, during a
// launch, read concurrently by the interpreter's workers.
class SessionMemory final : public ptx::DeviceMemory {
 public:
  explicit SessionMemory(DevicePool& pool) : pool_(pool) {}
  ~SessionMemory() override;

  Result<uint64_t> Allocate(uint64_t size);
  Status Free(uint64_t address);
  // Host pointer for [address, address+size) inside one allocation, else nullptr.
  uint8_t* Translate(uint64_t address, uint64_t size) override;

 private:
  struct FreeDeleter {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  struct Block {
    std::unique_ptr<uint8_t, FreeDeleter> bytes;
    uint64_t size;
  };
  DevicePool& pool_;
  std::map<uint64_t, Block> blocks_;
};

}  // namespace vgpu::backend::emu

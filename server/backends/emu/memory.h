// Device memory of the software GPU. The device-wide pool only counts
// capacity; each session has its own address space, starting at a random
// base and never reusing an address, so a stale pointer never reaches
// another allocation and a session's addresses say nothing about what other
// sessions allocated. Each session can touch only its own allocations.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>

#include "common/status.h"
#include "server/backends/emu/ptx/ptx.h"

namespace vgpu::backend::emu {

// Device-wide: the capacity every session shares.
class DevicePool {
 public:
  explicit DevicePool(uint64_t capacity) : capacity_(capacity) {}
  // Takes `size` bytes (already rounded) of the capacity, or kOutOfMemory.
  Status Reserve(uint64_t size);
  void Release(uint64_t size) { used_ -= size; }
  uint64_t capacity() const { return capacity_; }
  uint64_t used() const { return used_.load(); }

 private:
  const uint64_t capacity_;
  std::atomic<uint64_t> used_{0};
};

// One session's allocations. Used by the executor thread and, during a
// launch, read concurrently by the interpreter's workers.
class SessionMemory final : public ptx::DeviceMemory {
 public:
  explicit SessionMemory(DevicePool& pool);
  ~SessionMemory() override;

  Result<uint64_t> Allocate(uint64_t size);
  Status Free(uint64_t address);
  // Host pointer for [address, address+size) inside one allocation, else nullptr.
  uint8_t* Translate(uint64_t address, uint64_t size) override;
  // For kernels: [address, address+size) may also reach up to kKernelOverrunBytes past the
  // allocation's 256-byte-rounded end. A real GPU maps whole pages (2 MiB for cuMemAlloc), so
  // such reads do not fault there, and kernels rely on it: ggml's MMQ with expert ids reads a
  // full tile of ids_dst past the end of a pool buffer and ignores the extra entries.
  uint8_t* TranslateKernelAccess(uint64_t address, uint64_t size) override;
  static constexpr uint64_t kKernelOverrunBytes = 4096;

 private:
  struct FreeDeleter {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  struct Block {
    std::unique_ptr<uint8_t, FreeDeleter> bytes;  // size rounded, plus kKernelOverrunBytes
    uint64_t size;
  };
  // Host pointer for [address, address+size) within `reach(block)` bytes of one block's start.
  template <typename Reach>
  uint8_t* Find(uint64_t address, uint64_t size, Reach reach);
  DevicePool& pool_;
  uint64_t next_;  // this session's next address
  std::map<uint64_t, Block> blocks_;
};

}  // namespace vgpu::backend::emu

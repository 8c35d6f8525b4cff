// What both PTX benchmarks run kernels on: device memory as host blocks at fake device
// addresses (each 256-aligned with a gap, as the software GPU lays them out), and the
// process's CPU time, so figures can be per busy core.
#pragma once

#include <sys/resource.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <vector>

#include "server/backends/emu/ptx/ptx.h"

namespace vgpu::bench {

class HostMemory : public ptx::DeviceMemory {
 public:
  uint64_t Alloc(size_t bytes) {
    uint64_t addr = next_;
    next_ += (bytes + 255) / 256 * 256 + 4096;
    blocks_[addr].assign(bytes, 0);
    return addr;
  }
  template <typename T>
  uint64_t Upload(const std::vector<T>& v) {
    uint64_t addr = Alloc(v.size() * sizeof(T));
    if (!v.empty()) std::memcpy(blocks_[addr].data(), v.data(), v.size() * sizeof(T));
    return addr;
  }
  template <typename T>
  std::vector<T> Download(uint64_t addr, size_t n) {
    std::vector<T> out(n);
    std::memcpy(out.data(), Translate(addr, n * sizeof(T)), n * sizeof(T));
    return out;
  }
  uint8_t* Translate(uint64_t address, uint64_t size) override {
    auto it = blocks_.upper_bound(address);
    if (it == blocks_.begin()) return nullptr;
    --it;
    uint64_t off = address - it->first;
    if (off > it->second.size() || size > it->second.size() - off) return nullptr;
    return it->second.data() + off;
  }

 private:
  uint64_t next_ = 0x7000'0000'0000ull;
  std::map<uint64_t, std::vector<uint8_t>> blocks_;
};

inline double CpuSeconds() {
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
}

}  // namespace vgpu::bench

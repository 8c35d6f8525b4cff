// A DeviceMemory for tests: allocations in host vectors at device-looking addresses, plus
// helpers to pack kernel parameters and to place a module's globals.
#pragma once

#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <catch2/catch.hpp>

#include "server/backends/emu/ptx/ptx.h"

namespace vgpu::ptx::testing {

class TestMemory : public DeviceMemory {
 public:
  uint64_t Alloc(size_t bytes) {
    std::lock_guard<std::mutex> lock(mu_);
    uint64_t addr = next_;
    next_ += (bytes + 255) / 256 * 256 + 4096;  // a gap so overruns hit nothing
    blocks_[addr] = std::vector<uint8_t>(bytes, 0);
    return addr;
  }
  template <typename T>
  uint64_t Upload(const std::vector<T>& v) {
    uint64_t a = Alloc(v.size() * sizeof(T));
    std::memcpy(blocks_[a].data(), v.data(), v.size() * sizeof(T));
    return a;
  }
  template <typename T>
  std::vector<T> Download(uint64_t addr, size_t n) {
    std::vector<T> out(n);
    uint8_t* p = Translate(addr, n * sizeof(T));
    REQUIRE(p != nullptr);
    std::memcpy(out.data(), p, n * sizeof(T));
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
  std::mutex mu_;
  uint64_t next_ = 0x7000'0000'0000ull;
  std::map<uint64_t, std::vector<uint8_t>> blocks_;
};

// Packs arguments at the offsets Module reports.
class Args {
 public:
  explicit Args(const Kernel& k) : k_(k), bytes_(k.param_bytes, 0) {}
  template <typename T>
  Args& Set(size_t i, const T& v) {
    REQUIRE(i < k_.params.size());
    REQUIRE(sizeof(T) == k_.params[i].size);
    std::memcpy(bytes_.data() + k_.params[i].offset, &v, sizeof(T));
    return *this;
  }
  const std::vector<uint8_t>& bytes() const { return bytes_; }

 private:
  const Kernel& k_;
  std::vector<uint8_t> bytes_;
};

inline std::unordered_map<std::string, uint64_t> PlaceGlobals(const Module& m, TestMemory& mem) {
  std::unordered_map<std::string, uint64_t> out;
  for (const Global& g : m.globals()) out[g.name] = mem.Upload(g.init);
  return out;
}

inline LaunchConfig Config(uint32_t gx, uint32_t bx, uint32_t gy = 1, uint32_t by = 1, uint32_t dyn = 0) {
  return LaunchConfig{{gx, gy, 1}, {bx, by, 1}, dyn};
}

}  // namespace vgpu::ptx::testing

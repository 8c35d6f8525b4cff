#include "libcudart/host_memory.h"

#include <cuda_runtime_api.h>

#include <cstdlib>
#include <map>
#include <mutex>

#include "libcudart/errors.h"

namespace vgpu::rt {
namespace {

struct Tracker {
  std::mutex mu;
  std::map<uintptr_t, HostRange> ranges;  // keyed by base
};

Tracker& Get() {
  static Tracker* tracker = new Tracker();
  return *tracker;
}

// Caller holds mu.
const HostRange* Containing(Tracker& t, uintptr_t p) {
  auto it = t.ranges.upper_bound(p);
  if (it == t.ranges.begin()) return nullptr;
  --it;
  const HostRange& r = it->second;
  return p < r.base + (r.size == 0 ? 1 : r.size) ? &r : nullptr;
}

}  // namespace

Result<void*> AllocHost(size_t size, unsigned flags) {
  void* ptr = nullptr;
  if (posix_memalign(&ptr, kHostAlignment, size == 0 ? 1 : size) != 0)
    return OutOfMemory("host allocation of " + std::to_string(size) + " bytes failed");
  Tracker& t = Get();
  std::lock_guard lock(t.mu);
  auto base = reinterpret_cast<uintptr_t>(ptr);
  t.ranges[base] = HostRange{base, size, flags, true};
  return ptr;
}

Status FreeHost(void* ptr) {
  Tracker& t = Get();
  {
    std::lock_guard lock(t.mu);
    auto it = t.ranges.find(reinterpret_cast<uintptr_t>(ptr));
    if (it == t.ranges.end() || !it->second.owned) return InvalidValue("not a cudaMallocHost/cudaHostAlloc pointer");
    t.ranges.erase(it);
  }
  std::free(ptr);
  return Status::Ok();
}

Status RegisterHost(void* ptr, size_t size, unsigned flags) {
  if (ptr == nullptr || size == 0) return InvalidValue("cudaHostRegister of an empty range");
  Tracker& t = Get();
  std::lock_guard lock(t.mu);
  auto base = reinterpret_cast<uintptr_t>(ptr);
  auto next = t.ranges.lower_bound(base);
  bool overlaps = Containing(t, base) != nullptr || (next != t.ranges.end() && next->first < base + size);
  if (overlaps) return RtError(cudaErrorHostMemoryAlreadyRegistered, "range already registered");
  t.ranges[base] = HostRange{base, size, flags, false};
  return Status::Ok();
}

Status UnregisterHost(void* ptr) {
  Tracker& t = Get();
  std::lock_guard lock(t.mu);
  auto it = t.ranges.find(reinterpret_cast<uintptr_t>(ptr));
  if (it == t.ranges.end() || it->second.owned)
    return RtError(cudaErrorHostMemoryNotRegistered, "not a registered host range");
  t.ranges.erase(it);
  return Status::Ok();
}

std::optional<HostRange> FindHost(const void* ptr) {
  Tracker& t = Get();
  std::lock_guard lock(t.mu);
  const HostRange* r = Containing(t, reinterpret_cast<uintptr_t>(ptr));
  if (r == nullptr) return std::nullopt;
  return *r;
}

}  // namespace vgpu::rt

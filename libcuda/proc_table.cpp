#include "libcuda/proc_table.h"

#include <string>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "libcuda/areas.h"
#include "libcuda/interop_types.h"

// Every exported function, declared again from api.def so its address can be
// taken; a row whose types disagree with cuda.h fails to compile here too.
#define VGPU_CU(area, status, name, base, since, flavor, params, args) extern "C" CUresult name params;
#include "libcuda/api.def"
#undef VGPU_CU
#define VGPU_CU_INTEROP(header, name, base, since, flavor, params) extern "C" CUresult name params;
#include "libcuda/interop.def"
#undef VGPU_CU_INTEROP

namespace vgpu::cu {
namespace {

struct ProcEntry {
  const char* name;
  const char* base;
  int since;
  bool per_thread;
  void* fn;
};

#define VGPU_CU_PER_THREAD_def false
#define VGPU_CU_PER_THREAD_ptds true
#define VGPU_CU_PER_THREAD_ptsz true
const ProcEntry kEntries[] = {
#define VGPU_CU(area, status, name, base, since, flavor, params, args) \
  {#name, #base, since, VGPU_CU_PER_THREAD_##flavor, reinterpret_cast<void*>(&::name)},
#include "libcuda/api.def"
#undef VGPU_CU
#define VGPU_CU_INTEROP(header, name, base, since, flavor, params) \
  {#name, #base, since, VGPU_CU_PER_THREAD_##flavor, reinterpret_cast<void*>(&::name)},
#include "libcuda/interop.def"
#undef VGPU_CU_INTEROP
};

// All variants of one base name, split by flavour.
struct Variants {
  std::vector<const ProcEntry*> legacy;
  std::vector<const ProcEntry*> per_thread;
};

const std::unordered_map<std::string_view, Variants>& ByBase() {
  static const auto* table = [] {
    auto* map = new std::unordered_map<std::string_view, Variants>();
    for (const ProcEntry& entry : kEntries) {
      Variants& variants = (*map)[entry.base];
      (entry.per_thread ? variants.per_thread : variants.legacy).push_back(&entry);
    }
    return map;
  }();
  return *table;
}

const ProcEntry* Newest(const std::vector<const ProcEntry*>& candidates, int cuda_version) {
  const ProcEntry* best = nullptr;
  for (const ProcEntry* entry : candidates) {
    if (entry->since <= cuda_version && (best == nullptr || entry->since > best->since)) best = entry;
  }
  return best;
}

Status GetProcAddress(const char* symbol, void** pfn, int cuda_version, cuuint64_t flags,
                      CUdriverProcAddressQueryResult* symbol_status) {
  if (symbol == nullptr || pfn == nullptr) return InvalidValue("symbol and pfn must not be NULL");
  if (flags > CU_GET_PROC_ADDRESS_PER_THREAD_DEFAULT_STREAM) {
    return InvalidValue("flags " + std::to_string(flags) + " is not a CUdriverProcAddress_flags value");
  }
  ProcLookup found = LookupProc(symbol, cuda_version, flags);
  *pfn = found.fn;
  if (symbol_status != nullptr) *symbol_status = found.status;
  switch (found.status) {
    case CU_GET_PROC_ADDRESS_SUCCESS:
      return Status::Ok();
    case CU_GET_PROC_ADDRESS_VERSION_NOT_SUFFICIENT:
      return NotFound(std::string(symbol) + " has no variant for CUDA version " + std::to_string(cuda_version));
    default:
      return NotFound("no driver function named '" + std::string(symbol) + "'");
  }
}

}  // namespace

ProcLookup LookupProc(std::string_view symbol, int cuda_version, cuuint64_t flags) {
  const auto& by_base = ByBase();
  auto it = by_base.find(symbol);
  if (it == by_base.end()) return {};
  const Variants& variants = it->second;
  bool per_thread = flags == CU_GET_PROC_ADDRESS_PER_THREAD_DEFAULT_STREAM && !variants.per_thread.empty();
  const ProcEntry* best = Newest(per_thread ? variants.per_thread : variants.legacy, cuda_version);
  if (best == nullptr) return {nullptr, CU_GET_PROC_ADDRESS_VERSION_NOT_SUFFICIENT};
  return {best->fn, CU_GET_PROC_ADDRESS_SUCCESS};
}

namespace driver {

Status cuGetProcAddress(const char* symbol, void** pfn, int driverVersion, cuuint64_t flags) {
  return GetProcAddress(symbol, pfn, driverVersion, flags, nullptr);
}

Status cuGetProcAddress_v2(const char* symbol, void** pfn, int driverVersion, cuuint64_t flags,
                           CUdriverProcAddressQueryResult* symbolFound) {
  return GetProcAddress(symbol, pfn, driverVersion, flags, symbolFound);
}

}  // namespace driver
}  // namespace vgpu::cu

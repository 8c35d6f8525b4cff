// cuGetProcAddress's table: every api.def row as {name, base, since, flavor,
// address of the exported function}, and the version-correct lookup.
#pragma once

#include <string_view>

#include "libcuda/cuda_internal.h"

namespace vgpu::cu {

struct ProcLookup {
  void* fn = nullptr;  // the exported function, or null
  CUdriverProcAddressQueryResult status = CU_GET_PROC_ADDRESS_SYMBOL_NOT_FOUND;
};

// Resolves a base name as cuGetProcAddress does: among the variants of
// `symbol` whose introduction version is <= cuda_version, the newest. With
// CU_GET_PROC_ADDRESS_PER_THREAD_DEFAULT_STREAM only the _ptds/_ptsz
// variants count, unless the base has none. Flags 0 and 1 both mean legacy.
// Unknown base: SYMBOL_NOT_FOUND; known but too new: VERSION_NOT_SUFFICIENT.
ProcLookup LookupProc(std::string_view symbol, int cuda_version, cuuint64_t flags);

}  // namespace vgpu::cu

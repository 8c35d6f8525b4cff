// vgpu's info table: what libnvidia-ml.so.1 needs from the session that
// libcuda's public driver API does not carry (design principle 1). Reached
// with cuGetExportTable(&table, &kVgpuInfoTableId); a plain C struct so the
// other library needs no C++ ABI with this one.
#pragma once

#include <cstddef>

#include <cuda.h>

namespace vgpu::cu {

// 7670752d-696e-666f-2d74-61626c650001 ("vgpu-info-table" + version 1).
inline constexpr CUuuid kVgpuInfoTableId = {{'v', 'g', 'p', 'u', '-', 'i', 'n', 'f', 'o', '-', 't', 'a', 'b',
                                             'l', 'e', 1}};

struct VgpuInfoTable {
  size_t size;  // sizeof(VgpuInfoTable) of the libcuda that filled it
  // Copies the GPU host's driver version string (e.g. "580.95.05",
  // NUL-terminated, truncated to `length`) into `version`. Connects the
  // session if needed. CUDA_ERROR_NO_DEVICE when no server answers,
  // CUDA_ERROR_INVALID_VALUE for a null buffer or zero length.
  CUresult (*host_driver_version)(char* version, size_t length);
};

}  // namespace vgpu::cu

// vgpu's own export tables, reached through cuGetExportTable (design
// principle 1): the other client libraries (libcudart, libcublas,
// libnvidia-ml) are separate shared objects that must use libcuda's one
// session instead of opening their own. Each table is a plain C struct named
// by a UUID only vgpu uses; its header lives next to the file that fills it.
//
// A table file registers itself at load time:
//   static const MyTable kTable = {...};
//   static const vgpu::cu::ExportTableRegistration kRegistration(kMyTableId, &kTable);
//
// UUIDs NVIDIA's own libraries ask for (the private "dark API" tables) are
// not registered, so cuGetExportTable answers them CUDA_ERROR_NOT_SUPPORTED.
#pragma once

#include "libcuda/cuda_internal.h"

namespace vgpu::cu {

class ExportTableRegistration {
 public:
  ExportTableRegistration(const CUuuid& id, const void* table);
};

// The table registered under `id`, or nullptr.
const void* FindExportTable(const CUuuid& id);

}  // namespace vgpu::cu

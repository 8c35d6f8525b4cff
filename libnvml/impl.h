// The IMPL rows of libnvml/api.def, defined in libnvml/nvml.cpp.
#pragma once

#include "libnvml/nvml_types.h"

namespace vgpu::nvml::impl {
#define VGPU_NVML_IMPL(name, params) nvmlReturn_t name params;
#define VGPU_NVML_TODO(name, params)
#define VGPU_NVML(status, name, params, args) VGPU_NVML_##status(name, params)
#include "libnvml/api.def"
#undef VGPU_NVML
#undef VGPU_NVML_TODO
#undef VGPU_NVML_IMPL
}  // namespace vgpu::nvml::impl

namespace vgpu::nvml {
// Called once before every export: VGPU_LOG configures logging.
void ConfigureLoggingOnce();
}  // namespace vgpu::nvml

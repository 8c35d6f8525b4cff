// Declarations of the implementation functions behind every IMPL row of
// api.def: vgpu::rt::<area>::<cname>, with exactly the row's signature, so a
// body that drifts from the table fails to compile.
#pragma once

#include <cuda_runtime_api.h>

#include "libcudart/abi12.h"

#define VGPU_RT_DECL_IMPL(area, ret, cname, params) \
  namespace vgpu::rt::area {                        \
  ret cname params;                                 \
  }
#define VGPU_RT_DECL_TODO(area, ret, cname, params)
#define VGPU_RT_DECL_HAND(area, ret, cname, params)
#define VGPU_RT(area, status, abi, ret, cname, name, params, args) \
  VGPU_RT_DECL_##status(area, ret, cname, params)
#include "libcudart/api.def"
#undef VGPU_RT
#undef VGPU_RT_DECL_IMPL
#undef VGPU_RT_DECL_TODO
#undef VGPU_RT_DECL_HAND

// Thunks of api.def's TODO rows (CUBLAS_STATUS_NOT_SUPPORTED, logged once) and
// the per-ABI answers. Compiled once per library with VGPU_BLAS_ABI=12 or 13;
// IMPL rows are defined by hand in handle.cpp.
#include "libcublas/blas.h"

#ifndef VGPU_BLAS_ABI
#error "VGPU_BLAS_ABI must be 12 or 13"
#endif

#define VGPU_BLAS_THUNK_IMPL(ret, name, params, args)
#define VGPU_BLAS_THUNK_TODO(ret, name, params, args) \
  extern "C" VGPU_BLAS_EXPORT ret name params { return ::vgpu::blas::NotSupported<ret>(#name); }

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#define VGPU_BLAS(status, ret, name, params, args) VGPU_BLAS_THUNK_##status(ret, name, params, args)
#include "libcublas/api.def"
#undef VGPU_BLAS
#pragma GCC diagnostic pop

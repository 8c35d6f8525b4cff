// libcublasLt.so.12/.13: every name of cublasLt.h. Handles, versions and
// status names are answered locally; everything else is
// CUBLAS_STATUS_NOT_SUPPORTED (logged once) until it is forwarded.
#include <cublasLt.h>

#include <new>

#include "libcublas/blas.h"

#ifndef VGPU_BLAS_ABI
#error "VGPU_BLAS_ABI must be 12 or 13"
#endif

struct cublasLtContext {
  uint64_t magic = 0x7667707562736c74ull;
};

extern "C" {

VGPU_BLAS_EXPORT cublasStatus_t cublasLtCreate(cublasLtHandle_t* lightHandle) {
  if (lightHandle == nullptr) return CUBLAS_STATUS_INVALID_VALUE;
  auto* h = new (std::nothrow) cublasLtContext();
  if (h == nullptr) return CUBLAS_STATUS_ALLOC_FAILED;
  *lightHandle = h;
  return CUBLAS_STATUS_SUCCESS;
}

VGPU_BLAS_EXPORT cublasStatus_t cublasLtDestroy(cublasLtHandle_t lightHandle) {
  if (lightHandle == nullptr) return CUBLAS_STATUS_NOT_INITIALIZED;
  delete lightHandle;
  return CUBLAS_STATUS_SUCCESS;
}

VGPU_BLAS_EXPORT size_t cublasLtGetVersion(void) { return static_cast<size_t>(vgpu::blas::LibraryVersion()); }
VGPU_BLAS_EXPORT size_t cublasLtGetCudartVersion(void) { return vgpu::blas::CudartVersion(); }
VGPU_BLAS_EXPORT const char* cublasLtGetStatusName(cublasStatus_t status) { return vgpu::blas::StatusName(status); }
VGPU_BLAS_EXPORT const char* cublasLtGetStatusString(cublasStatus_t status) { return vgpu::blas::StatusString(status); }

VGPU_BLAS_EXPORT cublasStatus_t cublasLtGetProperty(libraryPropertyType type, int* value) {
  return vgpu::blas::LibraryProperty(type, value);
}

}  // extern "C"

#define VGPU_BLASLT_THUNK_IMPL(ret, name, params, args)
#define VGPU_BLASLT_THUNK_TODO(ret, name, params, args) \
  extern "C" VGPU_BLAS_EXPORT ret name params { return ::vgpu::blas::NotSupported<ret>(#name); }

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#define VGPU_BLASLT(status, ret, name, params, args) VGPU_BLASLT_THUNK_##status(ret, name, params, args)
#include "libcublas/lt_api.def"
#undef VGPU_BLASLT
#pragma GCC diagnostic pop

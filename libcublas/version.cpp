// Versions both libraries report, built into each of libcublas and
// libcublasLt with that library's VGPU_BLAS_ABI.
#include "libcublas/blas.h"

#ifndef VGPU_BLAS_ABI
#error "VGPU_BLAS_ABI must be 12 or 13"
#endif

namespace vgpu::blas {

// 12.8.4 (what CUDA 12.8 ships) and the 13.x headers vgpu is built with.
int LibraryVersion() { return VGPU_BLAS_ABI == 12 ? 120804 : CUBLAS_VERSION; }
size_t CudartVersion() { return VGPU_BLAS_ABI == 12 ? 12080 : 13000; }

cublasStatus_t LibraryProperty(libraryPropertyType type, int* value) {
  if (value == nullptr) return CUBLAS_STATUS_INVALID_VALUE;
  int v = LibraryVersion();
  switch (type) {
    case MAJOR_VERSION: *value = v / 10000; return CUBLAS_STATUS_SUCCESS;
    case MINOR_VERSION: *value = v / 100 % 100; return CUBLAS_STATUS_SUCCESS;
    case PATCH_LEVEL: *value = v % 100; return CUBLAS_STATUS_SUCCESS;
  }
  return CUBLAS_STATUS_INVALID_VALUE;
}

}  // namespace vgpu::blas

// cublasSet/GetVector and Set/GetMatrix (+Async, +_64): strided copies, one
// message per chunk through libcuda's session table (the packing happens
// there). Sets are posted; gets return once the data has landed (an Async
// get completes before it returns, which is allowed). A vector with stride
// inc is a 1 x n matrix with leading dimension inc.
#include "libcublas/forward.h"

namespace vgpu::blas {
namespace {

cublasStatus_t CopyStatus(CUresult r) {
  if (r == CUDA_SUCCESS) return CUBLAS_STATUS_SUCCESS;
  if (r == CUDA_ERROR_NOT_INITIALIZED || r == CUDA_ERROR_INVALID_CONTEXT || r == CUDA_ERROR_NO_DEVICE) {
    return CUBLAS_STATUS_NOT_INITIALIZED;
  }
  return CUBLAS_STATUS_MAPPING_ERROR;
}

bool BadMatrix(int64_t rows, int64_t cols, int64_t elem_size, int64_t lda, int64_t ldb) {
  return rows < 0 || cols < 0 || elem_size <= 0 || lda < std::max<int64_t>(1, rows) || ldb < std::max<int64_t>(1, rows);
}

cublasStatus_t SetMatrix(int64_t rows, int64_t cols, int64_t elem_size, const void* a, int64_t lda, void* b,
                         int64_t ldb, cudaStream_t stream) {
  if (BadMatrix(rows, cols, elem_size, lda, ldb)) return CUBLAS_STATUS_INVALID_VALUE;
  if (rows == 0 || cols == 0) return CUBLAS_STATUS_SUCCESS;
  const VgpuSessionTable* table = Table();
  if (table == nullptr) return CUBLAS_STATUS_NOT_INITIALIZED;
  return CopyStatus(table->blas_set_matrix(rows, cols, elem_size, a, lda, reinterpret_cast<uint64_t>(b), ldb,
                                           reinterpret_cast<CUstream>(stream)));
}

cublasStatus_t GetMatrix(int64_t rows, int64_t cols, int64_t elem_size, const void* a, int64_t lda, void* b,
                         int64_t ldb, cudaStream_t stream) {
  if (BadMatrix(rows, cols, elem_size, lda, ldb)) return CUBLAS_STATUS_INVALID_VALUE;
  if (rows == 0 || cols == 0) return CUBLAS_STATUS_SUCCESS;
  const VgpuSessionTable* table = Table();
  if (table == nullptr) return CUBLAS_STATUS_NOT_INITIALIZED;
  return CopyStatus(table->blas_get_matrix(rows, cols, elem_size, reinterpret_cast<uint64_t>(a), lda, b, ldb,
                                           reinterpret_cast<CUstream>(stream)));
}

cublasStatus_t SetVector(int64_t n, int64_t elem_size, const void* x, int64_t incx, void* y, int64_t incy,
                         cudaStream_t stream) {
  if (n < 0 || incx <= 0 || incy <= 0) return CUBLAS_STATUS_INVALID_VALUE;
  return SetMatrix(1, n, elem_size, x, incx, y, incy, stream);
}

cublasStatus_t GetVector(int64_t n, int64_t elem_size, const void* x, int64_t incx, void* y, int64_t incy,
                         cudaStream_t stream) {
  if (n < 0 || incx <= 0 || incy <= 0) return CUBLAS_STATUS_INVALID_VALUE;
  return GetMatrix(1, n, elem_size, x, incx, y, incy, stream);
}

}  // namespace
}  // namespace vgpu::blas

using namespace vgpu::blas;

#define VGPU_COPIES(suffix, I)                                                                                     \
  extern "C" VGPU_BLAS_EXPORT cublasStatus_t cublasSetVector##suffix(I n, I elemSize, const void* x, I incx,      \
                                                                     void* y, I incy) {                           \
    return SetVector(n, elemSize, x, incx, y, incy, nullptr);                                                      \
  }                                                                                                                \
  extern "C" VGPU_BLAS_EXPORT cublasStatus_t cublasGetVector##suffix(I n, I elemSize, const void* x, I incx,      \
                                                                     void* y, I incy) {                           \
    return GetVector(n, elemSize, x, incx, y, incy, nullptr);                                                      \
  }                                                                                                                \
  extern "C" VGPU_BLAS_EXPORT cublasStatus_t cublasSetVectorAsync##suffix(I n, I elemSize, const void* x, I incx, \
                                                                          void* y, I incy, cudaStream_t stream) { \
    return SetVector(n, elemSize, x, incx, y, incy, stream);                                                       \
  }                                                                                                                \
  extern "C" VGPU_BLAS_EXPORT cublasStatus_t cublasGetVectorAsync##suffix(I n, I elemSize, const void* x, I incx, \
                                                                          void* y, I incy, cudaStream_t stream) { \
    return GetVector(n, elemSize, x, incx, y, incy, stream);                                                       \
  }                                                                                                                \
  extern "C" VGPU_BLAS_EXPORT cublasStatus_t cublasSetMatrix##suffix(I rows, I cols, I elemSize, const void* A,   \
                                                                     I lda, void* B, I ldb) {                     \
    return SetMatrix(rows, cols, elemSize, A, lda, B, ldb, nullptr);                                               \
  }                                                                                                                \
  extern "C" VGPU_BLAS_EXPORT cublasStatus_t cublasGetMatrix##suffix(I rows, I cols, I elemSize, const void* A,   \
                                                                     I lda, void* B, I ldb) {                     \
    return GetMatrix(rows, cols, elemSize, A, lda, B, ldb, nullptr);                                               \
  }                                                                                                                \
  extern "C" VGPU_BLAS_EXPORT cublasStatus_t cublasSetMatrixAsync##suffix(                                        \
      I rows, I cols, I elemSize, const void* A, I lda, void* B, I ldb, cudaStream_t stream) {                     \
    return SetMatrix(rows, cols, elemSize, A, lda, B, ldb, stream);                                                \
  }                                                                                                                \
  extern "C" VGPU_BLAS_EXPORT cublasStatus_t cublasGetMatrixAsync##suffix(                                        \
      I rows, I cols, I elemSize, const void* A, I lda, void* B, I ldb, cudaStream_t stream) {                     \
    return GetMatrix(rows, cols, elemSize, A, lda, B, ldb, stream);                                                \
  }

VGPU_COPIES(, int)
VGPU_COPIES(_64, int64_t)

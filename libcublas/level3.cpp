// BLAS-3 for S, D, C and Z (gemm and its batched/strided forms, symm, syrk,
// trsm and trsmBatched): one BlasLevel3 message each, posted on the handle's
// stream. Sgemm goes through GemmEx's BlasGemm (gemm.cpp); batched pointer
// arrays stay on the device.
#include "libcublas/forward.h"
#include "libcublas/types.h"

namespace vgpu::blas {
namespace {

struct Batch {
  int64_t count = 1;
  bool pointer_arrays = false;
  int64_t stride_a = 0, stride_b = 0, stride_c = 0;
};

template <typename T>
cublasStatus_t Gemm(cublasHandle_t handle, cublasOperation_t ta, cublasOperation_t tb, int64_t m, int64_t n, int64_t k,
                    const T* alpha, const void* a, int64_t lda, const void* b, int64_t ldb, const T* beta, void* c,
                    int64_t ldc, Batch batch = {}) {
  cublasContext* h = Checked(handle);
  if (h == nullptr) return CUBLAS_STATUS_NOT_INITIALIZED;
  if (alpha == nullptr || beta == nullptr) return CUBLAS_STATUS_INVALID_VALUE;
  VgpuBlasCall call{};
  call.op = VGPU_BLAS_GEMM;
  call.type = Elem<T>::kType;
  call.trans_a = ta, call.trans_b = tb;
  call.m = m, call.n = n, call.k = k;
  call.alpha = Scalar(h, alpha), call.beta = Scalar(h, beta);
  call.a = Addr(a), call.lda = lda;
  call.b = Addr(b), call.ldb = ldb;
  call.c = Addr(c), call.ldc = ldc;
  call.batch = batch.count, call.pointer_arrays = batch.pointer_arrays;
  call.stride_a = batch.stride_a, call.stride_b = batch.stride_b, call.stride_c = batch.stride_c;
  return Forward(handle, call);
}

template <typename T>
cublasStatus_t Symm(cublasHandle_t handle, cublasSideMode_t side, cublasFillMode_t uplo, int64_t m, int64_t n,
                    const T* alpha, const T* a, int64_t lda, const T* b, int64_t ldb, const T* beta, T* c, int64_t ldc) {
  cublasContext* h = Checked(handle);
  if (h == nullptr) return CUBLAS_STATUS_NOT_INITIALIZED;
  if (alpha == nullptr || beta == nullptr) return CUBLAS_STATUS_INVALID_VALUE;
  VgpuBlasCall call{};
  call.op = VGPU_BLAS_SYMM;
  call.type = Elem<T>::kType;
  call.side = side, call.uplo = uplo;
  call.m = m, call.n = n;
  call.alpha = Scalar(h, alpha), call.beta = Scalar(h, beta);
  call.a = Addr(a), call.lda = lda;
  call.b = Addr(b), call.ldb = ldb;
  call.c = Addr(c), call.ldc = ldc;
  call.batch = 1;
  return Forward(handle, call);
}

template <typename T>
cublasStatus_t Syrk(cublasHandle_t handle, cublasFillMode_t uplo, cublasOperation_t trans, int64_t n, int64_t k,
                    const T* alpha, const T* a, int64_t lda, const T* beta, T* c, int64_t ldc) {
  cublasContext* h = Checked(handle);
  if (h == nullptr) return CUBLAS_STATUS_NOT_INITIALIZED;
  if (alpha == nullptr || beta == nullptr) return CUBLAS_STATUS_INVALID_VALUE;
  VgpuBlasCall call{};
  call.op = VGPU_BLAS_SYRK;
  call.type = Elem<T>::kType;
  call.uplo = uplo, call.trans_a = trans;
  call.n = n, call.k = k;
  call.alpha = Scalar(h, alpha), call.beta = Scalar(h, beta);
  call.a = Addr(a), call.lda = lda;
  call.c = Addr(c), call.ldc = ldc;
  call.batch = 1;
  return Forward(handle, call);
}

template <typename T>
cublasStatus_t Trsm(cublasHandle_t handle, cublasSideMode_t side, cublasFillMode_t uplo, cublasOperation_t trans,
                    cublasDiagType_t diag, int64_t m, int64_t n, const T* alpha, const void* a, int64_t lda, void* b,
                    int64_t ldb, int64_t batch, bool pointer_arrays) {
  cublasContext* h = Checked(handle);
  if (h == nullptr) return CUBLAS_STATUS_NOT_INITIALIZED;
  if (alpha == nullptr) return CUBLAS_STATUS_INVALID_VALUE;
  VgpuBlasCall call{};
  call.op = VGPU_BLAS_TRSM;
  call.type = Elem<T>::kType;
  call.side = side, call.uplo = uplo, call.trans_a = trans, call.diag = diag;
  call.m = m, call.n = n;
  call.alpha = Scalar(h, alpha);
  call.a = Addr(a), call.lda = lda;
  call.b = Addr(b), call.ldb = ldb;
  call.batch = batch, call.pointer_arrays = pointer_arrays;
  return Forward(handle, call);
}

}  // namespace
}  // namespace vgpu::blas

using namespace vgpu::blas;

#define VGPU_BOTH(macro, ...) macro(, int, __VA_ARGS__) macro(_64, int64_t, __VA_ARGS__)
#define VGPU_DZC(macro, suffix) macro(D, double, suffix) macro(C, cuComplex, suffix) macro(Z, cuDoubleComplex, suffix)
#define VGPU_SDCZ(macro, suffix) macro(S, float, suffix) VGPU_DZC(macro, suffix)

#define VGPU_GEMM(P, T, suffix)                                                                                   \
  extern "C" VGPU_BLAS_EXPORT cublasStatus_t cublas##P##gemm_v2##suffix(                                         \
      cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, VGPU_I m, VGPU_I n, VGPU_I k, const T* alpha, \
      const T* A, VGPU_I lda, const T* B, VGPU_I ldb, const T* beta, T* C, VGPU_I ldc) {                          \
    return Gemm<T>(h, ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);                                      \
  }                                                                                                               \
  extern "C" VGPU_BLAS_EXPORT cublasStatus_t cublas##P##gemmBatched##suffix(                                     \
      cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, VGPU_I m, VGPU_I n, VGPU_I k, const T* alpha, \
      const T* const A[], VGPU_I lda, const T* const B[], VGPU_I ldb, const T* beta, T* const C[], VGPU_I ldc,    \
      VGPU_I batchCount) {                                                                                        \
    return Gemm<T>(h, ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, const_cast<T**>(C), ldc,                     \
                   Batch{batchCount, true, 0, 0, 0});                                                             \
  }                                                                                                               \
  extern "C" VGPU_BLAS_EXPORT cublasStatus_t cublas##P##gemmStridedBatched##suffix(                              \
      cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, VGPU_I m, VGPU_I n, VGPU_I k, const T* alpha, \
      const T* A, VGPU_I lda, long long int strideA, const T* B, VGPU_I ldb, long long int strideB, const T* beta, \
      T* C, VGPU_I ldc, long long int strideC, VGPU_I batchCount) {                                               \
    return Gemm<T>(h, ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc,                                      \
                   Batch{batchCount, false, strideA, strideB, strideC});                                          \
  }

#define VGPU_SYMM_SYRK_TRSM(P, T, suffix)                                                                         \
  extern "C" VGPU_BLAS_EXPORT cublasStatus_t cublas##P##symm_v2##suffix(                                         \
      cublasHandle_t h, cublasSideMode_t side, cublasFillMode_t uplo, VGPU_I m, VGPU_I n, const T* alpha,         \
      const T* A, VGPU_I lda, const T* B, VGPU_I ldb, const T* beta, T* C, VGPU_I ldc) {                          \
    return Symm<T>(h, side, uplo, m, n, alpha, A, lda, B, ldb, beta, C, ldc);                                     \
  }                                                                                                               \
  extern "C" VGPU_BLAS_EXPORT cublasStatus_t cublas##P##syrk_v2##suffix(                                         \
      cublasHandle_t h, cublasFillMode_t uplo, cublasOperation_t trans, VGPU_I n, VGPU_I k, const T* alpha,       \
      const T* A, VGPU_I lda, const T* beta, T* C, VGPU_I ldc) {                                                  \
    return Syrk<T>(h, uplo, trans, n, k, alpha, A, lda, beta, C, ldc);                                            \
  }                                                                                                               \
  extern "C" VGPU_BLAS_EXPORT cublasStatus_t cublas##P##trsm_v2##suffix(                                         \
      cublasHandle_t h, cublasSideMode_t side, cublasFillMode_t uplo, cublasOperation_t trans,                    \
      cublasDiagType_t diag, VGPU_I m, VGPU_I n, const T* alpha, const T* A, VGPU_I lda, T* B, VGPU_I ldb) {      \
    return Trsm<T>(h, side, uplo, trans, diag, m, n, alpha, A, lda, B, ldb, 1, false);                           \
  }                                                                                                               \
  extern "C" VGPU_BLAS_EXPORT cublasStatus_t cublas##P##trsmBatched##suffix(                                     \
      cublasHandle_t h, cublasSideMode_t side, cublasFillMode_t uplo, cublasOperation_t trans,                    \
      cublasDiagType_t diag, VGPU_I m, VGPU_I n, const T* alpha, const T* const A[], VGPU_I lda, T* const B[],    \
      VGPU_I ldb, VGPU_I batchCount) {                                                                            \
    return Trsm<T>(h, side, uplo, trans, diag, m, n, alpha, A, lda, const_cast<T**>(B), ldb, batchCount, true);  \
  }

#define VGPU_I int
VGPU_DZC(VGPU_GEMM, )
VGPU_SDCZ(VGPU_SYMM_SYRK_TRSM, )
#undef VGPU_I
#define VGPU_I int64_t
VGPU_SDCZ(VGPU_GEMM, _64)
VGPU_SDCZ(VGPU_SYMM_SYRK_TRSM, _64)
#undef VGPU_I

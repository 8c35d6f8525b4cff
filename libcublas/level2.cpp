// BLAS-2 for S, D, C and Z (gemv, ger/geru/gerc): one BlasLevel2 message
// each, posted on the handle's stream.
#include "libcublas/forward.h"
#include "libcublas/types.h"

namespace vgpu::blas {
namespace {

template <typename T>
cublasStatus_t Gemv(cublasHandle_t handle, cublasOperation_t trans, int64_t m, int64_t n, const T* alpha, const T* a,
                    int64_t lda, const T* x, int64_t incx, const T* beta, T* y, int64_t incy) {
  cublasContext* h = Checked(handle);
  if (h == nullptr) return CUBLAS_STATUS_NOT_INITIALIZED;
  if (alpha == nullptr || beta == nullptr) return CUBLAS_STATUS_INVALID_VALUE;
  VgpuBlasCall c{};
  c.op = VGPU_BLAS_GEMV;
  c.type = Elem<T>::kType;
  c.trans_a = trans;
  c.m = m, c.n = n;
  c.alpha = Scalar(h, alpha), c.beta = Scalar(h, beta);
  c.a = Addr(a), c.lda = lda;
  c.x = Addr(x), c.incx = incx;
  c.y = Addr(y), c.incy = incy;
  return Forward(handle, c);
}

template <typename T>
cublasStatus_t Ger(int32_t op, cublasHandle_t handle, int64_t m, int64_t n, const T* alpha, const T* x, int64_t incx,
                   const T* y, int64_t incy, T* a, int64_t lda) {
  cublasContext* h = Checked(handle);
  if (h == nullptr) return CUBLAS_STATUS_NOT_INITIALIZED;
  if (alpha == nullptr) return CUBLAS_STATUS_INVALID_VALUE;
  VgpuBlasCall c{};
  c.op = op;
  c.type = Elem<T>::kType;
  c.m = m, c.n = n;
  c.alpha = Scalar(h, alpha);
  c.a = Addr(a), c.lda = lda;
  c.x = Addr(x), c.incx = incx;
  c.y = Addr(y), c.incy = incy;
  return Forward(handle, c);
}

}  // namespace
}  // namespace vgpu::blas

using namespace vgpu::blas;

#define VGPU_BOTH(macro, ...) macro(, int, __VA_ARGS__) macro(_64, int64_t, __VA_ARGS__)

#define VGPU_GEMV(suffix, I, name, T)                                                                             \
  extern "C" VGPU_BLAS_EXPORT cublasStatus_t cublas##name##_v2##suffix(                                          \
      cublasHandle_t h, cublasOperation_t trans, I m, I n, const T* alpha, const T* A, I lda, const T* x, I incx, \
      const T* beta, T* y, I incy) {                                                                              \
    return Gemv<T>(h, trans, m, n, alpha, A, lda, x, incx, beta, y, incy);                                        \
  }
#define VGPU_GER(suffix, I, name, T, OP)                                                                          \
  extern "C" VGPU_BLAS_EXPORT cublasStatus_t cublas##name##_v2##suffix(                                          \
      cublasHandle_t h, I m, I n, const T* alpha, const T* x, I incx, const T* y, I incy, T* A, I lda) {          \
    return Ger<T>(OP, h, m, n, alpha, x, incx, y, incy, A, lda);                                                  \
  }

VGPU_BOTH(VGPU_GEMV, Sgemv, float)
VGPU_BOTH(VGPU_GEMV, Dgemv, double)
VGPU_BOTH(VGPU_GEMV, Cgemv, cuComplex)
VGPU_BOTH(VGPU_GEMV, Zgemv, cuDoubleComplex)

VGPU_BOTH(VGPU_GER, Sger, float, VGPU_BLAS_GER)
VGPU_BOTH(VGPU_GER, Dger, double, VGPU_BLAS_GER)
VGPU_BOTH(VGPU_GER, Cgeru, cuComplex, VGPU_BLAS_GER)
VGPU_BOTH(VGPU_GER, Zgeru, cuDoubleComplex, VGPU_BLAS_GER)
VGPU_BOTH(VGPU_GER, Cgerc, cuComplex, VGPU_BLAS_GERC)
VGPU_BOTH(VGPU_GER, Zgerc, cuDoubleComplex, VGPU_BLAS_GERC)

// BLAS-1 for S, D, C and Z: one BlasLevel1 message each, posted on the
// handle's stream. Results (dot, nrm2, iamax/iamin, asum) in host pointer
// mode are a round trip; in device pointer mode they stay on the device.
#include "libcublas/forward.h"
#include "libcublas/types.h"

namespace vgpu::blas {
namespace {

template <typename T>
VgpuBlasCall Level1(int32_t op, int64_t n, const void* x, int64_t incx, const void* y, int64_t incy) {
  VgpuBlasCall c{};
  c.op = op;
  c.type = Elem<T>::kType;
  c.n = n;
  c.x = Addr(x), c.incx = incx;
  c.y = Addr(y), c.incy = incy;
  return c;
}

// y = alpha x + y and x = alpha x (alpha of type S).
template <typename T, typename S = T>
cublasStatus_t Scaled(int32_t op, cublasHandle_t handle, int64_t n, const S* alpha, const T* x, int64_t incx, T* y,
                      int64_t incy) {
  cublasContext* h = Checked(handle);
  if (h == nullptr) return CUBLAS_STATUS_NOT_INITIALIZED;
  if (alpha == nullptr) return CUBLAS_STATUS_INVALID_VALUE;
  VgpuBlasCall c = Level1<T>(op, n, x, incx, y, incy);
  c.alpha = Scalar(h, alpha);
  return Forward(handle, c);
}

template <typename T>
cublasStatus_t Pair(int32_t op, cublasHandle_t handle, int64_t n, const T* x, int64_t incx, const T* y, int64_t incy) {
  VgpuBlasCall c = Level1<T>(op, n, x, incx, y, incy);
  return Forward(handle, c);
}

template <typename T, typename R>
cublasStatus_t Reduce(int32_t op, cublasHandle_t handle, int64_t n, const T* x, int64_t incx, const T* y, int64_t incy,
                      R* result) {
  VgpuBlasCall c = Level1<T>(op, n, x, incx, y, incy);
  return Forward(handle, c, result, sizeof(R));
}

}  // namespace
}  // namespace vgpu::blas

using namespace vgpu::blas;

// Each routine in its int and _64 forms.
#define VGPU_BOTH(macro, ...) macro(, int, __VA_ARGS__) macro(_64, int64_t, __VA_ARGS__)

#define VGPU_AXPY(suffix, I, name, T)                                                                            \
  extern "C" VGPU_BLAS_EXPORT cublasStatus_t cublas##name##_v2##suffix(cublasHandle_t h, I n, const T* alpha,   \
                                                                        const T* x, I incx, T* y, I incy) {     \
    return Scaled<T>(VGPU_BLAS_AXPY, h, n, alpha, x, incx, y, incy);                                           \
  }
#define VGPU_SCAL(suffix, I, name, T, S, OP)                                                                      \
  extern "C" VGPU_BLAS_EXPORT cublasStatus_t cublas##name##_v2##suffix(cublasHandle_t h, I n, const S* alpha, T* x, \
                                                                        I incx) {                                 \
    return Scaled<T, S>(OP, h, n, alpha, x, incx, static_cast<T*>(nullptr), 0);                                  \
  }
#define VGPU_COPY(suffix, I, name, T)                                                                              \
  extern "C" VGPU_BLAS_EXPORT cublasStatus_t cublas##name##_v2##suffix(cublasHandle_t h, I n, const T* x, I incx, \
                                                                        T* y, I incy) {                           \
    return Pair<T>(VGPU_BLAS_COPY, h, n, x, incx, y, incy);                                                        \
  }
#define VGPU_SWAP(suffix, I, name, T)                                                                                \
  extern "C" VGPU_BLAS_EXPORT cublasStatus_t cublas##name##_v2##suffix(cublasHandle_t h, I n, T* x, I incx, T* y, \
                                                                        I incy) {                                   \
    return Pair<T>(VGPU_BLAS_SWAP, h, n, x, incx, y, incy);                                                          \
  }
#define VGPU_DOT(suffix, I, name, T, OP)                                                                           \
  extern "C" VGPU_BLAS_EXPORT cublasStatus_t cublas##name##_v2##suffix(cublasHandle_t h, I n, const T* x, I incx, \
                                                                        const T* y, I incy, T* result) {          \
    return Reduce<T, T>(OP, h, n, x, incx, y, incy, result);                                                       \
  }
#define VGPU_NORM(suffix, I, name, T, R, OP)                                                                       \
  extern "C" VGPU_BLAS_EXPORT cublasStatus_t cublas##name##_v2##suffix(cublasHandle_t h, I n, const T* x, I incx, \
                                                                        R* result) {                              \
    return Reduce<T, R>(OP, h, n, x, incx, static_cast<const T*>(nullptr), 0, result);                             \
  }
// iamax/iamin. The _64 forms return an int64_t index: widened from the
// server's int32 in host pointer mode; device pointer mode is not supported.
#define VGPU_INDEX(name, T, OP)                                                                                    \
  extern "C" VGPU_BLAS_EXPORT cublasStatus_t cublas##name##_v2(cublasHandle_t h, int n, const T* x, int incx,     \
                                                               int* result) {                                     \
    return Reduce<T, int>(OP, h, n, x, incx, static_cast<const T*>(nullptr), 0, result);                           \
  }                                                                                                                \
  extern "C" VGPU_BLAS_EXPORT cublasStatus_t cublas##name##_v2_64(cublasHandle_t h, int64_t n, const T* x,        \
                                                                  int64_t incx, int64_t* result) {                \
    cublasContext* c = Checked(h);                                                                                 \
    if (c == nullptr) return CUBLAS_STATUS_NOT_INITIALIZED;                                                        \
    if (result == nullptr) return CUBLAS_STATUS_INVALID_VALUE;                                                     \
    if (c->pointer_mode == CUBLAS_POINTER_MODE_DEVICE) return NotSupportedOnce("cublas" #name "_v2_64 (device pointer mode)"); \
    int index = 0;                                                                                                 \
    cublasStatus_t st = Reduce<T, int>(OP, h, n, x, incx, static_cast<const T*>(nullptr), 0, &index);             \
    if (st == CUBLAS_STATUS_SUCCESS) *result = index;                                                              \
    return st;                                                                                                     \
  }

VGPU_BOTH(VGPU_AXPY, Saxpy, float)
VGPU_BOTH(VGPU_AXPY, Daxpy, double)
VGPU_BOTH(VGPU_AXPY, Caxpy, cuComplex)
VGPU_BOTH(VGPU_AXPY, Zaxpy, cuDoubleComplex)

VGPU_BOTH(VGPU_SCAL, Sscal, float, float, VGPU_BLAS_SCAL)
VGPU_BOTH(VGPU_SCAL, Dscal, double, double, VGPU_BLAS_SCAL)
VGPU_BOTH(VGPU_SCAL, Cscal, cuComplex, cuComplex, VGPU_BLAS_SCAL)
VGPU_BOTH(VGPU_SCAL, Zscal, cuDoubleComplex, cuDoubleComplex, VGPU_BLAS_SCAL)
VGPU_BOTH(VGPU_SCAL, Csscal, cuComplex, float, VGPU_BLAS_SCAL_REAL)
VGPU_BOTH(VGPU_SCAL, Zdscal, cuDoubleComplex, double, VGPU_BLAS_SCAL_REAL)

VGPU_BOTH(VGPU_COPY, Scopy, float)
VGPU_BOTH(VGPU_COPY, Dcopy, double)
VGPU_BOTH(VGPU_COPY, Ccopy, cuComplex)
VGPU_BOTH(VGPU_COPY, Zcopy, cuDoubleComplex)

VGPU_BOTH(VGPU_SWAP, Sswap, float)
VGPU_BOTH(VGPU_SWAP, Dswap, double)
VGPU_BOTH(VGPU_SWAP, Cswap, cuComplex)
VGPU_BOTH(VGPU_SWAP, Zswap, cuDoubleComplex)

VGPU_BOTH(VGPU_DOT, Sdot, float, VGPU_BLAS_DOT)
VGPU_BOTH(VGPU_DOT, Ddot, double, VGPU_BLAS_DOT)
VGPU_BOTH(VGPU_DOT, Cdotu, cuComplex, VGPU_BLAS_DOT)
VGPU_BOTH(VGPU_DOT, Zdotu, cuDoubleComplex, VGPU_BLAS_DOT)
VGPU_BOTH(VGPU_DOT, Cdotc, cuComplex, VGPU_BLAS_DOTC)
VGPU_BOTH(VGPU_DOT, Zdotc, cuDoubleComplex, VGPU_BLAS_DOTC)

VGPU_BOTH(VGPU_NORM, Snrm2, float, float, VGPU_BLAS_NRM2)
VGPU_BOTH(VGPU_NORM, Dnrm2, double, double, VGPU_BLAS_NRM2)
VGPU_BOTH(VGPU_NORM, Scnrm2, cuComplex, float, VGPU_BLAS_NRM2)
VGPU_BOTH(VGPU_NORM, Dznrm2, cuDoubleComplex, double, VGPU_BLAS_NRM2)
VGPU_BOTH(VGPU_NORM, Sasum, float, float, VGPU_BLAS_ASUM)
VGPU_BOTH(VGPU_NORM, Dasum, double, double, VGPU_BLAS_ASUM)
VGPU_BOTH(VGPU_NORM, Scasum, cuComplex, float, VGPU_BLAS_ASUM)
VGPU_BOTH(VGPU_NORM, Dzasum, cuDoubleComplex, double, VGPU_BLAS_ASUM)

VGPU_INDEX(Isamax, float, VGPU_BLAS_IAMAX)
VGPU_INDEX(Idamax, double, VGPU_BLAS_IAMAX)
VGPU_INDEX(Icamax, cuComplex, VGPU_BLAS_IAMAX)
VGPU_INDEX(Izamax, cuDoubleComplex, VGPU_BLAS_IAMAX)
VGPU_INDEX(Isamin, float, VGPU_BLAS_IAMIN)
VGPU_INDEX(Idamin, double, VGPU_BLAS_IAMIN)
VGPU_INDEX(Icamin, cuComplex, VGPU_BLAS_IAMIN)
VGPU_INDEX(Izamin, cuDoubleComplex, VGPU_BLAS_IAMIN)

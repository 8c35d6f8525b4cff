// GEMMs forwarded through libcuda's session table: posted on the handle's
// stream with no round trip (or recorded into a capture); errors surface at
// the next synchronizing call. Host-mode alpha/beta travel by value, read in
// the compute type; matrices and batched pointer arrays stay on the device.
#include <cuda.h>
#include <cuda_fp16.h>

#include <cstring>
#include <utility>

#include "libcublas/blas.h"
#include "libcublas/forward.h"
#include "libcuda/session_table.h"
#include "server/backends/emu/blas/gemm.h"

namespace vgpu::blas {
namespace {

bool IsCompute16F(cublasComputeType_t c) { return c == CUBLAS_COMPUTE_16F || c == CUBLAS_COMPUTE_16F_PEDANTIC; }
bool IsCompute64F(cublasComputeType_t c) { return c == CUBLAS_COMPUTE_64F || c == CUBLAS_COMPUTE_64F_PEDANTIC; }

double ReadScalar(const void* p, cublasComputeType_t compute) {
  if (IsCompute16F(compute)) {
    __half h;
    std::memcpy(&h, p, sizeof(h));
    return static_cast<double>(__half2float(h));
  }
  if (IsCompute64F(compute)) {
    double d;
    std::memcpy(&d, p, sizeof(d));
    return d;
  }
  float f;
  std::memcpy(&f, p, sizeof(f));
  return f;
}

bool Trans(cublasOperation_t op, bool* out) {
  switch (op) {
    case CUBLAS_OP_N: *out = false; return true;
    case CUBLAS_OP_T:
    case CUBLAS_OP_C: *out = true; return true;  // real types: the same
    default: return false;
  }
}

// GemmEx on complex operands (C/Z with a 32F/64F compute type): the level-3
// GEMM of that type, which keeps conjugate transposes.
cublasStatus_t ComplexGemm(cublasContext* h, cublasOperation_t transa, cublasOperation_t transb, int64_t m, int64_t n,
                           int64_t k, const void* alpha, const void* a, cudaDataType type, int64_t lda, const void* b,
                           int64_t ldb, const void* beta, void* c, int64_t ldc, int64_t batch, bool pointer_arrays,
                           int64_t stride_a, int64_t stride_b, int64_t stride_c) {
  if (alpha == nullptr || beta == nullptr) return CUBLAS_STATUS_INVALID_VALUE;
  VgpuBlasCall call{};
  call.op = VGPU_BLAS_GEMM;
  call.type = type;
  call.trans_a = transa, call.trans_b = transb;
  call.m = m, call.n = n, call.k = k;
  const size_t size = type == CUDA_C_32F ? 8 : 16;
  for (auto [out, in] : {std::pair{&call.alpha, alpha}, {&call.beta, beta}}) {
    if (h->pointer_mode == CUBLAS_POINTER_MODE_DEVICE) {
      out->device = reinterpret_cast<uint64_t>(in);
    } else {
      std::memcpy(out->value, in, size);
      out->size = static_cast<uint32_t>(size);
    }
  }
  call.a = reinterpret_cast<uint64_t>(a), call.lda = lda;
  call.b = reinterpret_cast<uint64_t>(b), call.ldb = ldb;
  call.c = reinterpret_cast<uint64_t>(c), call.ldc = ldc;
  call.batch = batch, call.pointer_arrays = pointer_arrays;
  call.stride_a = stride_a, call.stride_b = stride_b, call.stride_c = stride_c;
  return Forward(h, call);
}

}  // namespace

cublasStatus_t ForwardGemm(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int64_t m,
                           int64_t n, int64_t k, const void* alpha, const void* a, cudaDataType a_type, int64_t lda,
                           const void* b, cudaDataType b_type, int64_t ldb, const void* beta, void* c,
                           cudaDataType c_type, int64_t ldc, int64_t batch, bool pointer_arrays, int64_t stride_a,
                           int64_t stride_b, int64_t stride_c, cublasComputeType_t compute) {
  cublasContext* h = Checked(handle);
  if (h == nullptr) return CUBLAS_STATUS_NOT_INITIALIZED;
  const bool c32 = a_type == CUDA_C_32F && (compute == CUBLAS_COMPUTE_32F || compute == CUBLAS_COMPUTE_32F_PEDANTIC);
  const bool c64 = a_type == CUDA_C_64F && IsCompute64F(compute);
  if ((c32 || c64) && b_type == a_type && c_type == a_type) {
    return ComplexGemm(h, transa, transb, m, n, k, alpha, a, a_type, lda, b, ldb, beta, c, ldc, batch, pointer_arrays,
                       stride_a, stride_b, stride_c);
  }
  VgpuBlasGemm g{};
  bool ta = false, tb = false;
  if (!Trans(transa, &ta) || !Trans(transb, &tb)) return CUBLAS_STATUS_INVALID_VALUE;
  if (batch < 0) return CUBLAS_STATUS_INVALID_VALUE;
  namespace eb = vgpu::emu::blas;
  eb::GemmShape s;
  s.trans_a = ta, s.trans_b = tb, s.m = m, s.n = n, s.k = k;
  s.a_type = static_cast<eb::DataType>(a_type);
  s.b_type = static_cast<eb::DataType>(b_type);
  s.c_type = static_cast<eb::DataType>(c_type);
  s.compute = static_cast<eb::ComputeType>(compute);
  s.lda = lda, s.ldb = ldb, s.ldc = ldc;
  switch (eb::CheckGemm(s, nullptr)) {
    case eb::GemmCheck::kOk: break;
    case eb::GemmCheck::kInvalidValue: return CUBLAS_STATUS_INVALID_VALUE;
    case eb::GemmCheck::kNotSupported: return CUBLAS_STATUS_NOT_SUPPORTED;
  }
  if (m == 0 || n == 0 || batch == 0) return CUBLAS_STATUS_SUCCESS;
  if (alpha == nullptr || beta == nullptr) return CUBLAS_STATUS_INVALID_VALUE;
  const VgpuSessionTable* table = Table();
  if (table == nullptr) return CUBLAS_STATUS_NOT_INITIALIZED;
  cublasStatus_t st = ServerHandle(h, table, &g.handle);
  if (st != CUBLAS_STATUS_SUCCESS) return st;
  g.trans_a = ta, g.trans_b = tb;
  g.m = m, g.n = n, g.k = k;
  if (h->pointer_mode == CUBLAS_POINTER_MODE_DEVICE) {
    // Read in the compute type on the device when the GEMM runs.
    g.alpha_ptr = reinterpret_cast<uint64_t>(alpha);
    g.beta_ptr = reinterpret_cast<uint64_t>(beta);
  } else {
    g.alpha = ReadScalar(alpha, compute);
    g.beta = ReadScalar(beta, compute);
  }
  g.a = reinterpret_cast<uint64_t>(a);
  g.b = reinterpret_cast<uint64_t>(b);
  g.c = reinterpret_cast<uint64_t>(c);
  g.a_type = a_type, g.b_type = b_type, g.c_type = c_type, g.compute = compute;
  g.lda = lda, g.ldb = ldb, g.ldc = ldc;
  g.batch = batch;
  g.pointer_arrays = pointer_arrays;
  g.stride_a = stride_a, g.stride_b = stride_b, g.stride_c = stride_c;
  return FromCu(table->blas_gemm(&g, reinterpret_cast<CUstream>(h->stream)));
}

void ReleaseServerHandle(uint64_t id) {
  if (id == 0) return;
  if (const VgpuSessionTable* table = Table()) table->blas_destroy(id);
}

}  // namespace vgpu::blas

using vgpu::blas::ForwardGemm;

extern "C" {

VGPU_BLAS_EXPORT cublasStatus_t cublasGemmEx(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb,
                                             int m, int n, int k, const void* alpha, const void* A, cudaDataType Atype,
                                             int lda, const void* B, cudaDataType Btype, int ldb, const void* beta,
                                             void* C, cudaDataType Ctype, int ldc, cublasComputeType_t computeType,
                                             cublasGemmAlgo_t /*algo*/) {
  return ForwardGemm(handle, transa, transb, m, n, k, alpha, A, Atype, lda, B, Btype, ldb, beta, C, Ctype, ldc, 1,
                     false, 0, 0, 0, computeType);
}

VGPU_BLAS_EXPORT cublasStatus_t cublasGemmBatchedEx(cublasHandle_t handle, cublasOperation_t transa,
                                                    cublasOperation_t transb, int m, int n, int k, const void* alpha,
                                                    const void* const Aarray[], cudaDataType Atype, int lda,
                                                    const void* const Barray[], cudaDataType Btype, int ldb,
                                                    const void* beta, void* const Carray[], cudaDataType Ctype, int ldc,
                                                    int batchCount, cublasComputeType_t computeType,
                                                    cublasGemmAlgo_t /*algo*/) {
  return ForwardGemm(handle, transa, transb, m, n, k, alpha, Aarray, Atype, lda, Barray, Btype, ldb, beta,
                     const_cast<void**>(Carray), Ctype, ldc, batchCount, true, 0, 0, 0, computeType);
}

VGPU_BLAS_EXPORT cublasStatus_t cublasGemmStridedBatchedEx(
    cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k, const void* alpha,
    const void* A, cudaDataType Atype, int lda, long long int strideA, const void* B, cudaDataType Btype, int ldb,
    long long int strideB, const void* beta, void* C, cudaDataType Ctype, int ldc, long long int strideC,
    int batchCount, cublasComputeType_t computeType, cublasGemmAlgo_t /*algo*/) {
  return ForwardGemm(handle, transa, transb, m, n, k, alpha, A, Atype, lda, B, Btype, ldb, beta, C, Ctype, ldc,
                     batchCount, false, strideA, strideB, strideC, computeType);
}

VGPU_BLAS_EXPORT cublasStatus_t cublasSgemm_v2(cublasHandle_t handle, cublasOperation_t transa,
                                               cublasOperation_t transb, int m, int n, int k, const float* alpha,
                                               const float* A, int lda, const float* B, int ldb, const float* beta,
                                               float* C, int ldc) {
  return ForwardGemm(handle, transa, transb, m, n, k, alpha, A, CUDA_R_32F, lda, B, CUDA_R_32F, ldb, beta, C,
                     CUDA_R_32F, ldc, 1, false, 0, 0, 0, CUBLAS_COMPUTE_32F);
}

VGPU_BLAS_EXPORT cublasStatus_t cublasSgemmBatched(cublasHandle_t handle, cublasOperation_t transa,
                                                   cublasOperation_t transb, int m, int n, int k, const float* alpha,
                                                   const float* const Aarray[], int lda, const float* const Barray[],
                                                   int ldb, const float* beta, float* const Carray[], int ldc,
                                                   int batchCount) {
  return ForwardGemm(handle, transa, transb, m, n, k, alpha, Aarray, CUDA_R_32F, lda, Barray, CUDA_R_32F, ldb, beta,
                     const_cast<float**>(Carray), CUDA_R_32F, ldc, batchCount, true, 0, 0, 0, CUBLAS_COMPUTE_32F);
}

VGPU_BLAS_EXPORT cublasStatus_t cublasSgemmStridedBatched(cublasHandle_t handle, cublasOperation_t transa,
                                                          cublasOperation_t transb, int m, int n, int k,
                                                          const float* alpha, const float* A, int lda,
                                                          long long int strideA, const float* B, int ldb,
                                                          long long int strideB, const float* beta, float* C, int ldc,
                                                          long long int strideC, int batchCount) {
  return ForwardGemm(handle, transa, transb, m, n, k, alpha, A, CUDA_R_32F, lda, B, CUDA_R_32F, ldb, beta, C,
                     CUDA_R_32F, ldc, batchCount, false, strideA, strideB, strideC, CUBLAS_COMPUTE_32F);
}

}  // extern "C"

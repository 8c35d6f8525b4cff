// The emu backend's GEMM: C = alpha * op(A) * op(B) + beta * C on host memory,
// column-major like cuBLAS, for the types and compute types ggml uses.
// Operands are converted to the compute precision (f16/bf16 -> f32), the
// product is accumulated there and rounded once to C's type. Pure code: the
// caller has checked every range with GemmExtent() against the session's
// allocations before it calls Gemm().
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace vgpu::emu::blas {

// cudaDataType_t values.
enum class DataType : int32_t { kF32 = 0, kF64 = 1, kF16 = 2, kC32 = 4, kC64 = 5, kBF16 = 14 };
// cublasComputeType_t values.
enum class ComputeType : int32_t {
  k16F = 64, k16FPedantic = 65, k32F = 68, k32FPedantic = 69, k64F = 70, k64FPedantic = 71,
  k32FFast16F = 74, k32FFast16BF = 75, k32FFastTF32 = 77,
};

size_t ElementSize(DataType type);

struct GemmShape {
  bool trans_a = false;  // CUBLAS_OP_T or _C (real types: the same)
  bool trans_b = false;
  int64_t m = 0, n = 0, k = 0;
  DataType a_type = DataType::kF32, b_type = DataType::kF32, c_type = DataType::kF32;
  ComputeType compute = ComputeType::k32F;
  int64_t lda = 0, ldb = 0, ldc = 0;
};

enum class GemmCheck { kOk, kInvalidValue, kNotSupported };
// Whether cuBLAS accepts this shape and type combination, and why not.
GemmCheck CheckGemm(const GemmShape& shape, std::string* why);

// Bytes a column-major rows x cols matrix with leading dimension ld spans
// (0 for an empty matrix).
uint64_t MatrixExtent(int64_t rows, int64_t cols, int64_t ld, DataType type);
// Extents of A, B and C for one GEMM of `shape`.
uint64_t ExtentA(const GemmShape& shape);
uint64_t ExtentB(const GemmShape& shape);
uint64_t ExtentC(const GemmShape& shape);

// alpha and beta as the caller's compute type holds them, widened to double
// (a 16F-compute alpha is a half on the wire; the caller converts it).
// When beta is 0, C is not read (NaNs in C do not propagate), as in cuBLAS.
void Gemm(const GemmShape& shape, double alpha, const void* a, const void* b, double beta, void* c);

}  // namespace vgpu::emu::blas

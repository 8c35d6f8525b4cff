// One cuBLAS BLAS-1/2/3 routine as data: which routine, its element type, its
// modes and its shape. Shared by libcublas (argument checks before anything
// is posted), the session (checks before any backend sees it) and the
// backends. Pure code.
#pragma once

#include <cstdint>
#include <string>

#include "server/backends/emu/blas/gemm.h"

namespace vgpu::emu::blas {

// proto/vgpu.proto's BlasRoutine (and libcuda/session_table.h's VGPU_BLAS_*).
enum class Op : int32_t {
  kAxpy = 1, kDot = 2, kDotc = 3, kNrm2 = 4, kScal = 5, kScalReal = 6, kCopy = 7, kSwap = 8, kIamax = 9,
  kIamin = 10, kAsum = 11,
  kGemv = 20, kGer = 21, kGerc = 22,
  kGemm = 30, kSymm = 31, kSyrk = 32, kTrsm = 33,
};
int Level(Op op);  // 1, 2, 3, or 0 for an unknown number

// cuBLAS enum values.
enum Trans : int32_t { kNoTrans = 0, kTrans = 1, kConjTrans = 2 };
enum Side : int32_t { kLeft = 0, kRight = 1 };
enum Uplo : int32_t { kLower = 0, kUpper = 1 };
enum Diag : int32_t { kNonUnit = 0, kUnit = 1 };

struct Routine {
  Op op = Op::kAxpy;
  DataType type = DataType::kF32;  // kF32, kF64, kC32 or kC64
  int32_t side = kLeft, uplo = kLower, trans_a = kNoTrans, trans_b = kNoTrans, diag = kNonUnit;
  int64_t m = 0, n = 0, k = 0;
  int64_t lda = 0, ldb = 0, ldc = 0;
  int64_t incx = 0, incy = 0;
};

// Whether cuBLAS accepts the routine, and why not (kInvalidValue for bad
// modes, dimensions, strides; kNotSupported for an unsupported type).
// Dimensions, leading dimensions and strides above 2^32 are refused, so the
// extents below cannot overflow.
GemmCheck CheckRoutine(const Routine& r, std::string* why);

bool IsComplex(DataType type);
// Bytes of alpha (and beta), and of a level-1 result (0: the routine has none).
size_t ScalarSize(const Routine& r);
size_t ResultSize(const Routine& r);
// Whether the routine has nothing to do (a quick return, as in BLAS); a
// level-1 result is then 0.
bool QuickReturn(const Routine& r);

// Bytes each operand spans for one batch entry (0: not read or written).
// Only meaningful for a routine CheckRoutine accepted.
uint64_t ExtentA(const Routine& r);
uint64_t ExtentB(const Routine& r);
uint64_t ExtentC(const Routine& r);
uint64_t ExtentX(const Routine& r);
uint64_t ExtentY(const Routine& r);

}  // namespace vgpu::emu::blas

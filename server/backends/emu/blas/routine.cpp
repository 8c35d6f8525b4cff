#include "server/backends/emu/blas/routine.h"

#include <algorithm>
#include <cstdlib>

namespace vgpu::emu::blas {
namespace {

constexpr int64_t kLimit = int64_t{1} << 32;

bool ValidType(DataType t) {
  return t == DataType::kF32 || t == DataType::kF64 || t == DataType::kC32 || t == DataType::kC64;
}
bool ValidTrans(int32_t t) { return t == kNoTrans || t == kTrans || t == kConjTrans; }

// Bytes a vector of n elements with stride inc spans.
uint64_t VectorExtent(int64_t n, int64_t inc, DataType type) {
  if (n <= 0) return 0;
  if (inc == 0) return ElementSize(type);
  return MatrixExtent(1, n, std::max<int64_t>(1, std::llabs(inc)), type);
}

// Rows and columns of A (as stored) for one routine.
void ShapeA(const Routine& r, int64_t* rows, int64_t* cols) {
  switch (r.op) {
    case Op::kGemv:
    case Op::kGer:
    case Op::kGerc: *rows = r.m, *cols = r.n; return;
    case Op::kGemm:
      if (r.trans_a == kNoTrans) *rows = r.m, *cols = r.k;
      else *rows = r.k, *cols = r.m;
      return;
    case Op::kSymm:
    case Op::kTrsm: *rows = *cols = r.side == kLeft ? r.m : r.n; return;
    case Op::kSyrk:
      if (r.trans_a == kNoTrans) *rows = r.n, *cols = r.k;
      else *rows = r.k, *cols = r.n;
      return;
    default: *rows = *cols = 0; return;
  }
}
void ShapeB(const Routine& r, int64_t* rows, int64_t* cols) {
  switch (r.op) {
    case Op::kGemm:
      if (r.trans_b == kNoTrans) *rows = r.k, *cols = r.n;
      else *rows = r.n, *cols = r.k;
      return;
    case Op::kSymm:
    case Op::kTrsm: *rows = r.m, *cols = r.n; return;
    default: *rows = *cols = 0; return;
  }
}
void ShapeC(const Routine& r, int64_t* rows, int64_t* cols) {
  switch (r.op) {
    case Op::kGemm:
    case Op::kSymm: *rows = r.m, *cols = r.n; return;
    case Op::kSyrk: *rows = *cols = r.n; return;
    default: *rows = *cols = 0; return;
  }
}
// Lengths of x and y (level 1 and 2).
int64_t LengthX(const Routine& r) {
  if (Level(r.op) == 1) return r.n;
  if (r.op == Op::kGemv) return r.trans_a == kNoTrans ? r.n : r.m;
  if (r.op == Op::kGer || r.op == Op::kGerc) return r.m;
  return 0;
}
int64_t LengthY(const Routine& r) {
  switch (r.op) {
    case Op::kAxpy:
    case Op::kDot:
    case Op::kDotc:
    case Op::kCopy:
    case Op::kSwap: return r.n;
    case Op::kGemv: return r.trans_a == kNoTrans ? r.m : r.n;
    case Op::kGer:
    case Op::kGerc: return r.n;
    default: return 0;
  }
}
// Level-1 routines BLAS skips entirely for a non-positive stride.
bool SkipsNonPositiveInc(Op op) {
  return op == Op::kNrm2 || op == Op::kScal || op == Op::kScalReal || op == Op::kIamax || op == Op::kIamin ||
         op == Op::kAsum;
}

}  // namespace

int Level(Op op) {
  const int v = static_cast<int>(op);
  if (v >= 1 && v <= 11) return 1;
  if (v >= 20 && v <= 22) return 2;
  if (v >= 30 && v <= 33) return 3;
  return 0;
}

bool IsComplex(DataType type) { return type == DataType::kC32 || type == DataType::kC64; }

size_t ScalarSize(const Routine& r) {
  const size_t es = ElementSize(r.type);
  return r.op == Op::kScalReal ? es / 2 : es;
}

size_t ResultSize(const Routine& r) {
  const size_t es = ElementSize(r.type);
  switch (r.op) {
    case Op::kDot:
    case Op::kDotc: return es;
    case Op::kNrm2:
    case Op::kAsum: return IsComplex(r.type) ? es / 2 : es;
    case Op::kIamax:
    case Op::kIamin: return 4;
    default: return 0;
  }
}

bool QuickReturn(const Routine& r) {
  switch (Level(r.op)) {
    case 1: return r.n <= 0 || (SkipsNonPositiveInc(r.op) && r.incx <= 0);
    case 2: return r.m == 0 || r.n == 0;
    case 3:
      if (r.op == Op::kSyrk) return r.n == 0;
      return r.m == 0 || r.n == 0;
    default: return true;
  }
}

GemmCheck CheckRoutine(const Routine& r, std::string* why) {
  auto fail = [&](GemmCheck c, const std::string& text) {
    if (why) *why = text;
    return c;
  };
  const int level = Level(r.op);
  if (level == 0) return fail(GemmCheck::kInvalidValue, "unknown BLAS routine " + std::to_string(int(r.op)));
  if (!ValidType(r.type)) return fail(GemmCheck::kNotSupported, "element type not supported");
  const bool complex = IsComplex(r.type);
  if ((r.op == Op::kDotc || r.op == Op::kGerc || r.op == Op::kScalReal) && !complex) {
    return fail(GemmCheck::kInvalidValue, "a conjugating routine needs a complex type");
  }
  for (int64_t v : {r.m, r.n, r.k, r.lda, r.ldb, r.ldc, r.incx, r.incy}) {
    if (v > kLimit || v < -kLimit) return fail(GemmCheck::kInvalidValue, "a dimension, leading dimension or stride exceeds 2^32");
  }
  if (level == 1) return GemmCheck::kOk;  // n <= 0 is a quick return; strides may be any
  if (r.m < 0 || r.n < 0 || r.k < 0) return fail(GemmCheck::kInvalidValue, "negative m, n or k");
  if (level == 2) {
    if (r.op == Op::kGemv && !ValidTrans(r.trans_a)) return fail(GemmCheck::kInvalidValue, "bad trans");
    if (r.incx == 0 || r.incy == 0) return fail(GemmCheck::kInvalidValue, "incx and incy must not be 0");
    if (r.lda < std::max<int64_t>(1, r.m)) return fail(GemmCheck::kInvalidValue, "lda smaller than m");
    return GemmCheck::kOk;
  }
  if (!ValidTrans(r.trans_a) || (r.op == Op::kGemm && !ValidTrans(r.trans_b))) {
    return fail(GemmCheck::kInvalidValue, "bad trans");
  }
  if (r.op == Op::kSyrk && r.trans_a == kConjTrans && complex) {
    return fail(GemmCheck::kInvalidValue, "syrk of a complex type takes N or T");
  }
  if ((r.op == Op::kSymm || r.op == Op::kTrsm) && r.side != kLeft && r.side != kRight) {
    return fail(GemmCheck::kInvalidValue, "bad side");
  }
  if (r.op != Op::kGemm && r.uplo != kLower && r.uplo != kUpper) return fail(GemmCheck::kInvalidValue, "bad uplo");
  if (r.op == Op::kTrsm && r.diag != kNonUnit && r.diag != kUnit) return fail(GemmCheck::kInvalidValue, "bad diag");
  int64_t rows = 0, cols = 0;
  ShapeA(r, &rows, &cols);
  if (r.lda < std::max<int64_t>(1, rows)) return fail(GemmCheck::kInvalidValue, "lda smaller than A's rows");
  ShapeB(r, &rows, &cols);
  if (r.op != Op::kSyrk && r.ldb < std::max<int64_t>(1, rows)) {
    return fail(GemmCheck::kInvalidValue, "ldb smaller than B's rows");
  }
  ShapeC(r, &rows, &cols);
  if (r.op != Op::kTrsm && r.ldc < std::max<int64_t>(1, rows)) {
    return fail(GemmCheck::kInvalidValue, "ldc smaller than C's rows");
  }
  return GemmCheck::kOk;
}

uint64_t ExtentA(const Routine& r) {
  int64_t rows = 0, cols = 0;
  ShapeA(r, &rows, &cols);
  return MatrixExtent(rows, cols, r.lda, r.type);
}
uint64_t ExtentB(const Routine& r) {
  int64_t rows = 0, cols = 0;
  ShapeB(r, &rows, &cols);
  return MatrixExtent(rows, cols, r.ldb, r.type);
}
uint64_t ExtentC(const Routine& r) {
  int64_t rows = 0, cols = 0;
  ShapeC(r, &rows, &cols);
  return MatrixExtent(rows, cols, r.ldc, r.type);
}
uint64_t ExtentX(const Routine& r) {
  if (Level(r.op) == 1 && SkipsNonPositiveInc(r.op) && r.incx <= 0) return 0;
  return VectorExtent(LengthX(r), r.incx, r.type);
}
uint64_t ExtentY(const Routine& r) { return VectorExtent(LengthY(r), r.incy, r.type); }

}  // namespace vgpu::emu::blas

#include "server/backends/emu/blas/cpu.h"

#include <cblas.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "server/backends/emu/ptx/math.h"

namespace vgpu::emu::blas {
namespace {

std::once_flag g_threads_once;
void EnsureThreads() {
  std::call_once(g_threads_once, [] {
    int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    if (const char* env = std::getenv("VGPU_EMU_BLAS_THREADS")) {
      const int v = std::atoi(env);
      if (v > 0) threads = v;
    }
    openblas_set_num_threads(threads);
  });
}

CBLAS_TRANSPOSE Tr(int32_t t, bool complex) {
  if (t == kNoTrans) return CblasNoTrans;
  if (t == kConjTrans && complex) return CblasConjTrans;
  return CblasTrans;
}
CBLAS_SIDE Sd(int32_t s) { return s == kLeft ? CblasLeft : CblasRight; }
CBLAS_UPLO Ul(int32_t u) { return u == kLower ? CblasLower : CblasUpper; }
CBLAS_DIAG Dg(int32_t d) { return d == kUnit ? CblasUnit : CblasNonUnit; }

template <typename T>
T Val(const void* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}
template <typename T>
void Put(void* p, T v) {
  std::memcpy(p, &v, sizeof(T));
}

bool Fits(const Routine& r) {
  for (int64_t v : {r.m, r.n, r.k, r.lda, r.ldb, r.ldc, r.incx, r.incy}) {
    if (v > INT_MAX || v < -INT_MAX) return false;
  }
  return true;
}

void Level1(const Routine& r, const Operands& o) {
  const int n = int(r.n), incx = int(r.incx), incy = int(r.incy);
  const DataType t = r.type;
  const bool s = t == DataType::kF32, d = t == DataType::kF64, c = t == DataType::kC32;
  switch (r.op) {
    case Op::kAxpy:
      if (s) cblas_saxpy(n, Val<float>(o.alpha), static_cast<float*>(o.x), incx, static_cast<float*>(o.y), incy);
      else if (d) cblas_daxpy(n, Val<double>(o.alpha), static_cast<double*>(o.x), incx, static_cast<double*>(o.y), incy);
      else if (c) cblas_caxpy(n, o.alpha, o.x, incx, o.y, incy);
      else cblas_zaxpy(n, o.alpha, o.x, incx, o.y, incy);
      return;
    case Op::kDot:
      if (s) Put(o.result, cblas_sdot(n, static_cast<float*>(o.x), incx, static_cast<float*>(o.y), incy));
      else if (d) Put(o.result, cblas_ddot(n, static_cast<double*>(o.x), incx, static_cast<double*>(o.y), incy));
      else if (c) cblas_cdotu_sub(n, o.x, incx, o.y, incy, o.result);
      else cblas_zdotu_sub(n, o.x, incx, o.y, incy, o.result);
      return;
    case Op::kDotc:
      if (c) cblas_cdotc_sub(n, o.x, incx, o.y, incy, o.result);
      else cblas_zdotc_sub(n, o.x, incx, o.y, incy, o.result);
      return;
    case Op::kNrm2:
      if (s) Put(o.result, cblas_snrm2(n, static_cast<float*>(o.x), incx));
      else if (d) Put(o.result, cblas_dnrm2(n, static_cast<double*>(o.x), incx));
      else if (c) Put(o.result, cblas_scnrm2(n, o.x, incx));
      else Put(o.result, cblas_dznrm2(n, o.x, incx));
      return;
    case Op::kAsum:
      if (s) Put(o.result, cblas_sasum(n, static_cast<float*>(o.x), incx));
      else if (d) Put(o.result, cblas_dasum(n, static_cast<double*>(o.x), incx));
      else if (c) Put(o.result, cblas_scasum(n, o.x, incx));
      else Put(o.result, cblas_dzasum(n, o.x, incx));
      return;
    case Op::kScal:
      if (s) cblas_sscal(n, Val<float>(o.alpha), static_cast<float*>(o.x), incx);
      else if (d) cblas_dscal(n, Val<double>(o.alpha), static_cast<double*>(o.x), incx);
      else if (c) cblas_cscal(n, o.alpha, o.x, incx);
      else cblas_zscal(n, o.alpha, o.x, incx);
      return;
    case Op::kScalReal:
      if (c) cblas_csscal(n, Val<float>(o.alpha), o.x, incx);
      else cblas_zdscal(n, Val<double>(o.alpha), o.x, incx);
      return;
    case Op::kCopy:
      if (s) cblas_scopy(n, static_cast<float*>(o.x), incx, static_cast<float*>(o.y), incy);
      else if (d) cblas_dcopy(n, static_cast<double*>(o.x), incx, static_cast<double*>(o.y), incy);
      else if (c) cblas_ccopy(n, o.x, incx, o.y, incy);
      else cblas_zcopy(n, o.x, incx, o.y, incy);
      return;
    case Op::kSwap:
      if (s) cblas_sswap(n, static_cast<float*>(o.x), incx, static_cast<float*>(o.y), incy);
      else if (d) cblas_dswap(n, static_cast<double*>(o.x), incx, static_cast<double*>(o.y), incy);
      else if (c) cblas_cswap(n, o.x, incx, o.y, incy);
      else cblas_zswap(n, o.x, incx, o.y, incy);
      return;
    case Op::kIamax:
    case Op::kIamin: {
      const bool max = r.op == Op::kIamax;
      size_t i = 0;
      if (s) i = max ? cblas_isamax(n, static_cast<float*>(o.x), incx) : cblas_isamin(n, static_cast<float*>(o.x), incx);
      else if (d) i = max ? cblas_idamax(n, static_cast<double*>(o.x), incx) : cblas_idamin(n, static_cast<double*>(o.x), incx);
      else if (c) i = max ? cblas_icamax(n, o.x, incx) : cblas_icamin(n, o.x, incx);
      else i = max ? cblas_izamax(n, o.x, incx) : cblas_izamin(n, o.x, incx);
      Put(o.result, static_cast<int32_t>(i + 1));  // cuBLAS counts from 1
      return;
    }
    default: return;
  }
}

void Level2(const Routine& r, const Operands& o) {
  const int m = int(r.m), n = int(r.n), lda = int(r.lda), incx = int(r.incx), incy = int(r.incy);
  const DataType t = r.type;
  const bool s = t == DataType::kF32, d = t == DataType::kF64, c = t == DataType::kC32;
  const CBLAS_ORDER cm = CblasColMajor;
  if (r.op == Op::kGemv) {
    const CBLAS_TRANSPOSE tr = Tr(r.trans_a, IsComplex(t));
    if (s) cblas_sgemv(cm, tr, m, n, Val<float>(o.alpha), static_cast<float*>(o.a), lda, static_cast<float*>(o.x), incx,
                       Val<float>(o.beta), static_cast<float*>(o.y), incy);
    else if (d) cblas_dgemv(cm, tr, m, n, Val<double>(o.alpha), static_cast<double*>(o.a), lda,
                            static_cast<double*>(o.x), incx, Val<double>(o.beta), static_cast<double*>(o.y), incy);
    else if (c) cblas_cgemv(cm, tr, m, n, o.alpha, o.a, lda, o.x, incx, o.beta, o.y, incy);
    else cblas_zgemv(cm, tr, m, n, o.alpha, o.a, lda, o.x, incx, o.beta, o.y, incy);
    return;
  }
  const bool conj = r.op == Op::kGerc;
  if (s) cblas_sger(cm, m, n, Val<float>(o.alpha), static_cast<float*>(o.x), incx, static_cast<float*>(o.y), incy,
                    static_cast<float*>(o.a), lda);
  else if (d) cblas_dger(cm, m, n, Val<double>(o.alpha), static_cast<double*>(o.x), incx, static_cast<double*>(o.y),
                         incy, static_cast<double*>(o.a), lda);
  else if (c) (conj ? cblas_cgerc : cblas_cgeru)(cm, m, n, o.alpha, o.x, incx, o.y, incy, o.a, lda);
  else (conj ? cblas_zgerc : cblas_zgeru)(cm, m, n, o.alpha, o.x, incx, o.y, incy, o.a, lda);
}

void Level3(const Routine& r, const Operands& o) {
  const int m = int(r.m), n = int(r.n), k = int(r.k), lda = int(r.lda), ldb = int(r.ldb), ldc = int(r.ldc);
  const DataType t = r.type;
  const bool cx = IsComplex(t);
  const bool s = t == DataType::kF32, d = t == DataType::kF64, c = t == DataType::kC32;
  const CBLAS_ORDER cm = CblasColMajor;
  auto* fa = static_cast<float*>(o.a);
  auto* fb = static_cast<float*>(o.b);
  auto* fc = static_cast<float*>(o.c);
  auto* da = static_cast<double*>(o.a);
  auto* db = static_cast<double*>(o.b);
  auto* dc = static_cast<double*>(o.c);
  switch (r.op) {
    case Op::kGemm: {
      const CBLAS_TRANSPOSE ta = Tr(r.trans_a, cx), tb = Tr(r.trans_b, cx);
      if (s) cblas_sgemm(cm, ta, tb, m, n, k, Val<float>(o.alpha), fa, lda, fb, ldb, Val<float>(o.beta), fc, ldc);
      else if (d) cblas_dgemm(cm, ta, tb, m, n, k, Val<double>(o.alpha), da, lda, db, ldb, Val<double>(o.beta), dc, ldc);
      else if (c) cblas_cgemm(cm, ta, tb, m, n, k, o.alpha, o.a, lda, o.b, ldb, o.beta, o.c, ldc);
      else cblas_zgemm(cm, ta, tb, m, n, k, o.alpha, o.a, lda, o.b, ldb, o.beta, o.c, ldc);
      return;
    }
    case Op::kSymm: {
      const CBLAS_SIDE sd = Sd(r.side);
      const CBLAS_UPLO ul = Ul(r.uplo);
      if (s) cblas_ssymm(cm, sd, ul, m, n, Val<float>(o.alpha), fa, lda, fb, ldb, Val<float>(o.beta), fc, ldc);
      else if (d) cblas_dsymm(cm, sd, ul, m, n, Val<double>(o.alpha), da, lda, db, ldb, Val<double>(o.beta), dc, ldc);
      else if (c) cblas_csymm(cm, sd, ul, m, n, o.alpha, o.a, lda, o.b, ldb, o.beta, o.c, ldc);
      else cblas_zsymm(cm, sd, ul, m, n, o.alpha, o.a, lda, o.b, ldb, o.beta, o.c, ldc);
      return;
    }
    case Op::kSyrk: {
      const CBLAS_UPLO ul = Ul(r.uplo);
      const CBLAS_TRANSPOSE tr = r.trans_a == kNoTrans ? CblasNoTrans : CblasTrans;
      if (s) cblas_ssyrk(cm, ul, tr, n, k, Val<float>(o.alpha), fa, lda, Val<float>(o.beta), fc, ldc);
      else if (d) cblas_dsyrk(cm, ul, tr, n, k, Val<double>(o.alpha), da, lda, Val<double>(o.beta), dc, ldc);
      else if (c) cblas_csyrk(cm, ul, tr, n, k, o.alpha, o.a, lda, o.beta, o.c, ldc);
      else cblas_zsyrk(cm, ul, tr, n, k, o.alpha, o.a, lda, o.beta, o.c, ldc);
      return;
    }
    case Op::kTrsm: {
      const CBLAS_SIDE sd = Sd(r.side);
      const CBLAS_UPLO ul = Ul(r.uplo);
      const CBLAS_TRANSPOSE tr = Tr(r.trans_a, cx);
      const CBLAS_DIAG dg = Dg(r.diag);
      if (s) cblas_strsm(cm, sd, ul, tr, dg, m, n, Val<float>(o.alpha), fa, lda, fb, ldb);
      else if (d) cblas_dtrsm(cm, sd, ul, tr, dg, m, n, Val<double>(o.alpha), da, lda, db, ldb);
      else if (c) cblas_ctrsm(cm, sd, ul, tr, dg, m, n, o.alpha, o.a, lda, o.b, ldb);
      else cblas_ztrsm(cm, sd, ul, tr, dg, m, n, o.alpha, o.a, lda, o.b, ldb);
      return;
    }
    default: return;
  }
}

// f16/bf16 <-> f32 for GemmEx operands without a BLAS type.
float LoadHalf(const uint8_t* p, DataType type) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return type == DataType::kF16 ? ptx::F16ToF32(h) : ptx::BF16ToF32(h);
}
void StoreHalf(uint8_t* p, DataType type, float v) {
  const uint16_t h = type == DataType::kF16 ? ptx::LongToF16(v, ptx::kRn) : ptx::LongToBF16(v, ptx::kRn);
  std::memcpy(p, &h, 2);
}
// A stored rows x cols matrix (leading dimension ld) as dense f32 (ld = rows).
std::vector<float> Widen(const void* src, DataType type, int64_t rows, int64_t cols, int64_t ld) {
  std::vector<float> out(static_cast<size_t>(rows * cols));
  const auto* base = static_cast<const uint8_t*>(src);
  for (int64_t j = 0; j < cols; ++j) {
    for (int64_t i = 0; i < rows; ++i) {
      const uint8_t* p = base + (j * ld + i) * int64_t(ElementSize(type));
      out[size_t(j * rows + i)] = type == DataType::kF32 ? Val<float>(p) : LoadHalf(p, type);
    }
  }
  return out;
}

bool Is64F(ComputeType t) { return t == ComputeType::k64F || t == ComputeType::k64FPedantic; }

}  // namespace

Status Run(const Routine& r, const Operands& o) {
  EnsureThreads();
  if (!Fits(r)) return InvalidValue("BLAS dimensions exceed 32 bits on the software GPU");
  if (QuickReturn(r)) {
    if (o.result != nullptr) std::memset(o.result, 0, ResultSize(r));
    return Status();
  }
  switch (Level(r.op)) {
    case 1: Level1(r, o); break;
    case 2: Level2(r, o); break;
    case 3: Level3(r, o); break;
    default: return InvalidValue("unknown BLAS routine");
  }
  return Status();
}

Status GemmCpu(const GemmShape& s, double alpha, const void* a, const void* b, double beta, void* c) {
  EnsureThreads();
  if (s.m <= 0 || s.n <= 0) return Status();
  for (int64_t v : {s.m, s.n, s.k, s.lda, s.ldb, s.ldc}) {
    if (v > INT_MAX) return InvalidValue("gemm dimensions exceed 32 bits on the software GPU");
  }
  const int m = int(s.m), n = int(s.n), k = int(s.k);
  const CBLAS_TRANSPOSE ta = s.trans_a ? CblasTrans : CblasNoTrans, tb = s.trans_b ? CblasTrans : CblasNoTrans;
  if (Is64F(s.compute)) {  // CheckGemm: all operands are f64
    cblas_dgemm(CblasColMajor, ta, tb, m, n, k, alpha, static_cast<const double*>(a), int(s.lda),
                static_cast<const double*>(b), int(s.ldb), beta, static_cast<double*>(c), int(s.ldc));
    return Status();
  }
  const float fa = static_cast<float>(alpha), fb = static_cast<float>(beta);
  if (s.a_type == DataType::kF32 && s.c_type == DataType::kF32) {
    cblas_sgemm(CblasColMajor, ta, tb, m, n, k, fa, static_cast<const float*>(a), int(s.lda),
                static_cast<const float*>(b), int(s.ldb), fb, static_cast<float*>(c), int(s.ldc));
    return Status();
  }
  // f16/bf16 operands: widen to f32, multiply, round C once.
  const int64_t a_rows = s.trans_a ? s.k : s.m, a_cols = s.trans_a ? s.m : s.k;
  const int64_t b_rows = s.trans_b ? s.n : s.k, b_cols = s.trans_b ? s.k : s.n;
  std::vector<float> wa = Widen(a, s.a_type, a_rows, a_cols, s.lda);
  std::vector<float> wb = Widen(b, s.b_type, b_rows, b_cols, s.ldb);
  const int lda = int(std::max<int64_t>(1, a_rows)), ldb = int(std::max<int64_t>(1, b_rows));
  if (s.c_type == DataType::kF32) {
    cblas_sgemm(CblasColMajor, ta, tb, m, n, k, fa, wa.data(), lda, wb.data(), ldb, fb, static_cast<float*>(c),
                int(s.ldc));
    return Status();
  }
  // C is f16/bf16: beta == 0 must not read C (NaNs there do not propagate).
  std::vector<float> wc = fb != 0.0f ? Widen(c, s.c_type, s.m, s.n, s.ldc) : std::vector<float>(size_t(s.m * s.n));
  cblas_sgemm(CblasColMajor, ta, tb, m, n, k, fa, wa.data(), lda, wb.data(), ldb, fb, wc.data(), m);
  auto* out = static_cast<uint8_t*>(c);
  for (int64_t j = 0; j < s.n; ++j) {
    for (int64_t i = 0; i < s.m; ++i) StoreHalf(out + (j * s.ldc + i) * 2, s.c_type, wc[size_t(j * s.m + i)]);
  }
  return Status();
}

}  // namespace vgpu::emu::blas

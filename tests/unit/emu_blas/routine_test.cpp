// The emu backend's BLAS-1/2/3 (OpenBLAS, server/backends/emu/blas/cpu.h)
// against a naive complex<double> reference, for S, D, C and Z: every
// transpose, side, fill and diagonal mode, padded leading dimensions,
// positive and negative strides; plus the argument checks and extents.
#include <cublas_api.h>

#include <catch2/catch.hpp>

#include <cmath>
#include <complex>
#include <cstring>
#include <random>
#include <vector>

#include "server/backends/emu/blas/cpu.h"
#include "server/backends/emu/blas/routine.h"

using namespace vgpu::emu::blas;
using cd = std::complex<double>;

static_assert(int(Op::kAxpy) == 1 && int(DataType::kC32) == CUDA_C_32F && int(DataType::kC64) == CUDA_C_64F);
static_assert(int(kConjTrans) == int(CUBLAS_OP_C) && int(kUpper) == int(CUBLAS_FILL_MODE_UPPER) &&
              int(kRight) == int(CUBLAS_SIDE_RIGHT) &&
              int(kUnit) == int(CUBLAS_DIAG_UNIT));

namespace {

std::mt19937 g_rng(5);

// Typed storage read and written as complex<double>.
struct Buf {
  DataType type;
  std::vector<uint8_t> bytes;
  Buf(DataType t, size_t count) : type(t), bytes(std::max<size_t>(1, count) * ElementSize(t)) {}
  size_t size() const { return bytes.size() / ElementSize(type); }
  cd Get(size_t i) const {
    switch (type) {
      case DataType::kF32: { float v; std::memcpy(&v, &bytes[i * 4], 4); return v; }
      case DataType::kF64: { double v; std::memcpy(&v, &bytes[i * 8], 8); return v; }
      case DataType::kC32: { float v[2]; std::memcpy(v, &bytes[i * 8], 8); return {v[0], v[1]}; }
      default: { double v[2]; std::memcpy(v, &bytes[i * 16], 16); return {v[0], v[1]}; }
    }
  }
  void Set(size_t i, cd x) {
    switch (type) {
      case DataType::kF32: { float v = float(x.real()); std::memcpy(&bytes[i * 4], &v, 4); return; }
      case DataType::kF64: { double v = x.real(); std::memcpy(&bytes[i * 8], &v, 8); return; }
      case DataType::kC32: { float v[2] = {float(x.real()), float(x.imag())}; std::memcpy(&bytes[i * 8], v, 8); return; }
      default: { double v[2] = {x.real(), x.imag()}; std::memcpy(&bytes[i * 16], v, 16); return; }
    }
  }
  void Fill() {
    std::uniform_real_distribution<double> d(-1, 1);
    for (size_t i = 0; i < size(); ++i) Set(i, {d(g_rng), IsComplex(type) ? d(g_rng) : 0.0});
  }
};

// A scalar in the routine's scalar type (real for SCAL_REAL).
struct ScalarBytes {
  uint8_t v[16] = {};
  ScalarBytes(DataType t, cd x, bool real = false) {
    Buf b(real ? (t == DataType::kC32 ? DataType::kF32 : DataType::kF64) : t, 1);
    b.Set(0, x);
    std::memcpy(v, b.bytes.data(), b.bytes.size());
  }
};

double Tol(DataType t) { return t == DataType::kF32 || t == DataType::kC32 ? 2e-4 : 1e-11; }
bool Close(cd got, cd want, DataType t, double scale = 1) {
  return std::abs(got - want) <= Tol(t) * std::max(1.0, scale);
}

size_t At(int64_t i, int64_t n, int64_t inc) { return size_t(inc >= 0 ? i * inc : (n - 1 - i) * -inc); }
cd Apply(cd a, int32_t trans) { return trans == kConjTrans ? std::conj(a) : a; }

const DataType kTypes[] = {DataType::kF32, DataType::kF64, DataType::kC32, DataType::kC64};

}  // namespace

TEST_CASE("level 1 matches a naive reference", "[emu_blas]") {
  const int64_t n = 37;
  for (DataType t : kTypes) {
    const bool cx = IsComplex(t);
    for (int64_t incx : {1, 2, -1}) {
      for (int64_t incy : {1, 3, -2}) {
        for (Op op : {Op::kAxpy, Op::kDot, Op::kDotc, Op::kNrm2, Op::kScal, Op::kScalReal, Op::kCopy, Op::kSwap,
                      Op::kIamax, Op::kIamin, Op::kAsum}) {
          if ((op == Op::kDotc || op == Op::kScalReal) && !cx) continue;
          Routine r;
          r.op = op, r.type = t, r.n = n, r.incx = incx, r.incy = incy;
          REQUIRE(CheckRoutine(r, nullptr) == GemmCheck::kOk);
          Buf x(t, size_t((n - 1) * std::abs(incx) + 1)), y(t, size_t((n - 1) * std::abs(incy) + 1));
          x.Fill(), y.Fill();
          const Buf x0 = x, y0 = y;
          const cd alpha = op == Op::kScalReal ? cd(0.75, 0) : cd(0.75, cx ? -0.5 : 0);
          ScalarBytes a(t, alpha, op == Op::kScalReal);
          uint8_t result[16] = {};
          Operands o;
          o.alpha = a.v, o.x = x.bytes.data(), o.y = y.bytes.data(), o.result = result;
          INFO("type " << int(t) << " op " << int(op) << " incx " << incx << " incy " << incy);
          const bool skips = incx <= 0 && (op == Op::kNrm2 || op == Op::kScal || op == Op::kScalReal ||
                                           op == Op::kIamax || op == Op::kIamin || op == Op::kAsum);
          REQUIRE(Run(r, o).ok());
          auto xi = [&](const Buf& b, int64_t i) { return b.Get(At(i, n, incx)); };
          auto yi = [&](const Buf& b, int64_t i) { return b.Get(At(i, n, incy)); };
          const DataType real_t = t == DataType::kC32 ? DataType::kF32 : t == DataType::kC64 ? DataType::kF64 : t;
          Buf res(op == Op::kNrm2 || op == Op::kAsum ? real_t : t, 1);
          std::memcpy(res.bytes.data(), result, res.bytes.size());
          switch (op) {
            case Op::kAxpy:
              for (int64_t i = 0; i < n; ++i) CHECK(Close(yi(y, i), yi(y0, i) + alpha * xi(x0, i), t));
              break;
            case Op::kDot:
            case Op::kDotc: {
              cd sum = 0;
              for (int64_t i = 0; i < n; ++i) sum += (op == Op::kDotc ? std::conj(xi(x0, i)) : xi(x0, i)) * yi(y0, i);
              CHECK(Close(res.Get(0), sum, t, double(n)));
              break;
            }
            case Op::kNrm2:
            case Op::kAsum: {
              double sum = 0;
              for (int64_t i = 0; i < n && !skips; ++i) {
                const cd v = xi(x0, i);
                sum += op == Op::kNrm2 ? std::norm(v) : std::fabs(v.real()) + std::fabs(v.imag());
              }
              CHECK(Close(res.Get(0), op == Op::kNrm2 ? std::sqrt(sum) : sum, t, double(n)));
              break;
            }
            case Op::kScal:
            case Op::kScalReal:
              for (int64_t i = 0; i < n; ++i) CHECK(Close(xi(x, i), skips ? xi(x0, i) : alpha * xi(x0, i), t));
              break;
            case Op::kCopy:
              for (int64_t i = 0; i < n; ++i) CHECK(yi(y, i) == xi(x0, i));
              break;
            case Op::kSwap:
              for (int64_t i = 0; i < n; ++i) CHECK((yi(y, i) == xi(x0, i) && xi(x, i) == yi(y0, i)));
              break;
            case Op::kIamax:
            case Op::kIamin: {
              int32_t got;
              std::memcpy(&got, result, 4);
              int32_t want = 0;
              double best = 0;
              for (int64_t i = 0; i < n && !skips; ++i) {
                const cd v = xi(x0, i);
                const double mag = std::fabs(v.real()) + std::fabs(v.imag());
                if (i == 0 || (op == Op::kIamax ? mag > best : mag < best)) best = mag, want = int32_t(i + 1);
              }
              CHECK(got == want);
              break;
            }
            default: break;
          }
        }
      }
    }
  }
}

TEST_CASE("level 2 matches a naive reference", "[emu_blas]") {
  const int64_t m = 13, n = 9;
  for (DataType t : kTypes) {
    const bool cx = IsComplex(t);
    for (Op op : {Op::kGemv, Op::kGer, Op::kGerc}) {
      if (op == Op::kGerc && !cx) continue;
      for (int32_t trans : {kNoTrans, kTrans, kConjTrans}) {
        if (op != Op::kGemv && trans != kNoTrans) continue;
        for (int64_t incx : {1, -2}) {
          for (int64_t incy : {1, 3}) {
            Routine r;
            r.op = op, r.type = t, r.trans_a = trans, r.m = m, r.n = n, r.lda = m + 3, r.incx = incx, r.incy = incy;
            REQUIRE(CheckRoutine(r, nullptr) == GemmCheck::kOk);
            Buf a(t, size_t(r.lda * n)), x(t, size_t(ExtentX(r) / ElementSize(t))), y(t, size_t(ExtentY(r) / ElementSize(t)));
            a.Fill(), x.Fill(), y.Fill();
            const Buf a0 = a, x0 = x, y0 = y;
            const cd alpha(1.5, cx ? 0.25 : 0), beta(-0.5, cx ? 1.0 : 0);
            ScalarBytes sa(t, alpha), sb(t, beta);
            Operands o;
            o.alpha = sa.v, o.beta = sb.v, o.a = a.bytes.data(), o.x = x.bytes.data(), o.y = y.bytes.data();
            REQUIRE(Run(r, o).ok());
            INFO("type " << int(t) << " op " << int(op) << " trans " << trans << " incx " << incx << " incy " << incy);
            if (op == Op::kGemv) {
              const int64_t lx = trans == kNoTrans ? n : m, ly = trans == kNoTrans ? m : n;
              for (int64_t i = 0; i < ly; ++i) {
                cd sum = 0;
                for (int64_t p = 0; p < lx; ++p) {
                  const cd av = trans == kNoTrans ? a0.Get(size_t(p * r.lda + i)) : Apply(a0.Get(size_t(i * r.lda + p)), trans);
                  sum += av * x0.Get(At(p, lx, incx));
                }
                CHECK(Close(y.Get(At(i, ly, incy)), alpha * sum + beta * y0.Get(At(i, ly, incy)), t, double(lx)));
              }
            } else {
              for (int64_t j = 0; j < n; ++j) {
                for (int64_t i = 0; i < r.lda; ++i) {
                  const size_t at = size_t(j * r.lda + i);
                  if (i >= m) {
                    CHECK(a.Get(at) == a0.Get(at));
                    continue;
                  }
                  cd yv = y0.Get(At(j, n, incy));
                  if (op == Op::kGerc) yv = std::conj(yv);
                  CHECK(Close(a.Get(at), a0.Get(at) + alpha * x0.Get(At(i, m, incx)) * yv, t));
                }
              }
            }
          }
        }
      }
    }
  }
}

namespace {

// Element (i, j) of op(M) for a stored matrix with leading dimension ld.
cd OpAt(const Buf& b, int64_t ld, int32_t trans, int64_t i, int64_t j) {
  return trans == kNoTrans ? b.Get(size_t(j * ld + i)) : Apply(b.Get(size_t(i * ld + j)), trans);
}
// Symmetric A read from its `uplo` triangle.
cd SymAt(const Buf& a, int64_t lda, int32_t uplo, int64_t i, int64_t j) {
  const bool stored = uplo == kLower ? i >= j : i <= j;
  return stored ? a.Get(size_t(j * lda + i)) : a.Get(size_t(i * lda + j));
}
// Triangular A: the `uplo` triangle, unit diagonal when diag says so.
cd TriAt(const Buf& a, int64_t lda, int32_t uplo, int32_t diag, int64_t i, int64_t j) {
  if (i == j) return diag == kUnit ? cd(1) : a.Get(size_t(j * lda + i));
  const bool stored = uplo == kLower ? i > j : i < j;
  return stored ? a.Get(size_t(j * lda + i)) : cd(0);
}

}  // namespace

TEST_CASE("level 3 matches a naive reference", "[emu_blas]") {
  const int64_t m = 7, n = 5, k = 6;
  for (DataType t : kTypes) {
    const bool cx = IsComplex(t);
    const cd alpha(1.25, cx ? -0.5 : 0), beta(0.5, cx ? 0.25 : 0);
    ScalarBytes sa(t, alpha), sb(t, beta);
    // gemm: every op(A) x op(B)
    for (int32_t ta : {kNoTrans, kTrans, kConjTrans}) {
      for (int32_t tb : {kNoTrans, kTrans, kConjTrans}) {
        Routine r;
        r.op = Op::kGemm, r.type = t, r.trans_a = ta, r.trans_b = tb, r.m = m, r.n = n, r.k = k;
        r.lda = (ta == kNoTrans ? m : k) + 2, r.ldb = (tb == kNoTrans ? k : n) + 1, r.ldc = m + 3;
        REQUIRE(CheckRoutine(r, nullptr) == GemmCheck::kOk);
        Buf a(t, size_t(ExtentA(r) / ElementSize(t))), b(t, size_t(ExtentB(r) / ElementSize(t))),
            c(t, size_t(r.ldc * n));
        a.Fill(), b.Fill(), c.Fill();
        const Buf c0 = c;
        Operands o;
        o.alpha = sa.v, o.beta = sb.v, o.a = a.bytes.data(), o.b = b.bytes.data(), o.c = c.bytes.data();
        REQUIRE(Run(r, o).ok());
        INFO("gemm type " << int(t) << " ta " << ta << " tb " << tb);
        for (int64_t j = 0; j < n; ++j) {
          for (int64_t i = 0; i < m; ++i) {
            cd sum = 0;
            for (int64_t p = 0; p < k; ++p) sum += OpAt(a, r.lda, ta, i, p) * OpAt(b, r.ldb, tb, p, j);
            CHECK(Close(c.Get(size_t(j * r.ldc + i)), alpha * sum + beta * c0.Get(size_t(j * r.ldc + i)), t, double(k)));
          }
          for (int64_t i = m; i < r.ldc; ++i) CHECK(c.Get(size_t(j * r.ldc + i)) == c0.Get(size_t(j * r.ldc + i)));
        }
      }
    }
    // symm: both sides, both triangles
    for (int32_t side : {kLeft, kRight}) {
      for (int32_t uplo : {kLower, kUpper}) {
        Routine r;
        r.op = Op::kSymm, r.type = t, r.side = side, r.uplo = uplo, r.m = m, r.n = n;
        const int64_t ka = side == kLeft ? m : n;
        r.lda = ka + 1, r.ldb = m + 2, r.ldc = m + 1;
        REQUIRE(CheckRoutine(r, nullptr) == GemmCheck::kOk);
        Buf a(t, size_t(r.lda * ka)), b(t, size_t(r.ldb * n)), c(t, size_t(r.ldc * n));
        a.Fill(), b.Fill(), c.Fill();
        const Buf c0 = c;
        Operands o;
        o.alpha = sa.v, o.beta = sb.v, o.a = a.bytes.data(), o.b = b.bytes.data(), o.c = c.bytes.data();
        REQUIRE(Run(r, o).ok());
        INFO("symm type " << int(t) << " side " << side << " uplo " << uplo);
        for (int64_t j = 0; j < n; ++j) {
          for (int64_t i = 0; i < m; ++i) {
            cd sum = 0;
            if (side == kLeft) {
              for (int64_t p = 0; p < m; ++p) sum += SymAt(a, r.lda, uplo, i, p) * b.Get(size_t(j * r.ldb + p));
            } else {
              for (int64_t p = 0; p < n; ++p) sum += b.Get(size_t(p * r.ldb + i)) * SymAt(a, r.lda, uplo, p, j);
            }
            CHECK(Close(c.Get(size_t(j * r.ldc + i)), alpha * sum + beta * c0.Get(size_t(j * r.ldc + i)), t, double(ka)));
          }
        }
      }
    }
    // syrk: both triangles, N and T; the other triangle is untouched
    for (int32_t uplo : {kLower, kUpper}) {
      for (int32_t trans : {kNoTrans, kTrans}) {
        Routine r;
        r.op = Op::kSyrk, r.type = t, r.uplo = uplo, r.trans_a = trans, r.n = n, r.k = k;
        r.lda = (trans == kNoTrans ? n : k) + 1, r.ldc = n + 2;
        REQUIRE(CheckRoutine(r, nullptr) == GemmCheck::kOk);
        Buf a(t, size_t(ExtentA(r) / ElementSize(t))), c(t, size_t(r.ldc * n));
        a.Fill(), c.Fill();
        const Buf c0 = c;
        Operands o;
        o.alpha = sa.v, o.beta = sb.v, o.a = a.bytes.data(), o.c = c.bytes.data();
        REQUIRE(Run(r, o).ok());
        INFO("syrk type " << int(t) << " uplo " << uplo << " trans " << trans);
        for (int64_t j = 0; j < n; ++j) {
          for (int64_t i = 0; i < n; ++i) {
            const size_t at = size_t(j * r.ldc + i);
            if (uplo == kLower ? i < j : i > j) {
              CHECK(c.Get(at) == c0.Get(at));
              continue;
            }
            cd sum = 0;
            for (int64_t p = 0; p < k; ++p) sum += OpAt(a, r.lda, trans, i, p) * OpAt(a, r.lda, trans, j, p);
            CHECK(Close(c.Get(at), alpha * sum + beta * c0.Get(at), t, double(k)));
          }
        }
      }
    }
    // trsm: op(A) X = alpha B or X op(A) = alpha B, checked by multiplying back
    for (int32_t side : {kLeft, kRight}) {
      for (int32_t uplo : {kLower, kUpper}) {
        for (int32_t trans : {kNoTrans, kTrans, kConjTrans}) {
          for (int32_t diag : {kNonUnit, kUnit}) {
            Routine r;
            r.op = Op::kTrsm, r.type = t, r.side = side, r.uplo = uplo, r.trans_a = trans, r.diag = diag;
            r.m = m, r.n = n;
            const int64_t ka = side == kLeft ? m : n;
            r.lda = ka + 2, r.ldb = m + 1;
            REQUIRE(CheckRoutine(r, nullptr) == GemmCheck::kOk);
            Buf a(t, size_t(r.lda * ka)), b(t, size_t(r.ldb * n));
            a.Fill(), b.Fill();
            for (int64_t i = 0; i < ka; ++i) a.Set(size_t(i * r.lda + i), a.Get(size_t(i * r.lda + i)) + cd(4));
            const Buf b0 = b;
            Operands o;
            o.alpha = sa.v, o.a = a.bytes.data(), o.b = b.bytes.data();
            REQUIRE(Run(r, o).ok());
            INFO("trsm type " << int(t) << " side " << side << " uplo " << uplo << " trans " << trans << " diag " << diag);
            auto opa = [&](int64_t i, int64_t j) {
              return trans == kNoTrans ? TriAt(a, r.lda, uplo, diag, i, j) : Apply(TriAt(a, r.lda, uplo, diag, j, i), trans);
            };
            for (int64_t j = 0; j < n; ++j) {
              for (int64_t i = 0; i < m; ++i) {
                cd sum = 0;
                if (side == kLeft) {
                  for (int64_t p = 0; p < m; ++p) sum += opa(i, p) * b.Get(size_t(j * r.ldb + p));
                } else {
                  for (int64_t p = 0; p < n; ++p) sum += b.Get(size_t(p * r.ldb + i)) * opa(p, j);
                }
                CHECK(Close(sum, alpha * b0.Get(size_t(j * r.ldb + i)), t, 4.0 * double(ka)));
              }
            }
          }
        }
      }
    }
  }
}

TEST_CASE("routine arguments are checked like cuBLAS", "[emu_blas]") {
  std::string why;
  Routine r;
  r.op = Op::kGemm, r.type = DataType::kF32, r.m = 4, r.n = 3, r.k = 2, r.lda = 4, r.ldb = 2, r.ldc = 4;
  CHECK(CheckRoutine(r, &why) == GemmCheck::kOk);
  Routine bad = r;
  bad.lda = 3;
  CHECK(CheckRoutine(bad, &why) == GemmCheck::kInvalidValue);
  bad = r, bad.trans_a = 7;
  CHECK(CheckRoutine(bad, &why) == GemmCheck::kInvalidValue);
  bad = r, bad.type = DataType::kF16;
  CHECK(CheckRoutine(bad, &why) == GemmCheck::kNotSupported);
  bad = r, bad.op = static_cast<Op>(99);
  CHECK(CheckRoutine(bad, &why) == GemmCheck::kInvalidValue);
  bad = r, bad.ldc = int64_t{1} << 40;
  CHECK(CheckRoutine(bad, &why) == GemmCheck::kInvalidValue);
  Routine tr;
  tr.op = Op::kTrsm, tr.type = DataType::kF64, tr.side = kRight, tr.m = 3, tr.n = 5, tr.lda = 4, tr.ldb = 3;
  CHECK(CheckRoutine(tr, &why) == GemmCheck::kInvalidValue);  // A is n x n = 5 x 5: lda 4 is too small
  tr.lda = 5;
  CHECK(CheckRoutine(tr, &why) == GemmCheck::kOk);
  tr.diag = 2;
  CHECK(CheckRoutine(tr, &why) == GemmCheck::kInvalidValue);
  Routine dotc;
  dotc.op = Op::kDotc, dotc.type = DataType::kF32, dotc.n = 3, dotc.incx = dotc.incy = 1;
  CHECK(CheckRoutine(dotc, &why) == GemmCheck::kInvalidValue);
  Routine gemv;
  gemv.op = Op::kGemv, gemv.type = DataType::kC32, gemv.m = 3, gemv.n = 2, gemv.lda = 3, gemv.incx = 0, gemv.incy = 1;
  CHECK(CheckRoutine(gemv, &why) == GemmCheck::kInvalidValue);
  Routine syrk;
  syrk.op = Op::kSyrk, syrk.type = DataType::kC64, syrk.trans_a = kConjTrans, syrk.n = 2, syrk.k = 2, syrk.lda = 2, syrk.ldc = 2;
  CHECK(CheckRoutine(syrk, &why) == GemmCheck::kInvalidValue);
}

TEST_CASE("routine extents and result sizes", "[emu_blas]") {
  Routine r;
  r.op = Op::kAxpy, r.type = DataType::kC64, r.n = 4, r.incx = -3, r.incy = 0;
  CHECK(ExtentX(r) == (3 * 3 + 1) * 16);
  CHECK(ExtentY(r) == 16);
  r.op = Op::kNrm2;
  CHECK(ResultSize(r) == 8);
  CHECK(ExtentX(r) == 0);  // incx <= 0: BLAS reads nothing
  CHECK(QuickReturn(r));
  r.op = Op::kIamax, r.incx = 1;
  CHECK(ResultSize(r) == 4);
  r.op = Op::kScalReal;
  CHECK(ScalarSize(r) == 8);
  Routine g;
  g.op = Op::kGemm, g.type = DataType::kF32, g.m = int64_t{1} << 32, g.n = int64_t{1} << 32, g.k = 1;
  g.lda = g.ldc = int64_t{1} << 32, g.ldb = 1;
  CHECK(ExtentC(g) > (uint64_t{1} << 63));  // no wrap: saturates far beyond any allocation
}

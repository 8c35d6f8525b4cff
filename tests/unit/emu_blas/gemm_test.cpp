// The emu GEMM against a naive double-precision reference: every ggml type
// combination, both transposes of both operands, odd shapes and padded
// leading dimensions; plus cuBLAS's argument checks and extents.
#include <cublas_api.h>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "server/backends/emu/blas/cpu.h"
#include "server/backends/emu/blas/gemm.h"
#include "server/backends/emu/ptx/math.h"

using namespace vgpu::emu::blas;

static_assert(int(DataType::kF16) == CUDA_R_16F && int(DataType::kBF16) == CUDA_R_16BF &&
              int(DataType::kF32) == CUDA_R_32F && int(DataType::kF64) == CUDA_R_64F);
static_assert(int(ComputeType::k16F) == CUBLAS_COMPUTE_16F && int(ComputeType::k32F) == CUBLAS_COMPUTE_32F &&
              int(ComputeType::k64F) == CUBLAS_COMPUTE_64F && int(ComputeType::k32FFast16F) == CUBLAS_COMPUTE_32F_FAST_16F &&
              int(ComputeType::k32FFastTF32) == CUBLAS_COMPUTE_32F_FAST_TF32 &&
              int(ComputeType::k32FFast16BF) == CUBLAS_COMPUTE_32F_FAST_16BF);

namespace {

struct Matrix {
  DataType type;
  std::vector<uint8_t> bytes;
  Matrix(DataType t, size_t count) : type(t), bytes(count * ElementSize(t)) {}
  double Get(size_t i) const {
    switch (type) {
      case DataType::kF32: { float v; std::memcpy(&v, &bytes[i * 4], 4); return v; }
      case DataType::kF64: { double v; std::memcpy(&v, &bytes[i * 8], 8); return v; }
      case DataType::kF16: { uint16_t h; std::memcpy(&h, &bytes[i * 2], 2); return vgpu::ptx::F16ToF32(h); }
      case DataType::kBF16: { uint16_t h; std::memcpy(&h, &bytes[i * 2], 2); return vgpu::ptx::BF16ToF32(h); }
      default: break;
    }
    return 0;
  }
  void Set(size_t i, double v) {
    switch (type) {
      case DataType::kF32: { float f = float(v); std::memcpy(&bytes[i * 4], &f, 4); return; }
      case DataType::kF64: std::memcpy(&bytes[i * 8], &v, 8); return;
      case DataType::kF16: { uint16_t h = vgpu::ptx::LongToF16(v, vgpu::ptx::kRn); std::memcpy(&bytes[i * 2], &h, 2); return; }
      case DataType::kBF16: { uint16_t h = vgpu::ptx::LongToBF16(v, vgpu::ptx::kRn); std::memcpy(&bytes[i * 2], &h, 2); return; }
      default: return;
    }
  }
};

double Tolerance(DataType c, ComputeType compute, int64_t k) {
  if (compute == ComputeType::k64F) return 1e-12 * double(k + 1);
  if (c == DataType::kF16) return 4e-3 * std::sqrt(double(k + 1)) + 2e-3;
  if (c == DataType::kBF16) return 2e-2 * std::sqrt(double(k + 1)) + 1e-2;
  return 1e-5 * double(k + 1);
}

struct Combo {
  DataType ab, c;
  ComputeType compute;
};

}  // namespace

TEST_CASE("GEMM matches a naive reference for ggml's combinations", "[emu_blas]") {
  const Combo combos[] = {
      {DataType::kF16, DataType::kF16, ComputeType::k16F},   {DataType::kF16, DataType::kF32, ComputeType::k32F},
      {DataType::kF16, DataType::kF16, ComputeType::k32F},   {DataType::kBF16, DataType::kBF16, ComputeType::k32F},
      {DataType::kBF16, DataType::kF32, ComputeType::k32F},  {DataType::kF32, DataType::kF32, ComputeType::k32F},
      {DataType::kF32, DataType::kF32, ComputeType::k32FFastTF32}, {DataType::kF16, DataType::kF32, ComputeType::k32FFast16F},
      {DataType::kF64, DataType::kF64, ComputeType::k64F}};
  const int64_t shapes[][3] = {{1, 1, 1}, {3, 5, 7}, {17, 9, 33}, {64, 1, 65}, {2, 31, 1}, {4, 3, 0}};
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  for (const Combo& combo : combos) {
    for (const auto& mnk : shapes) {
      for (int ta = 0; ta < 2; ++ta) {
        for (int tb = 0; tb < 2; ++tb) {
          for (double beta : {0.0, 0.5}) {
            GemmShape s;
            s.trans_a = ta, s.trans_b = tb;
            s.m = mnk[0], s.n = mnk[1], s.k = mnk[2];
            s.a_type = s.b_type = combo.ab;
            s.c_type = combo.c;
            s.compute = combo.compute;
            const int64_t ar = ta ? s.k : s.m, ac = ta ? s.m : s.k, br = tb ? s.n : s.k, bc = tb ? s.k : s.n;
            s.lda = ar + 3, s.ldb = br + 1, s.ldc = s.m + 2;
            REQUIRE(CheckGemm(s, nullptr) == GemmCheck::kOk);
            Matrix a(combo.ab, size_t(s.lda * ac)), b(combo.ab, size_t(s.ldb * bc)), c(combo.c, size_t(s.ldc * s.n));
            for (size_t i = 0; i < a.bytes.size() / ElementSize(a.type); ++i) a.Set(i, dist(rng));
            for (size_t i = 0; i < b.bytes.size() / ElementSize(b.type); ++i) b.Set(i, dist(rng));
            for (size_t i = 0; i < c.bytes.size() / ElementSize(c.type); ++i) c.Set(i, beta == 0 ? NAN : dist(rng));
            Matrix expect = c;
            const double alpha = 1.25;
            for (int64_t j = 0; j < s.n; ++j) {
              for (int64_t i = 0; i < s.m; ++i) {
                double sum = 0;
                for (int64_t p = 0; p < s.k; ++p) {
                  double av = a.Get(size_t(ta ? i * s.lda + p : p * s.lda + i));
                  double bv = b.Get(size_t(tb ? p * s.ldb + j : j * s.ldb + p));
                  sum += av * bv;
                }
                const size_t at = size_t(j * s.ldc + i);
                expect.Set(at, alpha * sum + (beta == 0 ? 0.0 : beta * c.Get(at)));
              }
            }
            // The naive loops (the reference) and the OpenBLAS path the emu backend runs.
            for (bool cpu : {false, true}) {
            Matrix got = c;
            if (cpu) REQUIRE(GemmCpu(s, alpha, a.bytes.data(), b.bytes.data(), beta, got.bytes.data()).ok());
            else Gemm(s, alpha, a.bytes.data(), b.bytes.data(), beta, got.bytes.data());
            const double tol = Tolerance(combo.c, combo.compute, s.k);
            for (int64_t j = 0; j < s.n; ++j) {
              for (int64_t i = 0; i < s.ldc; ++i) {
                const size_t at = size_t(j * s.ldc + i);
                INFO((cpu ? "openblas " : "naive ") << "type " << int(combo.ab) << "->" << int(combo.c) << " compute " << int(combo.compute) << " m,n,k "
                             << s.m << "," << s.n << "," << s.k << " ta " << ta << " tb " << tb << " beta " << beta
                             << " at " << i << "," << j);
                if (i >= s.m) {
                  // Padding rows are never written.
                  CHECK(std::memcmp(&got.bytes[at * ElementSize(c.type)], &expect.bytes[at * ElementSize(c.type)],
                                    ElementSize(c.type)) == 0);
                } else {
                  CHECK(std::fabs(got.Get(at) - expect.Get(at)) <= tol);
                }
              }
            }
            }
          }
        }
      }
    }
  }
}

TEST_CASE("GEMM arguments are checked like cuBLAS", "[emu_blas]") {
  GemmShape s;
  s.m = 4, s.n = 3, s.k = 2;
  s.lda = 4, s.ldb = 2, s.ldc = 4;
  std::string why;
  CHECK(CheckGemm(s, &why) == GemmCheck::kOk);
  GemmShape bad = s;
  bad.lda = 3;
  CHECK(CheckGemm(bad, &why) == GemmCheck::kInvalidValue);
  bad = s;
  bad.trans_a = true;  // op(A) = A^T: A is k x m, lda >= k = 2 is fine
  CHECK(CheckGemm(bad, &why) == GemmCheck::kOk);
  bad.lda = 1;
  CHECK(CheckGemm(bad, &why) == GemmCheck::kInvalidValue);
  bad = s;
  bad.m = -1;
  CHECK(CheckGemm(bad, &why) == GemmCheck::kInvalidValue);
  bad = s;
  bad.a_type = bad.b_type = DataType::kF16;
  bad.c_type = DataType::kF32;
  bad.compute = ComputeType::k16F;
  CHECK(CheckGemm(bad, &why) == GemmCheck::kNotSupported);
  bad.compute = ComputeType::k32F;
  CHECK(CheckGemm(bad, &why) == GemmCheck::kOk);
  bad.b_type = DataType::kBF16;
  CHECK(CheckGemm(bad, &why) == GemmCheck::kNotSupported);
  bad = s;
  bad.a_type = static_cast<DataType>(3);
  CHECK(CheckGemm(bad, &why) == GemmCheck::kNotSupported);
}

TEST_CASE("extents cover exactly the bytes a GEMM touches", "[emu_blas]") {
  GemmShape s;
  s.m = 5, s.n = 3, s.k = 2;
  s.lda = 8, s.ldb = 2, s.ldc = 6;
  s.a_type = s.b_type = DataType::kF16;
  s.c_type = DataType::kF32;
  CHECK(ExtentA(s) == (1 * 8 + 5) * 2);
  CHECK(ExtentB(s) == (2 * 2 + 2) * 2);
  CHECK(ExtentC(s) == (2 * 6 + 5) * 4);
  s.trans_a = true;  // A is k x m = 2 x 5
  CHECK(ExtentA(s) == (4 * 8 + 2) * 2);
  s.m = 0;
  CHECK(ExtentC(s) == 0);
}

// Inlined libdevice math, divergence and reconvergence, block votes, 64-bit and packed-half
// arithmetic, all against host references.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

#include <catch2/catch.hpp>

#include "server/backends/emu/ptx/math.h"
#include "server/backends/emu/ptx/ptx.h"
#include "tests/unit/ptx/fixtures.h"
#include "tests/unit/ptx/test_memory.h"

namespace vgpu::ptx {
namespace {

using testing::Args;
using testing::Config;
using testing::LoadFixture;
using testing::TestMemory;

bool Near(double got, double want, double rel, double abs_tol) {
  if (std::isnan(want)) return std::isnan(got);
  if (std::isinf(want)) return got == want;
  return std::fabs(got - want) <= std::max(abs_tol, rel * std::fabs(want));
}

TEST_CASE("float math functions", "[ptx][kernels]") {
  auto m = LoadFixture("transcendental.ptx");
  TestMemory mem;
  const int n = 512;
  std::vector<float> in(n);
  for (int i = 0; i < n; ++i) in[i] = (i - 256) * 0.173f;
  in[0] = 0.0f;
  in[1] = 1e4f;   // large argument: sin/cos take the slow reduction path
  in[2] = -3e5f;
  uint64_t din = mem.Upload(in), dout = mem.Alloc(n * 12 * 4);
  Args args(*m->FindKernel("floatMath"));
  args.Set(0, din).Set(1, dout).Set(2, n);
  Status st = Launch(*m, "floatMath", Config(4, 128), args.bytes(), mem, testing::PlaceGlobals(*m, mem));
  INFO(st.ToString());
  REQUIRE(st.ok());
  auto out = mem.Download<float>(dout, n * 12);
  for (int i = 0; i < n; ++i) {
    float x = in[i];
    const float* o = &out[i * 12];
    INFO("x=" << x);
    CHECK(Near(o[0], std::exp(double(x)), 1e-6, 1e-37));
    CHECK(Near(o[1], std::log(std::fabs(double(x)) + 1.0), 1e-6, 1e-7));
    CHECK(Near(o[2], std::sin(double(x)), 1e-6, 1e-6));
    CHECK(Near(o[3], std::cos(double(x)), 1e-6, 1e-6));
    CHECK(Near(o[4], std::tanh(double(x)), 1e-6, 1e-7));
    CHECK(Near(o[5], std::pow(std::fabs(double(x)), 1.7), 1e-6, 1e-30));
    CHECK(Near(o[6], 1.0 / std::sqrt(std::fabs(double(x)) + 0.5), 1e-6, 0));
    CHECK(Near(o[7], std::exp(double(x) * 0.1), 1e-5, 1e-30));
    if (std::fabs(x) < 100) CHECK(Near(o[8], std::sin(double(x)), 1e-5, 1e-5));
    CHECK(Near(o[9], std::erf(double(x) * 0.3), 1e-6, 1e-7));
    CHECK(Near(o[10], std::atan2(double(x), 1.5), 1e-6, 1e-7));
    CHECK(o[11] == std::fmod(x, 0.75f));
  }
}

TEST_CASE("double math functions", "[ptx][kernels]") {
  auto m = LoadFixture("transcendental.ptx");
  TestMemory mem;
  const int n = 256;
  std::vector<double> in(n);
  for (int i = 0; i < n; ++i) in[i] = (i - 128) * 0.31;
  uint64_t din = mem.Upload(in), dout = mem.Alloc(n * 6 * 8);
  Args args(*m->FindKernel("doubleMath"));
  args.Set(0, din).Set(1, dout).Set(2, n);
  Status st = Launch(*m, "doubleMath", Config(2, 128), args.bytes(), mem, testing::PlaceGlobals(*m, mem));
  INFO(st.ToString());
  REQUIRE(st.ok());
  auto out = mem.Download<double>(dout, n * 6);
  for (int i = 0; i < n; ++i) {
    double x = in[i];
    const double* o = &out[i * 6];
    INFO("x=" << x);
    CHECK(Near(o[0], std::exp(x), 1e-15, 0));
    CHECK(Near(o[1], std::log(std::fabs(x) + 1.0), 1e-15, 1e-300));
    CHECK(Near(o[2], std::sin(x), 1e-15, 1e-16));
    CHECK(o[3] == std::sqrt(std::fabs(x)));
    CHECK(o[4] == x / 7.0);
    CHECK(Near(o[5], std::pow(std::fabs(x) + 0.5, 0.3), 1e-15, 0));
  }
}

int Collatz(unsigned v) {
  int steps = 0;
  while (v != 1 && steps < 1000) {
    v = (v & 1) ? 3 * v + 1 : v >> 1;
    ++steps;
  }
  return steps;
}

TEST_CASE("divergent loop in a .func reconverges before a shuffle", "[ptx][kernels]") {
  for (const char* sfx : {".ptx", ".sm90.ptx", ".G.ptx"}) {
    auto m = LoadFixture(std::string("divergence") + sfx);
    TestMemory mem;
    const int n = 256;
    std::vector<unsigned> in(n);
    for (int i = 0; i < n; ++i) in[i] = unsigned(i * 37 + 1);
    uint64_t din = mem.Upload(in), dout = mem.Alloc(n * 8);
    Args args(*m->FindKernel("divergentShuffle"));
    args.Set(0, din).Set(1, dout);
    REQUIRE(Launch(*m, "divergentShuffle", Config(2, 128), args.bytes(), mem, {}).ok());
    auto out = mem.Download<int>(dout, n * 2);
    for (int w = 0; w < n / 32; ++w) {
      int sum = 0;
      for (int l = 0; l < 32; ++l) sum += Collatz(in[w * 32 + l]);
      for (int l = 0; l < 32; ++l) {
        int t = w * 32 + l;
        REQUIRE(out[t * 2] == Collatz(in[t]));
        REQUIRE(out[t * 2 + 1] == sum);
      }
    }
  }
}

TEST_CASE("__syncthreads_count/and/or, match.any, exited threads at a barrier", "[ptx][kernels]") {
  auto m = LoadFixture("divergence.ptx");
  TestMemory mem;
  const int blocks = 3, threads = 128, n = 100;
  std::vector<int> in(blocks * threads);
  for (size_t i = 0; i < in.size(); ++i) in[i] = int((i * 53) % 23) - 8;
  uint64_t din = mem.Upload(in), dout = mem.Alloc(in.size() * 5 * 4);
  Args args(*m->FindKernel("blockVotes"));
  args.Set(0, din).Set(1, dout).Set(2, n);
  REQUIRE(Launch(*m, "blockVotes", Config(blocks, threads), args.bytes(), mem, {}).ok());
  auto out = mem.Download<int>(dout, in.size() * 5);
  for (int b = 0; b < blocks; ++b) {
    int count = 0, all = 1, any = 0;
    for (int t = 0; t < threads; ++t) {
      int v = in[b * threads + t];
      count += v > 0;
      all &= v > -50;
      any |= v == 7;
    }
    for (int t = 0; t < threads; ++t) {
      int g = b * threads + t;
      INFO("block " << b << " thread " << t);
      CHECK(out[g * 5 + 0] == count);
      CHECK((out[g * 5 + 1] != 0) == (all != 0));
      CHECK((out[g * 5 + 2] != 0) == (any != 0));
      unsigned same = 0;
      int w0 = (t / 32) * 32;
      for (int l = 0; l < 32; ++l) same |= unsigned((in[b * threads + w0 + l] & 3) == (in[g] & 3)) << l;
      CHECK(unsigned(out[g * 5 + 3]) == same);
      CHECK(out[g * 5 + 4] == -1 + (t < n ? 1 : 0));
    }
  }
}

TEST_CASE("64-bit integer math and atomics", "[ptx][kernels]") {
  auto m = LoadFixture("divergence.ptx");
  TestMemory mem;
  const int n = 256;
  std::vector<unsigned long long> in(n + 1);
  std::mt19937_64 rng(3);
  for (auto& v : in) v = rng() >> (rng() % 40);
  in[5] = 0;
  uint64_t din = mem.Upload(in), dout = mem.Alloc(n * 6 * 8), dsum = mem.Alloc(8), dmax = mem.Alloc(8);
  Args args(*m->FindKernel("int64Ops"));
  args.Set(0, din).Set(1, dout).Set(2, dsum).Set(3, dmax);
  REQUIRE(Launch(*m, "int64Ops", Config(4, 64), args.bytes(), mem, {}).ok());
  auto out = mem.Download<unsigned long long>(dout, n * 6);
  double sum = 0;
  unsigned long long mx = 0;
  for (int t = 0; t < n; ++t) {
    unsigned long long a = in[t], b = in[t + 1] | 1;
    long long s = (long long)a;
    INFO("t=" << t << " a=" << a << " b=" << b);
    CHECK(out[t * 6 + 0] == a / b);
    CHECK(out[t * 6 + 1] == a % b);
    CHECK(out[t * 6 + 2] == (unsigned long long)(((unsigned __int128)a * b) >> 64));
    CHECK(out[t * 6 + 3] == (unsigned long long)(s / -3) + (unsigned long long)(s % 5));
    CHECK(out[t * 6 + 4] == ((a << (t & 63)) ^ (a >> ((t * 7) & 63)) ^ (unsigned long long)(s >> (t & 63))));
    unsigned long long ffs = a ? __builtin_ctzll(a) + 1 : 0;
    unsigned long long clz = a ? __builtin_clzll(a) : 64;
    CHECK(out[t * 6 + 5] == __builtin_popcountll(a) + clz * 100 + ffs * 10000);
    sum += double(a & 0xFFFF);
    mx = std::max(mx, a);
  }
  CHECK(mem.Download<double>(dsum, 1)[0] == sum);
  CHECK(mem.Download<unsigned long long>(dmax, 1)[0] == mx);
}

TEST_CASE("packed half and bfloat16", "[ptx][kernels]") {
  auto m = LoadFixture("divergence.ptx");
  TestMemory mem;
  const int n = 200;
  std::vector<uint32_t> a(n), b(n);
  for (int i = 0; i < n; ++i) {
    a[i] = F32ToF16((i - 100) * 0.37f, kRn) | (uint32_t(F32ToF16(i * 0.011f + 0.5f, kRn)) << 16);
    b[i] = F32ToF16(i * 1.7f - 30.0f, kRn) | (uint32_t(F32ToF16(-(i % 13) * 0.25f, kRn)) << 16);
  }
  uint64_t da = mem.Upload(a), db = mem.Upload(b), dout = mem.Alloc(n * 12), dbout = mem.Alloc(n * 4);
  Args args(*m->FindKernel("packedHalf"));
  args.Set(0, da).Set(1, db).Set(2, dout).Set(3, dbout).Set(4, n);
  REQUIRE(Launch(*m, "packedHalf", Config(2, 128), args.bytes(), mem, {}).ok());
  auto out = mem.Download<uint32_t>(dout, n * 3);
  auto bout = mem.Download<uint16_t>(dbout, n * 2);
  auto lane = [](uint32_t v, int h) { return double(F16ToF32(uint16_t(v >> (16 * h)))); };
  for (int i = 0; i < n; ++i) {
    INFO("i=" << i);
    for (int h = 0; h < 2; ++h) {
      double x = lane(a[i], h), y = lane(b[i], h);
      CHECK(uint16_t(out[i * 3] >> (16 * h)) == LongToF16(x + y, kRn));
      CHECK(uint16_t(out[i * 3 + 1] >> (16 * h)) == LongToF16(x * y, kRn));
      CHECK(uint16_t(out[i * 3 + 2] >> (16 * h)) == LongToF16(x * y + x, kRn));
    }
    float f = std::fma(float(lane(a[i], 0)), 3.0f, float(lane(b[i], 1)));
    uint16_t bf = F32ToBF16(f, kRn);
    CHECK(bout[i * 2] == bf);
    CHECK(bout[i * 2 + 1] == F32ToBF16(std::fma(BF16ToF32(bf), 0.5f, 1.0f), kRn));
  }
}

}  // namespace
}  // namespace vgpu::ptx

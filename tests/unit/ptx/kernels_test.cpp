// The project's kernels (tests/kernels/*.cu) run through Launch and are checked against
// host references.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
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
using testing::PlaceGlobals;
using testing::TestMemory;

// Both the compute_75 and compute_90 PTX of each kernel must behave the same.
const char* kSuffixes[] = {".ptx", ".sm90.ptx", ".G.ptx"};

TEST_CASE("shared-memory tree reduction", "[ptx][kernels]") {
  for (const char* sfx : kSuffixes) {
    auto m = LoadFixture(std::string("reduce_shared") + sfx);
    TestMemory mem;
    const uint32_t n = 100000, threads = 256, blocks = (n + threads * 2 - 1) / (threads * 2);
    std::vector<float> in(n);
    for (uint32_t i = 0; i < n; ++i) in[i] = float(i % 17) * 0.5f;
    uint64_t din = mem.Upload(in), dpart = mem.Alloc(blocks * 4);
    Args args(*m->FindKernel("reduceShared"));
    args.Set(0, din).Set(1, dpart).Set(2, n);
    REQUIRE(Launch(*m, "reduceShared", Config(blocks, threads), args.bytes(), mem, {}).ok());
    auto part = mem.Download<float>(dpart, blocks);
    for (uint32_t b = 0; b < blocks; ++b) {
      // Host reference with the kernel's exact summation order.
      std::vector<float> s(threads);
      for (uint32_t t = 0; t < threads; ++t) {
        uint32_t i = b * threads * 2 + t;
        float v = i < n ? in[i] : 0.0f;
        if (i + threads < n) v += in[i + threads];
        s[t] = v;
      }
      for (uint32_t st = threads / 2; st > 0; st >>= 1)
        for (uint32_t t = 0; t < st; ++t) s[t] += s[t + st];
      REQUIRE(part[b] == s[0]);
    }
  }
}

TEST_CASE("integer reduction with dynamic shared memory", "[ptx][kernels]") {
  auto m = LoadFixture("reduce_shared.ptx");
  TestMemory mem;
  const uint32_t n = 77777, threads = 512;
  std::vector<int> in(n);
  std::mt19937 rng(5);
  for (auto& v : in) v = int(rng() % 2001) - 1000;
  uint64_t din = mem.Upload(in), dout = mem.Alloc(8);
  Args args(*m->FindKernel("reduceSharedInt"));
  args.Set(0, din).Set(1, dout).Set(2, n);
  REQUIRE(Launch(*m, "reduceSharedInt", Config((n + threads - 1) / threads, threads, 1, 1, threads * 4),
                 args.bytes(), mem, {})
              .ok());
  CHECK(mem.Download<long long>(dout, 1)[0] == std::accumulate(in.begin(), in.end(), 0LL));
}

TEST_CASE("warp-shuffle reduction", "[ptx][kernels]") {
  for (const char* sfx : kSuffixes) {
    auto m = LoadFixture(std::string("reduce_shuffle") + sfx);
    TestMemory mem;
    const int n = 123457;
    std::vector<int> in(n);
    for (int i = 0; i < n; ++i) in[i] = (i * 7919) % 1000 - 300;
    uint64_t din = mem.Upload(in), dout = mem.Alloc(4);
    Args args(*m->FindKernel("reduceShuffle"));
    args.Set(0, din).Set(1, dout).Set(2, n);
    // 200 threads: the last warp of each block is partial.
    REQUIRE(Launch(*m, "reduceShuffle", Config(40, 200), args.bytes(), mem, {}).ok());
    CHECK(mem.Download<int>(dout, 1)[0] == std::accumulate(in.begin(), in.end(), 0));
  }
}

TEST_CASE("shuffle modes and votes", "[ptx][kernels]") {
  auto m = LoadFixture("reduce_shuffle.ptx");
  TestMemory mem;
  const int blocks = 2, threads = 64, n = blocks * threads;
  std::vector<int> in(n);
  for (int i = 0; i < n; ++i) in[i] = (i * 37) % 101;
  uint64_t din = mem.Upload(in), dout = mem.Alloc(n * 6 * 4);
  Args args(*m->FindKernel("shuffleVariety"));
  args.Set(0, din).Set(1, dout);
  REQUIRE(Launch(*m, "shuffleVariety", Config(blocks, threads), args.bytes(), mem, {}).ok());
  auto out = mem.Download<int>(dout, n * 6);
  for (int g = 0; g < n; ++g) {
    int warp = g / 32, lane = g % 32;
    const int* w = &in[warp * 32];
    int mx = *std::max_element(w, w + 32);
    unsigned ballot = 0;
    bool any = false, all = true;
    for (int l = 0; l < 32; ++l) {
      ballot |= unsigned(w[l] & 1) << l;
      any |= w[l] > 1000;
      all &= w[l] >= 0;
    }
    INFO("thread " << g);
    CHECK(out[g * 6 + 0] == mx);
    CHECK(out[g * 6 + 1] == w[3]);
    CHECK(out[g * 6 + 2] == (lane == 0 ? w[0] : w[lane - 1]));
    CHECK(unsigned(out[g * 6 + 3]) == ballot);
    CHECK(out[g * 6 + 4] == int(any));
    CHECK(out[g * 6 + 5] == int(all));
  }
}

TEST_CASE("histogram with shared and global atomics", "[ptx][kernels]") {
  auto m = LoadFixture("histogram.ptx");
  TestMemory mem;
  const uint32_t n = 200000;
  std::vector<uint8_t> data(n);
  std::mt19937 rng(1);
  for (auto& v : data) v = uint8_t(rng() % 256 * (rng() % 3 == 0 ? 1 : 0) + rng() % 7);
  uint64_t dd = mem.Upload(data), dbins = mem.Alloc(256 * 4);
  Args args(*m->FindKernel("histogram256"));
  args.Set(0, dd).Set(1, n).Set(2, dbins);
  REQUIRE(Launch(*m, "histogram256", Config(64, 256), args.bytes(), mem, {}).ok());
  std::vector<uint32_t> ref(256, 0);
  for (uint8_t v : data) ref[v]++;
  CHECK(mem.Download<uint32_t>(dbins, 256) == ref);
}

TEST_CASE("global atomics: min max and or xor inc cas exch", "[ptx][kernels]") {
  auto m = LoadFixture("histogram.ptx");
  TestMemory mem;
  const uint32_t n = 5000;
  std::vector<int> in(n);
  std::mt19937 rng(9);
  for (auto& v : in) v = int(rng());
  std::vector<int> init = {INT32_MAX, INT32_MIN, -1, 0, 0, 0, 0, 0};
  uint64_t din = mem.Upload(in), dres = mem.Upload(init);
  Args args(*m->FindKernel("atomicMix"));
  args.Set(0, din).Set(1, dres).Set(2, n);
  REQUIRE(Launch(*m, "atomicMix", Config((n + 127) / 128, 128), args.bytes(), mem, {}).ok());
  auto res = mem.Download<int>(dres, 8);
  int mn = INT32_MAX, mx = INT32_MIN, an = -1, o = 0, x = 0, cas = 0;
  for (int v : in) {
    mn = std::min(mn, v);
    mx = std::max(mx, v);
    an &= v | 0x0F0F0000;
    o |= v & 0xFF;
    x ^= v;
    cas += v & 3;
  }
  CHECK(res[0] == mn);
  CHECK(res[1] == mx);
  CHECK(res[2] == an);
  CHECK(res[3] == o);
  CHECK(res[4] == x);
  CHECK(res[5] == int(n));
  CHECK(res[6] == cas);
  CHECK(res[7] == 42);
}

TEST_CASE("tiled matmul, float", "[ptx][kernels]") {
  for (const char* sfx : kSuffixes) {
    auto m = LoadFixture(std::string("matmul") + sfx);
    TestMemory mem;
    const int n = 64;
    std::vector<float> a(n * n), b(n * n);
    for (int i = 0; i < n * n; ++i) {
      a[i] = float((i * 13) % 29) * 0.125f - 1.0f;
      b[i] = float((i * 7) % 31) * 0.0625f + 0.5f;
    }
    uint64_t da = mem.Upload(a), db = mem.Upload(b), dc = mem.Alloc(n * n * 4);
    Args args(*m->FindKernel("matmulF32"));
    args.Set(0, da).Set(1, db).Set(2, dc).Set(3, n);
    REQUIRE(Launch(*m, "matmulF32", Config(n / 16, 16, n / 16, 16), args.bytes(), mem, {}).ok());
    auto c = mem.Download<float>(dc, n * n);
    for (int r = 0; r < n; ++r)
      for (int col = 0; col < n; ++col) {
        float acc = 0;
        for (int k = 0; k < n; ++k) acc = std::fma(a[r * n + k], b[k * n + col], acc);
        REQUIRE(c[r * n + col] == Approx(acc).epsilon(1e-5));
      }
  }
}

TEST_CASE("tiled matmul, half", "[ptx][kernels]") {
  auto m = LoadFixture("matmul.ptx");
  TestMemory mem;
  const int n = 32;
  std::vector<uint16_t> a(n * n), b(n * n);
  std::vector<float> af(n * n), bf(n * n);
  for (int i = 0; i < n * n; ++i) {
    a[i] = F32ToF16(float((i * 5) % 9) * 0.25f - 1.0f, kRn);
    b[i] = F32ToF16(float((i * 3) % 11) * 0.125f, kRn);
    af[i] = F16ToF32(a[i]);
    bf[i] = F16ToF32(b[i]);
  }
  uint64_t da = mem.Upload(a), db = mem.Upload(b), dc = mem.Alloc(n * n * 2);
  Args args(*m->FindKernel("matmulF16"));
  args.Set(0, da).Set(1, db).Set(2, dc).Set(3, n);
  REQUIRE(Launch(*m, "matmulF16", Config(n / 16, 16, n / 16, 16), args.bytes(), mem, {}).ok());
  auto c = mem.Download<uint16_t>(dc, n * n);
  for (int r = 0; r < n; ++r)
    for (int col = 0; col < n; ++col) {
      // Reference: half fma chain per 16-wide tile, float accumulation across tiles.
      float acc = 0;
      for (int t = 0; t < n; t += 16) {
        uint16_t part = F32ToF16(0.0f, kRn);
        for (int k = 0; k < 16; ++k) {
          double v = double(af[r * n + t + k]) * bf[(t + k) * n + col] + F16ToF32(part);
          part = LongToF16(v, kRn);
        }
        acc += F16ToF32(part);
      }
      REQUIRE(c[r * n + col] == F32ToF16(acc, kRn));
    }
}

TEST_CASE("transpose with shared tiles", "[ptx][kernels]") {
  auto m = LoadFixture("transpose.ptx");
  TestMemory mem;
  const int w = 100, h = 70;
  std::vector<float> in(w * h);
  for (int i = 0; i < w * h; ++i) in[i] = float(i);
  uint64_t din = mem.Upload(in), dout = mem.Alloc(w * h * 4);
  Args args(m->kernels()[0]);
  args.Set(0, din).Set(1, dout).Set(2, w).Set(3, h);
  REQUIRE(Launch(*m, "transpose", Config((w + 31) / 32, 32, (h + 31) / 32, 8), args.bytes(), mem, {}).ok());
  auto out = mem.Download<float>(dout, w * h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) REQUIRE(out[x * h + y] == in[y * w + x]);
}

TEST_CASE("block prefix scan", "[ptx][kernels]") {
  auto m = LoadFixture("scan.ptx");
  TestMemory mem;
  const int threads = 256, n = 1000;
  std::vector<int> in(n);
  for (int i = 0; i < n; ++i) in[i] = (i % 13) - 4;
  uint64_t din = mem.Upload(in), dout = mem.Alloc(n * 4);
  Args args(m->kernels()[0]);
  args.Set(0, din).Set(1, dout).Set(2, n);
  REQUIRE(Launch(*m, "blockScan", Config((n + threads - 1) / threads, threads, 1, 1, 2 * threads * 4),
                 args.bytes(), mem, {})
              .ok());
  auto out = mem.Download<int>(dout, n);
  for (int b = 0; b * threads < n; ++b) {
    int acc = 0;
    for (int i = b * threads; i < std::min(n, (b + 1) * threads); ++i) {
      acc += in[i];
      REQUIRE(out[i] == acc);
    }
  }
}

struct Affine {
  float scale;
  float offset;
  int clamp_lo;
  int clamp_hi;
  double bias;
};

TEST_CASE("struct parameter and a __noinline__ function", "[ptx][kernels]") {
  for (const char* sfx : kSuffixes) {
    auto m = LoadFixture(std::string("struct_param") + sfx);
    TestMemory mem;
    const int n = 1000;
    std::vector<float> in(n);
    for (int i = 0; i < n; ++i) in[i] = float(i) - 500.0f;
    Affine p{0.5f, 3.0f, -100, 150, 0.25};
    uint64_t din = mem.Upload(in), dout = mem.Alloc(n * 4), dcount = mem.Alloc(4);
    Args args(m->kernels()[0]);
    args.Set(0, p).Set(1, din).Set(2, dout).Set(3, dcount).Set(4, n);
    REQUIRE(Launch(*m, m->kernels()[0].name, Config(8, 128), args.bytes(), mem, {}).ok());
    auto out = mem.Download<float>(dout, n);
    int clamped = 0;
    for (int i = 0; i < n; ++i) {
      float y = std::fma(in[i], p.scale, p.offset) + float(p.bias);
      if (y < float(p.clamp_lo)) y = float(p.clamp_lo), ++clamped;
      if (y > float(p.clamp_hi)) y = float(p.clamp_hi), ++clamped;
      REQUIRE(out[i] == y);
    }
    CHECK(mem.Download<int>(dcount, 1)[0] == clamped);
  }
}

TEST_CASE("__constant__ tables and __device__ variables", "[ptx][kernels]") {
  auto m = LoadFixture("const_table.ptx");
  TestMemory mem;
  auto globals = PlaceGlobals(*m, mem);
  // The host sets kOffsets as cuModuleGetGlobal + cuMemcpyHtoD would.
  std::vector<int> offsets = {10, -20, 30, -40};
  std::memcpy(mem.Translate(globals.at("kOffsets"), 16), offsets.data(), 16);
  const int n = 500;
  std::vector<int> idx(n);
  for (int i = 0; i < n; ++i) idx[i] = (i * 31) % 97;
  uint64_t didx = mem.Upload(idx), dout = mem.Alloc(n * 4);
  Args args(m->kernels()[0]);
  args.Set(0, didx).Set(1, dout).Set(2, n);
  REQUIRE(Launch(*m, "constLookup", Config(4, 128), args.bytes(), mem, globals).ok());
  const float coeffs[16] = {1.0f, 0.5f, 0.25f, 0.125f, 2.0f, 4.0f, 8.0f, 16.0f,
                            -1.0f, -0.5f, 3.0f, 1.5f, 0.75f, 0.0f, 10.0f, 100.0f};
  auto out = mem.Download<float>(dout, n);
  for (int i = 0; i < n; ++i) REQUIRE(out[i] == coeffs[idx[i] & 15] * float(idx[i] + offsets[idx[i] & 3]));
  CHECK(mem.Download<uint32_t>(globals.at("gCalls"), 1)[0] == 7u + n);
  // A missing global address is a launch error, not a wild access.
  CHECK(Launch(*m, "constLookup", Config(4, 128), args.bytes(), mem, {}).code() == Code::kInvalidValue);
}

TEST_CASE("per-thread local arrays", "[ptx][kernels]") {
  auto m = LoadFixture("local_array.ptx");
  CHECK(m->kernels()[0].local_bytes_per_thread >= 96);
  TestMemory mem;
  const int n = 777;
  std::vector<int> in(n);
  for (int i = 0; i < n; ++i) in[i] = i * 3 + 1;
  uint64_t din = mem.Upload(in), dout = mem.Alloc(n * 4);
  Args args(m->kernels()[0]);
  args.Set(0, din).Set(1, dout).Set(2, n);
  REQUIRE(Launch(*m, "localArray", Config(4, 256), args.bytes(), mem, {}).ok());
  auto out = mem.Download<int>(dout, n);
  for (int i = 0; i < n; ++i) {
    int buf[24];
    int seed = in[i];
    for (int k = 0; k < 24; ++k) buf[k] = seed * (k + 1) ^ k;
    int acc = 0;
    for (int k = 0; k < 24; ++k) acc += buf[(seed + k * 5) % 24] * (k & 3);
    REQUIRE(out[i] == acc);
  }
}

TEST_CASE("integer and float operations", "[ptx][kernels]") {
  auto m = LoadFixture("math_ops.ptx");
  TestMemory mem;
  const int n = 64;
  std::vector<float> f(n);
  std::vector<int> v(n);
  for (int i = 0; i < n; ++i) {
    f[i] = (i - 32) * 0.37f + (i % 3 == 0 ? 0.5f : 0.0f);
    v[i] = (i - 20) * 123457 + (i % 5) * 1000003;
  }
  f[0] = -2.5f;
  f[1] = 2.5f;
  f[2] = 1e10f;
  uint64_t df = mem.Upload(f), dv = mem.Upload(v), dfo = mem.Alloc(n * 32), dio = mem.Alloc(n * 32);
  Args args(m->kernels()[0]);
  args.Set(0, df).Set(1, dv).Set(2, dfo).Set(3, dio).Set(4, n);
  REQUIRE(Launch(*m, "mathOps", Config(1, n), args.bytes(), mem, {}).ok());
  auto fo = mem.Download<float>(dfo, n * 8);
  auto io = mem.Download<int>(dio, n * 8);
  for (int i = 0; i < n; ++i) {
    INFO("i=" << i << " x=" << f[i] << " a=" << v[i]);
    float x = f[i];
    int a = v[i];
    CHECK(fo[i * 8 + 0] == std::sqrt(std::fabs(x)));
    CHECK(fo[i * 8 + 1] == x / 3.0f);
    CHECK(fo[i * 8 + 2] == std::fmin(x, 1.5f) + std::fmax(x, -2.0f));
    CHECK(fo[i * 8 + 3] == std::clamp(x, 0.0f, 1.0f));
    CHECK(fo[i * 8 + 4] == float(a / 7) + float(a % 7));
    CHECK(fo[i * 8 + 5] == std::nearbyint(x) + std::trunc(x) + std::floor(x) + std::ceil(x));
    CHECK(fo[i * 8 + 6] == float(double(x) * 1.25));
    CHECK(fo[i * 8 + 7] == -x);
    unsigned ua = unsigned(a);
    unsigned rev = 0;
    for (int b = 0; b < 32; ++b) rev |= ((ua >> b) & 1u) << (31 - b);
    CHECK(io[i * 8 + 0] == __builtin_popcount(ua) + (ua ? __builtin_clz(ua) : 32) * 100);
    CHECK(unsigned(io[i * 8 + 1]) == rev);
    CHECK(io[i * 8 + 2] == int((int64_t(a) * 0x12345678) >> 32));
    CHECK(io[i * 8 + 3] == int((uint64_t(ua) * 0x9E3779B9ull) >> 17));
    uint64_t tmp = (uint64_t(0x76543210u) << 32) | ua;
    unsigned perm = 0;
    for (int k = 0; k < 4; ++k) perm |= unsigned((tmp >> (((0x1357 >> (4 * k)) & 7) * 8)) & 0xFF) << (8 * k);
    CHECK(unsigned(io[i * 8 + 4]) == perm);
    CHECK(io[i * 8 + 5] == ((a >> 3) ^ int(ua >> 5) ^ int(ua << 2)));
    int conv_s = std::isnan(x) ? 0 : x >= 2147483647.0f ? INT32_MAX : int(x);
    double ax = std::fabs(double(x));
    unsigned conv_u = ax >= 4294967295.0 ? 0xFFFFFFFFu : unsigned(ax);
    CHECK(io[i * 8 + 6] == int(unsigned(conv_s) + conv_u));
    CHECK(io[i * 8 + 7] == std::abs(a) - std::min(a, 5) + std::max(a, -5));
  }
}

}  // namespace
}  // namespace vgpu::ptx

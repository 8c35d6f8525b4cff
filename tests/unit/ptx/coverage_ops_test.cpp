// The instructions tools/ptx_coverage found in real ggml-cuda PTX, run through the
// interpreter (parse, decode, launch) and checked against host references: bmsk, vshr,
// redux.sync, griddepcontrol, cvt from fp8, mma.m8n8k4, wmma, vprintf and __assertfail,
// and a guard predicate the decoder does not know.
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "server/backends/emu/ptx/coverage_math.h"
#include "server/backends/emu/ptx/math.h"
#include "server/backends/emu/ptx/ptx.h"
#include "tests/unit/ptx/test_memory.h"

namespace vgpu::ptx {
namespace {

using testing::Config;
using testing::TestMemory;

// k(in, out): %rd1 points at this lane's 16 input words, %rd2 at its 16 output words.
std::string Kernel(const std::string& body, const std::string& decls = "") {
  return R"(
.version 9.0
.target sm_80
.address_size 64
)" + decls + R"(
.visible .entry k(.param .u64 in, .param .u64 out)
{
  .reg .pred %p<8>;
  .reg .b16 %h<8>;
  .reg .b32 %r<64>;
  .reg .f32 %f<32>;
  .reg .b64 %rd<16>;
  ld.param.u64 %rd0, [in];
  ld.param.u64 %rd3, [out];
  mov.u32 %r0, %tid.x;
  mul.wide.u32 %rd4, %r0, 64;
  add.s64 %rd1, %rd0, %rd4;
  add.s64 %rd2, %rd3, %rd4;
)" + body + R"(
  ret;
}
)";
}

// Runs k over `threads` lanes with 16 input words each; returns 16 output words each.
std::vector<uint32_t> Run(const std::string& body, const std::vector<uint32_t>& in, uint32_t threads = 32,
                          Status* status = nullptr, const std::string& decls = "") {
  auto m = Module::Parse(Kernel(body, decls));
  INFO(m.status().ToString());
  REQUIRE(m.ok());
  TestMemory mem;
  std::vector<uint32_t> padded = in;
  padded.resize(threads * 16);
  uint64_t din = mem.Upload(padded), dout = mem.Alloc(threads * 64);
  testing::Args args(*(*m)->FindKernel("k"));
  args.Set(0, din).Set(1, dout);
  Status s = Launch(**m, "k", Config(1, threads), args.bytes(), mem, {});
  if (status) *status = s;
  else {
    INFO(s.ToString());
    REQUIRE(s.ok());
  }
  return mem.Download<uint32_t>(dout, threads * 16);
}

TEST_CASE("bmsk.clamp and bmsk.wrap per lane", "[ptx][coverage]") {
  std::vector<uint32_t> in(32 * 16);
  for (uint32_t l = 0; l < 32; ++l) {
    in[l * 16] = l * 3 % 40;
    in[l * 16 + 1] = (l * 7) % 45;
  }
  auto out = Run(R"(
  ld.global.u32 %r1, [%rd1];
  ld.global.u32 %r2, [%rd1+4];
  bmsk.clamp.b32 %r3, %r1, %r2;
  bmsk.wrap.b32 %r4, %r1, %r2;
  st.global.u32 [%rd2], %r3;
  st.global.u32 [%rd2+4], %r4;
)", in);
  for (uint32_t l = 0; l < 32; ++l) {
    uint32_t a = in[l * 16], b = in[l * 16 + 1];
    uint64_t clamp_mask = 0, wrap_mask = 0;
    for (uint32_t bit = 0; bit < 32; ++bit) {
      if (bit >= std::min(a, 32u) && bit < std::min(a, 32u) + std::min(b, 32u)) clamp_mask |= 1ull << bit;
      if (bit >= (a & 31) && bit < (a & 31) + (b & 31)) wrap_mask |= 1ull << bit;
    }
    INFO("lane " << l << " a=" << a << " b=" << b);
    CHECK(out[l * 16] == uint32_t(clamp_mask));
    CHECK(out[l * 16 + 1] == uint32_t(wrap_mask));
  }
}

TEST_CASE("vshr.u32.u32.u32.clamp.add as cub uses it", "[ptx][coverage]") {
  std::vector<uint32_t> in(32 * 16);
  for (uint32_t l = 0; l < 32; ++l) {
    in[l * 16] = 0xF0000000u >> l;
    in[l * 16 + 1] = l * 2;
  }
  auto out = Run(R"(
  ld.global.u32 %r1, [%rd1];
  ld.global.u32 %r2, [%rd1+4];
  vshr.u32.u32.u32.clamp.add %r3, %r1, %r2, %r1;
  vshr.u32.u32.u32.wrap %r4, %r1, %r2;
  st.global.u32 [%rd2], %r3;
  st.global.u32 [%rd2+4], %r4;
)", in);
  for (uint32_t l = 0; l < 32; ++l) {
    uint32_t a = in[l * 16], b = in[l * 16 + 1];
    CHECK(out[l * 16] == (b >= 32 ? 0 : a >> b) + a);
    CHECK(out[l * 16 + 1] == a >> (b & 31));
  }
}

TEST_CASE("redux.sync add, min, max and xor over the warp", "[ptx][coverage]") {
  std::vector<uint32_t> in(32 * 16);
  std::mt19937 rng(3);
  for (uint32_t l = 0; l < 32; ++l) in[l * 16] = rng();
  auto out = Run(R"(
  ld.global.u32 %r1, [%rd1];
  redux.sync.add.s32 %r2, %r1, -1;
  redux.sync.min.s32 %r3, %r1, -1;
  redux.sync.max.u32 %r4, %r1, -1;
  redux.sync.xor.b32 %r5, %r1, -1;
  st.global.v4.u32 [%rd2], {%r2, %r3, %r4, %r5};
)", in);
  uint32_t sum = 0, xr = 0, umax = 0;
  int32_t smin = INT32_MAX;
  for (uint32_t l = 0; l < 32; ++l) {
    uint32_t v = in[l * 16];
    sum += v;
    xr ^= v;
    umax = std::max(umax, v);
    smin = std::min(smin, int32_t(v));
  }
  for (uint32_t l = 0; l < 32; ++l) {
    CHECK(out[l * 16] == sum);
    CHECK(int32_t(out[l * 16 + 1]) == smin);
    CHECK(out[l * 16 + 2] == umax);
    CHECK(out[l * 16 + 3] == xr);
  }
}

TEST_CASE("griddepcontrol runs as a no-op", "[ptx][coverage]") {
  auto out = Run(R"(
  griddepcontrol.wait;
  griddepcontrol.launch_dependents;
  st.global.u32 [%rd2], 7;
)", {}, 1);
  CHECK(out[0] == 7);
}

TEST_CASE("cvt.rn.f16x2.e4m3x2 and e5m2x2 convert every fp8 pair exactly", "[ptx][coverage]") {
  std::vector<uint32_t> in(32 * 16);
  for (uint32_t l = 0; l < 32; ++l)
    for (uint32_t i = 0; i < 8; ++i) in[l * 16 + i] = (l * 8 + i) | ((255 - l * 8 - i) << 8);
  std::string body;
  for (int i = 0; i < 8; ++i) {
    std::string off = std::to_string(4 * i);
    body += "  ld.global.u16 %h1, [%rd1+" + off + "];\n  cvt.rn.f16x2.e4m3x2 %r1, %h1;\n  st.global.u32 [%rd2+" +
            off + "], %r1;\n  cvt.rn.relu.f16x2.e5m2x2 %r2, %h1;\n  st.global.u32 [%rd2+" +
            std::to_string(32 + 4 * i) + "], %r2;\n";
  }
  auto out = Run(body, in);
  auto e4m3 = [](uint32_t v) {  // the format's definition
    int s = v >> 7 & 1, e = (v >> 3) & 15, m = v & 7;
    double x = e == 0 ? std::ldexp(m / 8.0, -6) : std::ldexp(1 + m / 8.0, e - 7);
    return s ? -x : x;
  };
  for (uint32_t l = 0; l < 32; ++l)
    for (uint32_t i = 0; i < 8; ++i) {
      uint32_t pair = in[l * 16 + i] & 0xFFFF;
      for (int h = 0; h < 2; ++h) {
        uint32_t byte = pair >> (8 * h) & 0xFF;
        float got = F16ToF32(uint16_t(out[l * 16 + i] >> (16 * h)));
        INFO("byte 0x" << std::hex << byte);
        if ((byte & 0x7F) == 0x7F) CHECK(std::isnan(got));
        else CHECK(got == e4m3(byte));
        // e5m2 is the high byte of an f16; .relu zeroes negatives, NaN stays NaN.
        float want = F16ToF32(uint16_t(byte << 8));
        float relu = F16ToF32(uint16_t(out[l * 16 + 8 + i] >> (16 * h)));
        if (std::isnan(want)) CHECK(std::isnan(relu));
        else CHECK(relu == (want < 0 ? 0.0f : want));
      }
    }
}

TEST_CASE("mma.sync.aligned.m8n8k4.row.col.f32.f16.f16.f32 through the interpreter", "[ptx][coverage][mma]") {
  // Per lane: words 0-1 A (f16x2), 2-3 B, 4-11 C (f32); out: 8 D words. Fragments follow
  // ggml-cuda's Volta tile layout (row = quad pair * 8 + ...), as tensor_core_extra_test.
  std::mt19937 rng(21);
  std::uniform_int_distribution<int> small(-6, 6);
  float A[32][4], B[4][8], C[32][8];
  for (auto& r : A) for (float& x : r) x = small(rng) / 2.0f;
  for (auto& r : B) for (float& x : r) x = small(rng);
  for (auto& r : C) for (float& x : r) x = small(rng);
  auto h = [](float x) { return uint32_t{F32ToF16(x, kRn)}; };
  auto row_of = [](uint32_t lane) { return ((lane % 16) / 4) * 8 + (lane / 16) * 4; };
  std::vector<uint32_t> in(32 * 16);
  for (uint32_t l = 0; l < 32; ++l) {
    uint32_t i = row_of(l) + l % 4, n = (l / 16) * 4 + l % 4;
    for (int r = 0; r < 2; ++r) {
      in[l * 16 + r] = h(A[i][2 * r]) | h(A[i][2 * r + 1]) << 16;
      in[l * 16 + 2 + r] = h(B[2 * r][n]) | h(B[2 * r + 1][n]) << 16;
    }
    for (uint32_t e = 0; e < 8; ++e)
      in[l * 16 + 4 + e] = uint32_t(FloatBits(C[row_of(l) + (e & 2) + l % 2][(l & 2) + (e & 5)]));
  }
  auto out = Run(R"(
  ld.global.v4.u32 {%r1, %r2, %r3, %r4}, [%rd1];
  ld.global.v4.f32 {%f1, %f2, %f3, %f4}, [%rd1+16];
  ld.global.v4.f32 {%f5, %f6, %f7, %f8}, [%rd1+32];
  mma.sync.aligned.m8n8k4.row.col.f32.f16.f16.f32 {%f11, %f12, %f13, %f14, %f15, %f16, %f17, %f18}, {%r1, %r2}, {%r3, %r4}, {%f1, %f2, %f3, %f4, %f5, %f6, %f7, %f8};
  st.global.v4.f32 [%rd2], {%f11, %f12, %f13, %f14};
  st.global.v4.f32 [%rd2+16], {%f15, %f16, %f17, %f18};
)", in);
  for (uint32_t l = 0; l < 32; ++l)
    for (uint32_t e = 0; e < 8; ++e) {
      uint32_t row = row_of(l) + (e & 2) + l % 2, col = (l & 2) + (e & 5);
      float want = C[row][col];
      for (int k = 0; k < 4; ++k) want += A[row][k] * B[k][col];
      INFO("lane " << l << " element " << e);
      CHECK(BitsFloat(out[l * 16 + e]) == want);
    }
}

TEST_CASE("wmma m8n32k16: load (row A, col B, row C), mma and store give A*B + C", "[ptx][coverage][wmma]") {
  // One warp; matrices in global memory with strides wider than the matrices.
  const int M = 8, N = 32, K = 16, lda = 24, ldb = 20, ldc = 40;
  std::mt19937 rng(8);
  std::uniform_int_distribution<int> small(-4, 4);
  std::vector<uint16_t> A(M * lda), B(N * ldb);  // A row-major, B column-major (k fastest)
  std::vector<float> C(M * ldc);
  for (auto& x : A) x = F32ToF16(small(rng), kRn);
  for (auto& x : B) x = F32ToF16(small(rng) / 2.0f, kRn);
  for (auto& x : C) x = small(rng);
  const char* ptx = R"(
.version 9.0
.target sm_80
.address_size 64
.visible .entry w(.param .u64 a, .param .u64 b, .param .u64 c, .param .u64 d)
{
  .reg .b32 %r<40>;
  .reg .f32 %f<40>;
  .reg .b64 %rd<8>;
  ld.param.u64 %rd1, [a];
  ld.param.u64 %rd2, [b];
  ld.param.u64 %rd3, [c];
  ld.param.u64 %rd4, [d];
  mov.u32 %r30, 24;
  mov.u32 %r31, 20;
  mov.u32 %r32, 40;
  wmma.load.a.sync.aligned.row.m8n32k16.global.f16 {%r1, %r2, %r3, %r4, %r5, %r6, %r7, %r8}, [%rd1], %r30;
  wmma.load.b.sync.aligned.col.m8n32k16.global.f16 {%r11, %r12, %r13, %r14, %r15, %r16, %r17, %r18}, [%rd2], %r31;
  wmma.load.c.sync.aligned.row.m8n32k16.global.f32 {%f1, %f2, %f3, %f4, %f5, %f6, %f7, %f8}, [%rd3], %r32;
  wmma.mma.sync.aligned.row.col.m8n32k16.f32.f32 {%f11, %f12, %f13, %f14, %f15, %f16, %f17, %f18}, {%r1, %r2, %r3, %r4, %r5, %r6, %r7, %r8}, {%r11, %r12, %r13, %r14, %r15, %r16, %r17, %r18}, {%f1, %f2, %f3, %f4, %f5, %f6, %f7, %f8};
  wmma.store.d.sync.aligned.row.m8n32k16.global.f32 [%rd4], {%f11, %f12, %f13, %f14, %f15, %f16, %f17, %f18}, %r32;
  ret;
}
)";
  auto m = Module::Parse(ptx);
  INFO(m.status().ToString());
  REQUIRE(m.ok());
  TestMemory mem;
  uint64_t da = mem.Upload(A), db = mem.Upload(B), dc = mem.Upload(C), dd = mem.Upload(std::vector<float>(M * ldc, -1));
  testing::Args args(*(*m)->FindKernel("w"));
  args.Set(0, da).Set(1, db).Set(2, dc).Set(3, dd);
  Status s = Launch(**m, "w", Config(1, 32), args.bytes(), mem, {});
  INFO(s.ToString());
  REQUIRE(s.ok());
  auto D = mem.Download<float>(dd, M * ldc);
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < ldc; ++j) {
      INFO(i << "," << j);
      if (j >= N) {
        CHECK(D[i * ldc + j] == -1.0f);  // outside the matrix: untouched
        continue;
      }
      float want = C[i * ldc + j];
      for (int k = 0; k < K; ++k) want += F16ToF32(A[i * lda + k]) * F16ToF32(B[j * ldb + k]);
      CHECK(D[i * ldc + j] == want);
    }
}

class Collect : public HostOutput {
 public:
  void Printf(std::string_view text) override {
    std::lock_guard lock(mutex_);
    text_ += text;
  }
  std::string text_;

 private:
  std::mutex mutex_;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_CASE("vprintf from nvcc's PTX formats every thread's line; __assertfail stops with kAssert",
          "[ptx][coverage][printf]") {
  auto m = Module::Parse(ReadFile(VGPU_DEVICE_OUTPUT_PTX));
  INFO(m.status().ToString());
  REQUIRE(m.ok());
  TestMemory mem;
  auto globals = testing::PlaceGlobals(**m, mem);
  Collect out;
  {
    testing::Args args(*(*m)->FindKernel("print_threads"));
    args.Set(0, int32_t{7}).Set(1, 0.5f);
    LaunchConfig cfg = Config(2, 4);
    cfg.output = &out;
    Status s = Launch(**m, "print_threads", cfg, args.bytes(), mem, globals);
    INFO(s.ToString());
    REQUIRE(s.ok());
  }
  for (int b = 0; b < 2; ++b)
    for (int t = 0; t < 4; ++t) {
      char line[128];
      std::snprintf(line, sizeof line, "block %d thread %d: tag=7 value=%.2f %s\n", b, t, 0.5 * t,
                    t % 2 ? "odd" : "even");
      CHECK(out.text_.find(line) != std::string::npos);
    }
  testing::Args args(*(*m)->FindKernel("assert_below"));
  args.Set(0, int32_t{2});
  Status s = Launch(**m, "assert_below", Config(1, 4), args.bytes(), mem, globals);
  CHECK(s.code() == Code::kAssert);
  CHECK(s.message().find("device_output.cu:") == 0);
  CHECK(s.message().find(": Assertion `threadIdx.x < limit` failed.") != std::string::npos);
  // Threads that pass the assert run normally.
  args.Set(0, int32_t{4});
  CHECK(Launch(**m, "assert_below", Config(1, 4), args.bytes(), mem, globals).ok());
}

TEST_CASE("an unknown guard predicate fails only the kernel that reaches it", "[ptx][coverage]") {
  const char* ptx = R"(
.version 9.0
.target sm_80
.address_size 64
.visible .entry bad(.param .u64 out)
{
  .reg .b32 %r<2>;
  @%nope mov.u32 %r1, 1;
  ret;
}
.visible .entry good(.param .u64 out)
{
  .reg .b64 %rd<2>;
  ld.param.u64 %rd1, [out];
  st.global.u32 [%rd1], 5;
  ret;
}
)";
  auto m = Module::Parse(ptx);
  INFO(m.status().ToString());
  REQUIRE(m.ok());
  TestMemory mem;
  uint64_t out = mem.Alloc(4);
  std::vector<uint8_t> params(8);
  std::memcpy(params.data(), &out, 8);
  Status bad = Launch(**m, "bad", Config(1, 1), params, mem, {});
  CHECK(bad.code() == Code::kNotSupported);
  CHECK(bad.message().find("unknown predicate '%nope'") != std::string::npos);
  CHECK(Launch(**m, "good", Config(1, 1), params, mem, {}).ok());
  CHECK(mem.Download<uint32_t>(out, 1)[0] == 5);
}

}  // namespace
}  // namespace vgpu::ptx

// Hand-written PTX for instructions and error paths the nvcc fixtures do not reach.
#include <atomic>
#include <cstring>
#include <thread>

#include <catch2/catch.hpp>

#include "server/backends/emu/ptx/math.h"
#include "server/backends/emu/ptx/ptx.h"
#include "tests/unit/ptx/fixtures.h"
#include "tests/unit/ptx/test_memory.h"

namespace vgpu::ptx {
namespace {

using testing::Config;
using testing::TestMemory;

// Wraps `body` in a kernel k(out, s[16]) where %rd1 points at this thread's eight u32 slots.
std::string Kernel(const std::string& body) {
  return R"(
.version 9.0
.target sm_75
.address_size 64
.visible .entry k(.param .u64 out, .param .align 8 .b8 s[16])
{
  .reg .pred %p<8>;
  .reg .b16 %h<8>;
  .reg .b32 %r<32>;
  .reg .b64 %rd<16>;
  .reg .f32 %f<8>;
  .shared .align 4 .b8 sh[64];
  .local .align 4 .b8 loc[16];
  ld.param.u64 %rd0, [out];
  cvta.to.global.u64 %rd0, %rd0;
  mov.u32 %r0, %tid.x;
  mul.wide.u32 %rd1, %r0, 32;
  add.s64 %rd1, %rd0, %rd1;
)" + body + R"(
  ret;
}
)";
}

struct Run {
  Status status;
  std::vector<uint32_t> out;  // 8 per thread
};

Run RunKernel(const std::string& body, uint32_t threads = 1, std::vector<uint8_t> s = std::vector<uint8_t>(16)) {
  auto m = Module::Parse(Kernel(body));
  INFO(m.status().ToString());
  REQUIRE(m.ok());
  TestMemory mem;
  uint64_t out = mem.Alloc(threads * 32);
  std::vector<uint8_t> params(24);
  std::memcpy(params.data(), &out, 8);
  std::memcpy(params.data() + 8, s.data(), 16);
  Run r;
  r.status = Launch(**m, "k", Config(1, threads), params, mem, {});
  r.out = mem.Download<uint32_t>(out, threads * 8);
  return r;
}

TEST_CASE("funnel shifts and lop3", "[ptx][ops]") {
  Run r = RunKernel(R"(
  shf.l.wrap.b32 %r1, 0x89ABCDEF, 0x01234567, 36;
  st.global.u32 [%rd1], %r1;
  shf.r.clamp.b32 %r2, 0x89ABCDEF, 0x01234567, 40;
  st.global.u32 [%rd1+4], %r2;
  shf.r.wrap.b32 %r3, 0x89ABCDEF, 0x01234567, 8;
  st.global.u32 [%rd1+8], %r3;
  lop3.b32 %r4, 0xF0F0F0F0, 0xCCCCCCCC, 0xAAAAAAAA, 0x96;
  st.global.u32 [%rd1+12], %r4;
  lop3.b32 %r5, 0xF0F0F0F0, 0xCCCCCCCC, 0xAAAAAAAA, 0xE8;
  st.global.u32 [%rd1+16], %r5;
)");
  REQUIRE(r.status.ok());
  CHECK(r.out[0] == ((0x01234567u << 4) | (0x89ABCDEFu >> 28)));
  CHECK(r.out[1] == 0x01234567u);
  CHECK(r.out[2] == ((0x89ABCDEFu >> 8) | (0x01234567u << 24)));
  CHECK(r.out[3] == (0xF0F0F0F0u ^ 0xCCCCCCCCu ^ 0xAAAAAAAAu));
  uint32_t a = 0xF0F0F0F0u, b = 0xCCCCCCCCu, c = 0xAAAAAAAAu;
  CHECK(r.out[4] == ((a & b) | (a & c) | (b & c)));
}

TEST_CASE("carry chains", "[ptx][ops]") {
  Run r = RunKernel(R"(
  add.cc.u32 %r1, 0xFFFFFFFF, 1;
  addc.cc.u32 %r2, 0xFFFFFFFF, 0;
  addc.u32 %r3, 5, 6;
  sub.cc.u32 %r4, 0, 1;
  subc.u32 %r5, 10, 3;
  mad.lo.cc.u32 %r6, 0x80000000, 3, 0x80000000;
  madc.hi.u32 %r7, 0x80000000, 4, 0;
  st.global.v4.u32 [%rd1], {%r1, %r2, %r3, %r4};
  st.global.v2.u32 [%rd1+16], {%r5, %r6};
  st.global.u32 [%rd1+24], %r7;
)");
  REQUIRE(r.status.ok());
  CHECK(r.out[0] == 0);
  CHECK(r.out[1] == 0);
  CHECK(r.out[2] == 12);
  CHECK(r.out[3] == 0xFFFFFFFFu);
  CHECK(r.out[4] == 6);
  CHECK(r.out[5] == 0u);
  CHECK(r.out[6] == 3);
}

TEST_CASE("bit field extract and insert", "[ptx][ops]") {
  Run r = RunKernel(R"(
  bfe.u32 %r1, 0xABCD1234, 8, 12;
  bfe.s32 %r2, 0xABCD1234, 20, 8;
  bfe.s32 %r3, 0x00000080, 4, 4;
  bfi.b32 %r4, 0x5, 0xFFFF0000, 4, 3;
  bfind.u32 %r5, 0x00010000;
  bfind.s32 %r6, 0xFFFF0000;
  bfind.shiftamt.u32 %r7, 0x00010000;
  st.global.v4.u32 [%rd1], {%r1, %r2, %r3, %r4};
  st.global.v2.u32 [%rd1+16], {%r5, %r6};
  st.global.u32 [%rd1+24], %r7;
)");
  REQUIRE(r.status.ok());
  CHECK(r.out[0] == 0xD12u);
  CHECK(r.out[1] == 0xFFFFFFBCu);
  CHECK(r.out[2] == 0xFFFFFFF8u);
  CHECK(r.out[3] == 0xFFFF0050u);
  CHECK(r.out[4] == 16);
  CHECK(r.out[5] == 15);
  CHECK(r.out[6] == 15);
}

TEST_CASE("packed half compare and conversions", "[ptx][ops]") {
  uint32_t a = F32ToF16(1.5f, kRn) | (uint32_t(F32ToF16(-2.0f, kRn)) << 16);
  uint32_t b = F32ToF16(2.0f, kRn) | (uint32_t(F32ToF16(-3.0f, kRn)) << 16);
  Run r = RunKernel(R"(
  setp.lt.f16x2 %p1|%p2, )" + std::to_string(a) + ", " + std::to_string(b) + R"(;
  selp.u32 %r1, 1, 0, %p1;
  selp.u32 %r2, 1, 0, %p2;
  cvt.rn.f16x2.f32 %r3, 0f40000000, 0f3F800000;
  mov.b32 {%h1, %h2}, %r3;
  cvt.f32.f16 %f1, %h2;
  mov.b32 %r4, %f1;
  cvt.rn.bf16.f32 %h3, 0f3F8CCCCD;
  cvt.u32.u16 %r5, %h3;
  st.global.v4.u32 [%rd1], {%r1, %r2, %r3, %r4};
  st.global.u32 [%rd1+16], %r5;
)");
  REQUIRE(r.status.ok());
  CHECK(r.out[0] == 1);
  CHECK(r.out[1] == 0);
  CHECK(r.out[2] == (uint32_t(F32ToF16(2.0f, kRn)) << 16 | F32ToF16(1.0f, kRn)));
  CHECK(r.out[3] == FloatBits(2.0f));
  CHECK(r.out[4] == F32ToBF16(BitsFloat(0x3F8CCCCD), kRn));
}

TEST_CASE("kernel parameters through a generic pointer", "[ptx][ops]") {
  std::vector<uint8_t> s(16);
  uint32_t vals[4] = {11, 22, 33, 44};
  std::memcpy(s.data(), vals, 16);
  Run r = RunKernel(R"(
  mov.b64 %rd2, s;
  cvta.param.u64 %rd3, %rd2;
  ld.u32 %r1, [%rd3+4];
  ld.u32 %r2, [%rd3+12];
  st.global.v2.u32 [%rd1], {%r1, %r2};
)", 1, s);
  REQUIRE(r.status.ok());
  CHECK(r.out[0] == 22);
  CHECK(r.out[1] == 44);
  Run w = RunKernel(R"(
  mov.b64 %rd2, s;
  cvta.param.u64 %rd3, %rd2;
  st.u32 [%rd3], 5;
)", 1, s);
  CHECK(w.status.code() == Code::kIllegalAddress);
}

TEST_CASE("special registers", "[ptx][ops]") {
  Run r = RunKernel(R"(
  mov.u32 %r1, %laneid;
  mov.u32 %r2, %warpid;
  mov.u32 %r3, %lanemask_lt;
  mov.u32 %r4, %ntid.x;
  mov.u32 %r5, %nctaid.x;
  activemask.b32 %r6;
  mov.u32 %r7, %dynamic_smem_size;
  st.global.v4.u32 [%rd1], {%r1, %r2, %r3, %r4};
  st.global.v2.u32 [%rd1+16], {%r5, %r6};
  st.global.u32 [%rd1+24], %r7;
)", 40);
  REQUIRE(r.status.ok());
  for (uint32_t t = 0; t < 40; ++t) {
    const uint32_t* o = &r.out[t * 8];
    CHECK(o[0] == t % 32);
    CHECK(o[1] == t / 32);
    CHECK(o[2] == (1u << (t % 32)) - 1);
    CHECK(o[3] == 40);
    CHECK(o[4] == 1);
    CHECK(o[5] == (t < 32 ? 0xFFFFFFFFu : 0xFFu));
    CHECK(o[6] == 0);
  }
}

TEST_CASE("segmented shuffles", "[ptx][ops]") {
  // width 8: c = ((32 - 8) << 8) | 31 for idx/bfly/down, as nvcc encodes __shfl_*_sync(.., 8).
  Run r = RunKernel(R"(
  mul.lo.u32 %r1, %r0, 10;
  shfl.sync.idx.b32 %r2, %r1, 3, 6175, -1;
  shfl.sync.down.b32 %r3|%p1, %r1, 2, 6175, -1;
  selp.u32 %r4, 1, 0, %p1;
  shfl.sync.up.b32 %r5|%p2, %r1, 3, 6144, -1;
  selp.u32 %r6, 1, 0, %p2;
  shfl.sync.bfly.b32 %r7, %r1, 5, 6175, -1;
  st.global.v4.u32 [%rd1], {%r2, %r3, %r4, %r5};
  st.global.v2.u32 [%rd1+16], {%r6, %r7};
)", 32);
  REQUIRE(r.status.ok());
  for (uint32_t t = 0; t < 32; ++t) {
    const uint32_t* o = &r.out[t * 8];
    uint32_t base = t & ~7u, pos = t & 7;
    INFO("lane " << t);
    CHECK(o[0] == (base + 3) * 10);
    CHECK(o[1] == (pos + 2 < 8 ? (t + 2) * 10 : t * 10));
    CHECK(o[2] == (pos + 2 < 8 ? 1u : 0u));
    CHECK(o[3] == (pos >= 3 ? (t - 3) * 10 : t * 10));
    CHECK(o[4] == (pos >= 3 ? 1u : 0u));
    CHECK(o[5] == (base + (pos ^ 5)) * 10);
  }
}

TEST_CASE("shared and local out of bounds are illegal addresses", "[ptx][ops]") {
  CHECK(RunKernel("  st.shared.u32 [sh+64], 1;\n").status.code() == Code::kIllegalAddress);
  CHECK(RunKernel("  mov.u32 %r1, 100000;\n  st.shared.u32 [%r1], 1;\n").status.code() == Code::kIllegalAddress);
  CHECK(RunKernel("  st.local.u32 [loc+4096], 1;\n").status.code() == Code::kIllegalAddress);
  CHECK(RunKernel("  st.shared.u32 [sh+60], 1;\n  st.local.u32 [loc+12], 1;\n").status.ok());
  // Generic pointers into the shared window.
  Run g = RunKernel(R"(
  mov.u64 %rd2, sh;
  cvta.shared.u64 %rd3, %rd2;
  st.u32 [%rd3+8], 77;
  ld.shared.u32 %r1, [sh+8];
  st.global.u32 [%rd1], %r1;
)");
  REQUIRE(g.status.ok());
  CHECK(g.out[0] == 77);
}

TEST_CASE("trap and barrier deadlock fail the launch", "[ptx][ops]") {
  CHECK(RunKernel("  trap;\n").status.code() == Code::kLaunchFailed);
  // Only thread 0 reaches a barrier with an explicit count of 64 threads: never released.
  Status s = RunKernel(R"(
  setp.ne.u32 %p1, %r0, 0;
  @%p1 bra DONE;
  bar.sync 1, 64;
DONE:
)", 64).status;
  CHECK(s.code() == Code::kLaunchFailed);
}

TEST_CASE("concurrent launches are independent", "[ptx][launch]") {
  auto m = testing::LoadFixture("vector_add.ptx");
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      TestMemory mem;
      const int n = 5000 + t * 100;
      std::vector<float> a(n, float(t)), b(n, 1.0f);
      uint64_t da = mem.Upload(a), db = mem.Upload(b), dc = mem.Alloc(n * 4);
      std::vector<uint8_t> p(28);
      std::memcpy(p.data(), &da, 8);
      std::memcpy(p.data() + 8, &db, 8);
      std::memcpy(p.data() + 16, &dc, 8);
      std::memcpy(p.data() + 24, &n, 4);
      for (int rep = 0; rep < 5; ++rep) {
        if (!Launch(*m, "vectorAdd", Config((n + 127) / 128, 128), p, mem, {}).ok()) failures++;
        std::vector<float> c(n);
        std::memcpy(c.data(), mem.Translate(dc, n * 4), n * 4);
        for (float v : c)
          if (v != float(t) + 1.0f) {
            failures++;
            break;
          }
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failures == 0);
}

}  // namespace
}  // namespace vgpu::ptx

namespace vgpu::ptx {
namespace {

TEST_CASE("directed rounding of float arithmetic", "[ptx][ops]") {
  // 1 + 2^-30 is not a float: .rz/.rm round down, .rp up; 1/3 likewise.
  Run r = RunKernel(R"(
  add.rz.f32 %f1, 0f3F800000, 0f30800000;
  add.rp.f32 %f2, 0f3F800000, 0f30800000;
  div.rp.f32 %f3, 0f3F800000, 0f40400000;
  div.rm.f32 %f4, 0f3F800000, 0f40400000;
  fma.rp.f32 %f5, 0f3F800000, 0f3F800000, 0f30800000;
  mul.rn.f32 %f6, 0f3F800000, 0f30800000;
  st.global.v4.f32 [%rd1], {%f1, %f2, %f3, %f4};
  st.global.v2.f32 [%rd1+16], {%f5, %f6};
)");
  REQUIRE(r.status.ok());
  CHECK(BitsFloat(r.out[0]) == 1.0f);
  CHECK(BitsFloat(r.out[1]) == std::nextafter(1.0f, 2.0f));
  CHECK(r.out[2] == r.out[3] + 1);
  CHECK(BitsFloat(r.out[4]) == std::nextafter(1.0f, 2.0f));
  CHECK(BitsFloat(r.out[5]) == std::ldexp(1.0f, -30));
}

}  // namespace
}  // namespace vgpu::ptx

namespace vgpu::ptx {
namespace {

TEST_CASE("cache policies and hints do not change results", "[ptx][ops]") {
  Run r = RunKernel(R"(
  createpolicy.fractional.L2::evict_last.b64 %rd5, 1.0;
  st.global.u32 [%rd1+4], 99;
  ld.global.L2::cache_hint.u32 %r1, [%rd1+4], %rd5;
  prefetch.global.L2 [%rd1];
  st.global.u32 [%rd1], %r1;
)");
  REQUIRE(r.status.ok());
  CHECK(r.out[0] == 99);
}

TEST_CASE("an unexpected operand count is NOT_SUPPORTED at run time, not a load error", "[ptx][ops]") {
  Run r = RunKernel("  add.s32 %r1, %r2, %r3, %r4;\n");
  CHECK(r.status.code() == Code::kNotSupported);
}

}  // namespace
}  // namespace vgpu::ptx

namespace vgpu::ptx {
namespace {

TEST_CASE("16-bit and packed-half atomics", "[ptx][ops]") {
  // 64 threads add 0.5 to a half at out[0] (upper half of word 0), add {1, 2} to the
  // f16x2 at out[1], and bump a shared u16 counter with cas.
  Run r = RunKernel(R"(
  add.s64 %rd6, %rd0, 2;
  atom.global.add.noftz.f16 %h1, [%rd6], 0x3800;
  atom.global.add.noftz.f16x2 %r1, [%rd0+4], 0x40003C00;
  setp.ne.u32 %p3, %r0, 0;
  @%p3 bra SKIPINIT;
  st.shared.u32 [sh], 0;
SKIPINIT:
  bar.sync 0;
RETRY:
  ld.volatile.shared.u16 %h2, [sh+2];
  add.s16 %h3, %h2, 1;
  atom.shared.cas.b16 %h4, [sh+2], %h2, %h3;
  setp.ne.s16 %p1, %h4, %h2;
  @%p1 bra RETRY;
  bar.sync 0;
  @%p3 bra DONE;
  ld.shared.u32 %r2, [sh];
  st.global.u32 [%rd0+8], %r2;
DONE:
)", 64);
  REQUIRE(r.status.ok());
  CHECK(F16ToF32(uint16_t(r.out[0] >> 16)) == 32.0f);
  CHECK(F16ToF32(uint16_t(r.out[1])) == 64.0f);
  CHECK(F16ToF32(uint16_t(r.out[1] >> 16)) == 128.0f);
  CHECK(r.out[2] == (64u << 16));
}

}  // namespace
}  // namespace vgpu::ptx

namespace vgpu::ptx {
namespace {

TEST_CASE("extern and recursive functions are NOT_SUPPORTED", "[ptx][ops]") {
  const char* ext = R"(
.version 9.0
.target sm_75
.address_size 64
.extern .func (.param .b32 func_retval0) not_in_module(.param .b64 p0, .param .b64 p1);
.visible .entry k()
{
  .reg .b32 %r<2>;
  {
  .param .b64 param0;
  st.param.b64 [param0], 0;
  .param .b64 param1;
  st.param.b64 [param1], 0;
  .param .b32 retval0;
  call.uni (retval0), not_in_module, (param0, param1);
  ld.param.b32 %r1, [retval0];
  }
  ret;
}
)";
  auto m = Module::Parse(ext);
  INFO(m.status().ToString());
  REQUIRE(m.ok());
  testing::TestMemory mem;
  Status s = Launch(**m, "k", Config(1, 1), {}, mem, {});
  CHECK(s.code() == Code::kNotSupported);
  CHECK(s.message().find("call") != std::string::npos);

  const char* rec = R"(
.version 9.0
.target sm_75
.address_size 64
.func f(.param .b32 x)
{
  .reg .b32 %r<2>;
  ld.param.b32 %r1, [x];
  {
  .param .b32 param0;
  st.param.b32 [param0], %r1;
  call.uni f, (param0);
  }
  ret;
}
.visible .entry k()
{
  {
  .param .b32 param0;
  st.param.b32 [param0], 1;
  call.uni f, (param0);
  }
  ret;
}
)";
  auto r = Module::Parse(rec);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  CHECK(Launch(**r, "k", Config(1, 1), {}, mem, {}).code() == Code::kNotSupported);
}

}  // namespace
}  // namespace vgpu::ptx

namespace vgpu::ptx {
namespace {

TEST_CASE("narrowing integer cvt extends to the register width", "[ptx][ops]") {
  Run r = RunKernel(R"(
  cvt.s8.s32 %r1, 0x1F0;
  cvt.u8.s32 %r2, 0x1F0;
  cvt.s16.u32 %r3, 0x18000;
  cvt.sat.s8.s32 %r4, 1000;
  cvt.sat.u8.s32 %r5, -5;
  cvt.s32.s8 %r6, 0xFE;
  st.global.v4.u32 [%rd1], {%r1, %r2, %r3, %r4};
  st.global.v2.u32 [%rd1+16], {%r5, %r6};
)");
  REQUIRE(r.status.ok());
  CHECK(r.out[0] == 0xFFFFFFF0u);
  CHECK(r.out[1] == 0xF0u);
  CHECK(r.out[2] == 0xFFFF8000u);
  CHECK(r.out[3] == 127u);
  CHECK(r.out[4] == 0u);
  CHECK(r.out[5] == 0xFFFFFFFEu);
}

}  // namespace
}  // namespace vgpu::ptx

namespace vgpu::ptx {
namespace {

TEST_CASE("huge register files and frames are out of resources, not a crash", "[ptx][ops]") {
  auto m = Module::Parse(R"(
.version 9.0
.target sm_75
.address_size 64
.visible .entry k()
{
  .reg .b64 %rd<1000000>;
  .local .align 8 .b8 big[1000000];
  mov.u64 %rd999999, 1;
  ret;
}
)");
  REQUIRE(m.ok());
  testing::TestMemory mem;
  CHECK(Launch(**m, "k", Config(1, 1024), {}, mem, {}).code() == Code::kLaunchOutOfResources);
}

}  // namespace
}  // namespace vgpu::ptx

// Launch(): configuration errors, the simple kernels, and error paths.
#include <cmath>
#include <numeric>
#include <random>

#include <catch2/catch.hpp>

#include "server/backends/emu/ptx/ptx.h"
#include "tests/unit/ptx/fixtures.h"
#include "tests/unit/ptx/test_memory.h"

namespace vgpu::ptx {
namespace {

using testing::Args;
using testing::Config;
using testing::LoadFixture;
using testing::TestMemory;

TEST_CASE("vectorAdd", "[ptx][launch]") {
  auto m = LoadFixture("vector_add.ptx");
  TestMemory mem;
  const int n = 10007;
  std::vector<float> a(n), b(n);
  for (int i = 0; i < n; ++i) {
    a[i] = 0.5f * i;
    b[i] = 1000.0f - i;
  }
  uint64_t da = mem.Upload(a), db = mem.Upload(b), dc = mem.Alloc(n * 4);
  Args args(*m->FindKernel("vectorAdd"));
  args.Set(0, da).Set(1, db).Set(2, dc).Set(3, n);
  REQUIRE(Launch(*m, "vectorAdd", Config((n + 255) / 256, 256), args.bytes(), mem, {}).ok());
  auto c = mem.Download<float>(dc, n);
  for (int i = 0; i < n; ++i) REQUIRE(c[i] == a[i] + b[i]);
}

TEST_CASE("saxpy", "[ptx][launch]") {
  auto m = LoadFixture("vector_add.ptx");
  TestMemory mem;
  const int n = 3000;
  std::vector<float> x(n), y(n);
  for (int i = 0; i < n; ++i) {
    x[i] = std::sin(float(i));
    y[i] = std::cos(float(i));
  }
  uint64_t dx = mem.Upload(x), dy = mem.Upload(y);
  Args args(*m->FindKernel("saxpy"));
  args.Set(0, n).Set(1, 2.5f).Set(2, dx).Set(3, dy);
  REQUIRE(Launch(*m, "saxpy", Config(12, 256), args.bytes(), mem, {}).ok());
  auto out = mem.Download<float>(dy, n);
  for (int i = 0; i < n; ++i) REQUIRE(out[i] == std::fma(2.5f, x[i], y[i]));
}

TEST_CASE("launch configuration errors", "[ptx][launch]") {
  auto m = LoadFixture("vector_add.ptx");
  TestMemory mem;
  Args args(*m->FindKernel("vectorAdd"));
  CHECK(Launch(*m, "nope", Config(1, 32), args.bytes(), mem, {}).code() == Code::kNotFound);
  CHECK(Launch(*m, "vectorAdd", Config(0, 32), args.bytes(), mem, {}).code() == Code::kInvalidValue);
  CHECK(Launch(*m, "vectorAdd", Config(1, 2048), args.bytes(), mem, {}).code() == Code::kInvalidValue);
  std::vector<uint8_t> short_params(8);
  CHECK(Launch(*m, "vectorAdd", Config(1, 32), short_params, mem, {}).code() == Code::kInvalidValue);
  CHECK(Launch(*m, "vectorAdd", Config(1, 32, 1, 1, 200 * 1024), args.bytes(), mem, {}).code() ==
        Code::kLaunchOutOfResources);
}

TEST_CASE("grid-stride loop with doubles", "[ptx][launch]") {
  auto m = LoadFixture("grid_stride.ptx");
  TestMemory mem;
  const uint64_t n = 50000;
  std::vector<double> in(n);
  for (uint64_t i = 0; i < n; ++i) in[i] = 0.25 * double(i) - 7.0;
  uint64_t din = mem.Upload(in), dout = mem.Alloc(n * 8);
  Args args(m->kernels()[0]);
  args.Set(0, din).Set(1, dout).Set(2, n).Set(3, 1.5);
  REQUIRE(Launch(*m, "gridStrideScale", Config(7, 96), args.bytes(), mem, {}).ok());
  auto out = mem.Download<double>(dout, n);
  for (uint64_t i = 0; i < n; ++i) REQUIRE(out[i] == std::fma(in[i], 1.5, double(i % 7)));
}

TEST_CASE("out-of-bounds store is an illegal address", "[ptx][launch]") {
  auto m = LoadFixture("out_of_bounds.ptx");
  TestMemory mem;
  const int n = 100;
  uint64_t d = mem.Alloc(n * 4);
  Args args(m->kernels()[0]);
  args.Set(0, d).Set(1, n);
  Status s = Launch(*m, "outOfBounds", Config(1, 128), args.bytes(), mem, {});
  CHECK(s.code() == Code::kIllegalAddress);
  CHECK(s.message().find("0x") != std::string::npos);
}

TEST_CASE("null pointer is an illegal address", "[ptx][launch]") {
  auto m = LoadFixture("vector_add.ptx");
  TestMemory mem;
  Args args(*m->FindKernel("vectorAdd"));
  args.Set(0, uint64_t{0}).Set(1, uint64_t{0}).Set(2, uint64_t{0}).Set(3, 10);
  CHECK(Launch(*m, "vectorAdd", Config(1, 32), args.bytes(), mem, {}).code() == Code::kIllegalAddress);
}

TEST_CASE("unsupported instruction is NOT_SUPPORTED, only when executed", "[ptx][launch]") {
  const char* ptx = R"(
.version 9.0
.target sm_75
.address_size 64
.visible .entry k(.param .u64 out, .param .u32 flag)
{
  .reg .pred %p<2>;
  .reg .b32 %r<4>;
  .reg .b64 %rd<3>;
  ld.param.u64 %rd1, [out];
  ld.param.u32 %r1, [flag];
  setp.eq.s32 %p1, %r1, 0;
  @%p1 bra DONE;
  dp2a.lo.u32.u32 %r2, %r1, %r1, %r1;
DONE:
  cvta.to.global.u64 %rd2, %rd1;
  st.global.u32 [%rd2], 7;
  ret;
}
)";
  auto parsed = Module::Parse(ptx);
  INFO(parsed.status().ToString());
  REQUIRE(parsed.ok());
  TestMemory mem;
  uint64_t d = mem.Alloc(4);
  std::vector<uint8_t> params(12);
  std::memcpy(params.data(), &d, 8);
  uint32_t flag = 0;
  std::memcpy(params.data() + 8, &flag, 4);
  CHECK(Launch(**parsed, "k", Config(1, 32), params, mem, {}).ok());
  CHECK(mem.Download<uint32_t>(d, 1)[0] == 7);
  flag = 1;
  std::memcpy(params.data() + 8, &flag, 4);
  Status s = Launch(**parsed, "k", Config(1, 32), params, mem, {});
  CHECK(s.code() == Code::kNotSupported);
  CHECK(s.message().find("dp2a") != std::string::npos);
}

TEST_CASE("unknown opcode decodes as NOT_SUPPORTED", "[ptx][launch]") {
  const char* ptx = R"(
.version 9.0
.target sm_75
.address_size 64
.visible .entry k(.param .u64 out)
{
  .reg .b32 %r<4>;
  frobnicate.b32 %r1, %r2;
  ret;
}
)";
  auto parsed = Module::Parse(ptx);
  REQUIRE(parsed.ok());
  TestMemory mem;
  std::vector<uint8_t> params(8);
  Status s = Launch(**parsed, "k", Config(1, 1), params, mem, {});
  CHECK(s.code() == Code::kNotSupported);
  CHECK(s.message().find("frobnicate") != std::string::npos);
}

}  // namespace
}  // namespace vgpu::ptx

// The emu's device memory: API calls see exact allocation bounds; kernels may run a little past
// an allocation's end, as on hardware, but not as far as the next allocation.
#include <cstring>
#include <vector>

#include <catch2/catch.hpp>

#include "server/backends/emu/memory.h"
#include "server/backends/emu/ptx/ptx.h"
#include "tests/unit/ptx/test_memory.h"

namespace vgpu::backend::emu {
namespace {

using ptx::testing::Args;
using ptx::testing::Config;

// out[tid] = ids[first + tid] for a whole 32-entry tile, whatever the ids buffer holds: the
// access pattern of ggml's mul_mat_q with expert ids, which loads ids_dst[col_low + jt*J + j]
// for every j < J and uses only the first col_diff of them.
constexpr char kTileReadPtx[] = R"(
.version 7.0
.target sm_80
.address_size 64
.visible .entry tileRead(.param .u64 ids, .param .u64 out, .param .u32 first)
{
  .reg .b32 %r<5>;
  .reg .b64 %rd<9>;
  ld.param.u64 %rd1, [ids];
  ld.param.u64 %rd2, [out];
  ld.param.u32 %r1, [first];
  cvta.to.global.u64 %rd3, %rd1;
  cvta.to.global.u64 %rd4, %rd2;
  mov.u32 %r2, %tid.x;
  add.s32 %r3, %r1, %r2;
  mul.wide.s32 %rd5, %r3, 4;
  add.s64 %rd6, %rd3, %rd5;
  ld.global.nc.u32 %r4, [%rd6];
  mul.wide.u32 %rd7, %r2, 4;
  add.s64 %rd8, %rd4, %rd7;
  st.global.u32 [%rd8], %r4;
  ret;
}
)";

TEST_CASE("API translation is exact; kernel accesses may overrun by kKernelOverrunBytes", "[emu][memory]") {
  DevicePool pool(1 << 30);
  SessionMemory mem(pool);
  auto a = mem.Allocate(136);
  REQUIRE(a.ok());
  CHECK(mem.Translate(*a, 136) != nullptr);
  CHECK(mem.Translate(*a + 132, 8) == nullptr);
  CHECK(mem.TranslateKernelAccess(*a + 132, 8) != nullptr);
  CHECK(mem.TranslateKernelAccess(*a + 256, 4) != nullptr);
  uint64_t reach = 256 + SessionMemory::kKernelOverrunBytes;
  CHECK(mem.TranslateKernelAccess(*a + reach - 4, 4) != nullptr);
  CHECK(mem.TranslateKernelAccess(*a + reach - 4, 8) == nullptr);
  CHECK(mem.TranslateKernelAccess(*a + reach, 4) == nullptr);
  // The overrun reads as zero, like fresh device memory.
  const uint8_t* tail = mem.TranslateKernelAccess(*a + 136, reach - 136);
  REQUIRE(tail != nullptr);
  for (uint64_t i = 0; i < reach - 136; ++i) REQUIRE(tail[i] == 0);
  // A freed allocation is gone for kernels too.
  REQUIRE(mem.Free(*a).ok());
  CHECK(mem.TranslateKernelAccess(*a, 4) == nullptr);
}

TEST_CASE("a kernel reading a whole id tile past a 34-entry buffer succeeds, as on hardware", "[emu][memory]") {
  auto m = ptx::Module::Parse(kTileReadPtx);
  REQUIRE(m.ok());
  const ptx::Module& module = **m;
  DevicePool pool(1 << 30);
  SessionMemory mem(pool);
  const int n = 34;  // 17 tokens x 2 experts used
  auto ids = mem.Allocate(n * 4);
  auto out = mem.Allocate(32 * 4);
  REQUIRE(ids.ok());
  REQUIRE(out.ok());
  std::vector<int32_t> host(n);
  for (int i = 0; i < n; ++i) host[i] = 100 + i;
  std::memcpy(mem.Translate(*ids, n * 4), host.data(), n * 4);

  // The last expert's tile starts at entry 33: entries 33..64 reach 260 bytes into a 136-byte buffer.
  Args args(module.kernels()[0]);
  args.Set(0, *ids).Set(1, *out).Set(2, int32_t{33});
  REQUIRE(ptx::Launch(module, "tileRead", Config(1, 32), args.bytes(), mem, {}).ok());
  const auto* got = reinterpret_cast<const int32_t*>(mem.Translate(*out, 32 * 4));
  CHECK(got[0] == 133);
  for (int j = 1; j < 32; ++j) CHECK(got[j] == 0);

  // Far past the end (beyond the overrun allowance) is still an illegal address.
  Args far(module.kernels()[0]);
  far.Set(0, *ids).Set(1, *out).Set(2, int32_t(SessionMemory::kKernelOverrunBytes / 4 + 64));
  Status s = ptx::Launch(module, "tileRead", Config(1, 32), far.bytes(), mem, {});
  CHECK(s.code() == Code::kIllegalAddress);
}

}  // namespace
}  // namespace vgpu::backend::emu

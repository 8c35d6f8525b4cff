#include <cstring>

#include <catch2/catch.hpp>

#include "server/backends/emu/ptx/ir.h"
#include "server/backends/emu/ptx/ptx.h"
#include "tests/unit/ptx/fixtures.h"

namespace vgpu::ptx {
namespace {

using testing::LoadFixture;
using testing::ReadFixture;

TEST_CASE("every fixture parses", "[ptx][parse]") {
  for (const char* name : {"vector_add", "grid_stride", "reduce_shared", "reduce_shuffle", "histogram", "matmul",
                           "transpose", "scan", "struct_param", "const_table", "local_array", "out_of_bounds",
                           "math_ops", "transcendental", "divergence"}) {
    for (const char* suffix : {".ptx", ".sm90.ptx"}) {
      INFO(name << suffix);
      auto m = Module::Parse(ReadFixture(std::string(name) + suffix));
      INFO(m.status().ToString());
      REQUIRE(m.ok());
      CHECK((*m)->ptx_version() == 90);
      CHECK(((*m)->target_sm() == 75 || (*m)->target_sm() == 90));
      CHECK(!(*m)->kernels().empty());
      // Every instruction nvcc emitted for our kernels is one the interpreter implements.
      for (const Instr& in : (*m)->data().code) {
        if (in.op == Op::kUnsupported) FAIL("unsupported: " << (*m)->data().texts[in.imm] << " line " << in.line);
      }
    }
  }
}

TEST_CASE("kernel parameter layout", "[ptx][parse]") {
  auto m = LoadFixture("vector_add.ptx");
  REQUIRE(m->kernels().size() == 2);
  const Kernel* k = m->FindKernel("vectorAdd");
  REQUIRE(k != nullptr);
  REQUIRE(k->params.size() == 4);
  CHECK(k->params[0].offset == 0);
  CHECK(k->params[0].size == 8);
  CHECK(k->params[2].offset == 16);
  CHECK(k->params[3].offset == 24);
  CHECK(k->params[3].size == 4);
  CHECK(k->param_bytes == 28);
  CHECK(k->static_shared_bytes == 0);
  CHECK(k->max_threads_per_block == 1024);
  const Kernel* s = m->FindKernel("saxpy");
  REQUIRE(s != nullptr);
  // int n, float a, const float* x, float* y: 8-byte alignment of x.
  CHECK(s->params[0].offset == 0);
  CHECK(s->params[1].offset == 4);
  CHECK(s->params[2].offset == 8);
  CHECK(s->params[3].offset == 16);
  CHECK(s->param_bytes == 24);
  CHECK(m->FindKernel("nope") == nullptr);
}

TEST_CASE("struct parameter and .func", "[ptx][parse]") {
  auto m = LoadFixture("struct_param.ptx");
  REQUIRE(m->kernels().size() == 1);  // the .func is not a kernel
  const Kernel& k = m->kernels()[0];
  CHECK(k.name == "_Z12affineKernel6AffinePKfPfPii");
  REQUIRE(k.params.size() == 5);
  CHECK(k.params[0].size == 24);
  CHECK(k.params[0].align == 8);
  CHECK(k.params[1].offset == 24);
  CHECK(k.params[4].offset == 48);
  CHECK(k.param_bytes == 52);
  CHECK(k.local_bytes_per_thread >= 24);
}

TEST_CASE("globals and constants with initializers", "[ptx][parse]") {
  auto m = LoadFixture("const_table.ptx");
  const auto& g = m->globals();
  REQUIRE(g.size() == 3);
  CHECK(g[0].name == "kCoeffs");
  CHECK(g[0].space == Space::kConst);
  CHECK(g[0].size == 64);
  REQUIRE(g[0].init.size() == 64);
  float f1;
  std::memcpy(&f1, g[0].init.data() + 4, 4);
  CHECK(f1 == 0.5f);
  CHECK(g[1].name == "kOffsets");
  CHECK(g[1].init == std::vector<uint8_t>(16, 0));
  CHECK(g[2].name == "gCalls");
  CHECK(g[2].space == Space::kGlobal);
  CHECK(g[2].size == 4);
  CHECK(g[2].init == std::vector<uint8_t>{7, 0, 0, 0});
}

TEST_CASE("shared memory sizes", "[ptx][parse]") {
  auto m = LoadFixture("matmul.ptx");
  CHECK(m->FindKernel("matmulF32")->static_shared_bytes == 2 * 16 * 16 * 4);
  CHECK(m->FindKernel("matmulF16")->static_shared_bytes == 2 * 16 * 16 * 2);
  auto t = LoadFixture("transpose.ptx");
  CHECK(t->FindKernel("transpose")->static_shared_bytes == 32 * 33 * 4);
  auto s = LoadFixture("scan.ptx");
  CHECK(s->FindKernel("blockScan")->static_shared_bytes == 0);
}

TEST_CASE("maxntid and module-scope shared", "[ptx][parse]") {
  const char* ptx = R"(
.version 8.5
.target sm_80
.address_size 64
.shared .align 4 .b8 table[128];
.visible .entry k(.param .u32 n) .maxntid 64, 2, 1
{
  .reg .b32 %r<3>;
  ld.param.u32 %r1, [n];
  ret;
}
)";
  auto m = Module::Parse(ptx);
  REQUIRE(m.ok());
  CHECK((*m)->ptx_version() == 85);
  CHECK((*m)->target_sm() == 80);
  const Kernel& k = (*m)->kernels()[0];
  CHECK(k.max_threads_per_block == 128);
  CHECK(k.static_shared_bytes == 128);
}

TEST_CASE("an instruction the decoder cannot take fails only when it runs, not the module", "[ptx][parse]") {
  // An undeclared register, and the constants nvcc emits for warpSize and the
  // driver's environment registers (ggml's soft-max reads %envreg2).
  auto m = Module::Parse(
      ".version 9.0\n.target sm_75\n.address_size 64\n"
      ".visible .entry bad(\n  .param .u32 x\n) {\n  mov.u32 %r1, 1;\n}\n"
      ".visible .entry good() {\n  .reg .b32 %r<3>;\n  mov.u32 %r1, WARP_SZ;\n  mov.u32 %r2, %envreg2;\n  ret;\n}\n");
  REQUIRE(m.ok());
  CHECK((*m)->kernels().size() == 2);
}

TEST_CASE("parse errors name the line", "[ptx][parse]") {
  auto garbage = Module::Parse("\x01\x02 hello");
  CHECK(!garbage.ok());
  auto unterminated = Module::Parse(".version 9.0\n.visible .entry k() {\n ret;\n");
  CHECK(!unterminated.ok());
}

}  // namespace
}  // namespace vgpu::ptx

namespace vgpu::ptx {
namespace {

TEST_CASE("pointer parameter attributes do not change the layout", "[ptx][parse]") {
  auto m = Module::Parse(R"(
.version 9.0
.target sm_75
.address_size 64
.visible .entry k(.param .u32 a, .param .u64 .ptr .global .align 16 p, .param .u8 c)
{
  ret;
}
)");
  REQUIRE(m.ok());
  const Kernel& k = (*m)->kernels()[0];
  CHECK(k.params[1].offset == 8);
  CHECK(k.params[1].align == 8);
  CHECK(k.params[2].offset == 16);
  CHECK(k.param_bytes == 17);
}

}  // namespace
}  // namespace vgpu::ptx

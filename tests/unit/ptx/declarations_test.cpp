// ListDeclarations: the kernels and module-scope variables a PTX text declares (what the
// session needs to ask a backend for each variable).
#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "server/backends/emu/ptx/declarations.h"
#include "tests/unit/ptx/fixtures.h"

namespace vgpu::ptx {
namespace {

using testing::ReadFixture;
using Names = std::vector<std::string>;

TEST_CASE("ListDeclarations: nvcc output", "[ptx]") {
  auto d = ListDeclarations(ReadFixture("../image/params.ptx"));
  INFO(d.status().ToString());
  REQUIRE(d.ok());
  CHECK(d->entries.size() == 5);
  CHECK(std::count(d->entries.begin(), d->entries.end(), "kern") == 1);
  CHECK(std::count(d->entries.begin(), d->entries.end(), "_Z5Twicef") == 0);  // a .func, not a kernel
  Names globals = d->globals;
  std::sort(globals.begin(), globals.end());
  CHECK(globals == Names{"ctable", "cvar", "ginit", "gvar", "mvar"});
}

TEST_CASE("ListDeclarations: hand-written declarations", "[ptx]") {
  const std::string ptx = R"(
.version 8.0
.target sm_75
.address_size 64
/* block comment with .entry fake( */
.extern .global .align 4 .u32 elsewhere;
.visible .global .align 8 .f64 dbl[2] = {1.5, -2.0};
.global .align 4 .f32 flt = 0f3F800000;
.shared .align 4 .u32 module_shared;
.const .align 16 .v4 .u32 vec[2] = {{1, 2, 3, 4}, {5, 6, 7, 8}};
.visible .func (.param .b32 r) helper(.param .b32 a) { ret; }
.visible .entry ptrs(.param .u64 p0, .param .u8 p1)
.reqntid 32, 4
{
  .shared .align 8 .u64 b;
  ret;
}
.entry declared_only(.param .u32 x);
)";
  auto d = ListDeclarations(ptx);
  INFO(d.status().ToString());
  REQUIRE(d.ok());
  CHECK(d->entries == Names{"ptrs"});
  CHECK(d->globals == Names{"dbl", "flt", "vec"});
}

TEST_CASE("ListDeclarations: errors, truncations and flips", "[ptx][fuzz]") {
  CHECK_FALSE(ListDeclarations(".version 8.0\n.target sm_80\n.entry k(.param .u32 a").ok());
  const std::string ptx = ReadFixture("../image/params.ptx");
  for (size_t len = 0; len < ptx.size(); len += 7) (void)ListDeclarations(std::string_view(ptx).substr(0, len));
  std::mt19937 rng(5);
  std::uniform_int_distribution<size_t> pos(0, ptx.size() - 1);
  const char kChars[] = "{}()[];,.=-0123456789 \n/*\"";
  std::uniform_int_distribution<size_t> pick(0, sizeof(kChars) - 2);
  for (int round = 0; round < 200; ++round) {
    std::string s = ptx;
    for (int i = 0; i < 4; ++i) s[pos(rng)] = kChars[pick(rng)];
    (void)ListDeclarations(s);
  }
}

}  // namespace
}  // namespace vgpu::ptx

// ParsePtx: kernels, parameter layouts from .entry signatures, variables.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

#include "fixtures.h"
#include "image/fatbin.h"
#include "image/ptx_module.h"

namespace vgpu::image {
namespace {

using testing::LoadFixture;
using Layout = std::vector<std::pair<uint32_t, uint32_t>>;

Layout Slots(const CubinKernel& k) {
  Layout out;
  for (const ParamSlot& p : k.params) out.emplace_back(p.offset, p.size);
  return out;
}

const CubinKernel* FindKernel(const CubinInfo& info, const std::string& name) {
  for (const CubinKernel& k : info.kernels) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

const CubinGlobal* FindGlobal(const CubinInfo& info, const std::string& name) {
  for (const CubinGlobal& g : info.globals) {
    if (g.name == name) return &g;
  }
  return nullptr;
}

int FuzzScale() {
  const char* scale = std::getenv("VGPU_IMAGE_FUZZ_SCALE");
  int factor = scale != nullptr ? std::atoi(scale) : 1;
  return factor > 0 ? factor : 1;
}

std::string FixturePtx() {
  auto bytes = LoadFixture("params.ptx");
  return std::string(bytes.begin(), bytes.end());
}

TEST_CASE("ParsePtx: nvcc output gives the same layouts as the cubin", "[image]") {
  auto info = ParsePtx(FixturePtx());
  REQUIRE(info.ok());
  CHECK(info->sm == 80);
  REQUIRE(info->kernels.size() == 5);
  const CubinKernel* kern = FindKernel(*info, "kern");
  REQUIRE(kern != nullptr);
  CHECK(Slots(*kern) == Layout{{0, 4}, {8, 8}, {16, 24}, {40, 1}, {48, 8}});
  CHECK(kern->param_bytes == 0x38);
  CHECK(kern->max_threads == 1024);
  CHECK(Slots(*FindKernel(*info, "_Z5scaleIfEvPT_S0_j")) == Layout{{0, 8}, {8, 4}, {12, 4}});
  CHECK(FindKernel(*info, "_Z5scaleIfEvPT_S0_j")->param_bytes == 16);
  CHECK(Slots(*FindKernel(*info, "_Z5scaleIdEvPT_S0_j")) == Layout{{0, 8}, {8, 8}, {16, 4}});
  CHECK(FindKernel(*info, "_Z5scaleIdEvPT_S0_j")->param_bytes == 20);
  const CubinKernel* sum = FindKernel(*info, "_Z9block_sumPKfPf");
  REQUIRE(sum != nullptr);
  CHECK(sum->max_threads == 256);
  CHECK(sum->static_shared_bytes == 1024);
  CHECK(FindKernel(*info, "_Z9no_paramsv")->params.empty());
  CHECK(FindKernel(*info, "_Z5Twicef") == nullptr);  // a .func, not a kernel

  REQUIRE(info->globals.size() == 5);
  CHECK(FindGlobal(*info, "mvar")->managed);
  CHECK_FALSE(FindGlobal(*info, "gvar")->managed);
  CHECK(FindGlobal(*info, "gvar")->size == 4);
  CHECK_FALSE(FindGlobal(*info, "gvar")->constant);
  CHECK(FindGlobal(*info, "cvar")->size == 16);
  CHECK(FindGlobal(*info, "cvar")->constant);
  const CubinGlobal* ginit = FindGlobal(*info, "ginit");
  REQUIRE(ginit->init.size() == 4);
  int32_t v;
  std::memcpy(&v, ginit->init.data(), 4);
  CHECK(v == 5);
  const CubinGlobal* ctable = FindGlobal(*info, "ctable");
  REQUIRE(ctable->init.size() == 8);
  int32_t t[2];
  std::memcpy(t, ctable->init.data(), 8);
  CHECK(t[0] == 7);
  CHECK(t[1] == 9);
}

TEST_CASE("ParsePtx: the PTX inside every container parses", "[image]") {
  for (const char* name : {"params_default.fatbin", "params_lz4.fatbin", "params_rdc.fatbin"}) {
    INFO(name);
    auto entries = ParseFatbin(LoadFixture(name));
    REQUIRE(entries.ok());
    for (const Entry& e : *entries) {
      if (e.kind != Entry::Kind::kPtx) continue;
      auto info = ParsePtx(e.bytes);
      REQUIRE(info.ok());
      CHECK(info->kernels.size() == 5);
      CHECK(info->globals.size() == 5);
    }
  }
}

TEST_CASE("ParsePtx: hand-written declarations", "[image]") {
  const std::string ptx = R"(
.version 8.0
.target sm_75, debug
.address_size 64
/* block comment with .entry fake( */
.extern .global .align 4 .u32 elsewhere;
.visible .global .align 8 .f64 dbl[2] = {1.5, -2.0};
.global .align 4 .f32 flt = 0f3F800000;
.global .align 2 .s16 neg[] = {-1, 2, -3};
.const .align 16 .v4 .u32 vec[2] = {{1, 2, 3, 4}, {5, 6, 7, 8}};
.visible .func (.param .b32 r) helper(.param .b32 a) { ret; }
.visible .entry ptrs(
  .param .u64 .ptr .global .align 16 p0,
  .param .u8 p1,
  .param .align 16 .b8 p2[32],
  .param .v2 .u32 p3
)
.reqntid 32, 4
.pragma "nounroll";
{
  .reg .b32 %r<3>;
  .shared .align 8 .b8 a[3];
  .shared .align 8 .u64 b;
  .extern .shared .align 16 .b8 dyn[];
  ret;
}
.entry declared_only(.param .u32 x);
)";
  auto info = ParsePtx(ptx);
  REQUIRE(info.ok());
  CHECK(info->sm == 75);
  REQUIRE(info->kernels.size() == 1);
  const CubinKernel& k = info->kernels[0];
  CHECK(k.name == "ptrs");
  CHECK(Slots(k) == Layout{{0, 8}, {8, 1}, {16, 32}, {48, 8}});
  CHECK(k.param_bytes == 56);
  CHECK(k.max_threads == 128);
  CHECK(k.static_shared_bytes == 16);  // a[3] at 0, b at 8

  REQUIRE(info->globals.size() == 4);
  const CubinGlobal* dbl = FindGlobal(*info, "dbl");
  REQUIRE(dbl->init.size() == 16);
  double d[2];
  std::memcpy(d, dbl->init.data(), 16);
  CHECK(d[0] == 1.5);
  CHECK(d[1] == -2.0);
  float f;
  std::memcpy(&f, FindGlobal(*info, "flt")->init.data(), 4);
  CHECK(f == 1.0f);
  const CubinGlobal* neg = FindGlobal(*info, "neg");
  REQUIRE(neg->size == 6);
  int16_t n[3];
  std::memcpy(n, neg->init.data(), 6);
  CHECK(n[0] == -1);
  CHECK(n[1] == 2);
  CHECK(n[2] == -3);
  const CubinGlobal* vec = FindGlobal(*info, "vec");
  CHECK(vec->constant);
  REQUIRE(vec->size == 32);
  uint32_t lanes[8];
  std::memcpy(lanes, vec->init.data(), 32);
  CHECK(lanes[4] == 5);
  CHECK(lanes[7] == 8);
  CHECK(FindGlobal(*info, "elsewhere") == nullptr);
}

TEST_CASE("ParsePtx: errors", "[image]") {
  CHECK(ParsePtx(".version 8.0\n").status().code() == Code::kInvalidImage);  // no .target
  const std::string head = ".version 8.0\n.target sm_80\n";
  CHECK(ParsePtx(head + ".global .u64 vt[2] = {0, generic(f)};").status().code() == Code::kNotSupported);
  CHECK(ParsePtx(head + ".entry k(.param .u32 a").status().code() == Code::kInvalidImage);
  CHECK(ParsePtx(head + ".entry k(.param .u32 a) { ret;").status().code() == Code::kInvalidImage);
  CHECK(ParsePtx(head + ".entry k(.param .zz a) {}").status().code() == Code::kInvalidImage);
  CHECK(ParsePtx(head + ".global .u32 x[2] = {1, 2, 3};").status().code() == Code::kInvalidImage);
  CHECK(ParsePtx(head + ".global .u32 x[99999999999];").status().code() == Code::kInvalidImage);
}

TEST_CASE("ParsePtx: truncations and flips never crash", "[image][fuzz]") {
  const std::string ptx = FixturePtx();
  for (size_t len = 0; len < ptx.size(); len += 3) (void)ParsePtx(std::string_view(ptx).substr(0, len));
  std::mt19937 rng(5);
  std::uniform_int_distribution<size_t> pos(0, ptx.size() - 1);
  const char kChars[] = "{}()[];,.=-0123456789 \n/*\"";
  std::uniform_int_distribution<size_t> pick(0, sizeof(kChars) - 2);
  for (int round = 0; round < 300 * FuzzScale(); ++round) {
    std::string s = ptx;
    for (int i = 0; i < 4; ++i) s[pos(rng)] = kChars[pick(rng)];
    (void)ParsePtx(s);
  }
}

}  // namespace
}  // namespace vgpu::image

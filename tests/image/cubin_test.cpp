// ParseCubin: kernels, parameter layouts from EIATTR_KPARAM_INFO, resources, globals.
#include <catch2/catch.hpp>
#include <cstring>
#include <string>

#include "fixtures.h"
#include "image/cubin.h"
#include "image/fatbin.h"

namespace vgpu::image {
namespace {

using testing::AsBytes;
using testing::LoadFixture;

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

std::vector<std::pair<uint32_t, uint32_t>> Slots(const CubinKernel& k) {
  std::vector<std::pair<uint32_t, uint32_t>> out;
  for (const ParamSlot& p : k.params) out.emplace_back(p.offset, p.size);
  return out;
}

using Layout = std::vector<std::pair<uint32_t, uint32_t>>;

// The layouts every cubin of params.cu must give, whatever the SM.
void CheckParamsCubin(const CubinInfo& info) {
  REQUIRE(info.kernels.size() == 5);
  const CubinKernel* kern = FindKernel(info, "kern");
  REQUIRE(kern != nullptr);
  // (int, float*, struct{char; double; int}, char, double): cuda-abi.md §4.
  CHECK(Slots(*kern) == Layout{{0, 4}, {8, 8}, {16, 24}, {40, 1}, {48, 8}});
  CHECK(kern->param_bytes == 0x38);
  CHECK(kern->num_regs > 0);
  CHECK(kern->max_threads == 1024);
  CHECK(kern->static_shared_bytes == 0);

  const CubinKernel* scale_f = FindKernel(info, "_Z5scaleIfEvPT_S0_j");
  REQUIRE(scale_f != nullptr);
  CHECK(Slots(*scale_f) == Layout{{0, 8}, {8, 4}, {12, 4}});
  CHECK(scale_f->param_bytes == 16);
  const CubinKernel* scale_d = FindKernel(info, "_Z5scaleIdEvPT_S0_j");
  REQUIRE(scale_d != nullptr);
  CHECK(Slots(*scale_d) == Layout{{0, 8}, {8, 8}, {16, 4}});
  CHECK(scale_d->param_bytes == 20);

  const CubinKernel* sum = FindKernel(info, "_Z9block_sumPKfPf");
  REQUIRE(sum != nullptr);
  CHECK(Slots(*sum) == Layout{{0, 8}, {8, 8}});
  CHECK(sum->max_threads == 256);              // __launch_bounds__(256)
  // __shared__ float buf[256]; ptxas for sm_90 rounds it up to 2 KiB.
  CHECK(sum->static_shared_bytes >= 256 * 4);
  if (info.sm == 80) CHECK(sum->static_shared_bytes == 256 * 4);
  CHECK(sum->num_regs > 0);

  const CubinKernel* none = FindKernel(info, "_Z9no_paramsv");
  REQUIRE(none != nullptr);
  CHECK(none->params.empty());
  CHECK(none->param_bytes == 0);

  // The non-inlined __device__ function is not a kernel.
  CHECK(FindKernel(info, "_Z5Twicef") == nullptr);

  const CubinGlobal* gvar = FindGlobal(info, "gvar");
  REQUIRE(gvar != nullptr);
  CHECK(gvar->size == 4);
  CHECK_FALSE(gvar->constant);
  CHECK(gvar->init.empty());
  const CubinGlobal* ginit = FindGlobal(info, "ginit");
  REQUIRE(ginit != nullptr);
  CHECK_FALSE(ginit->constant);
  REQUIRE(ginit->init.size() == 4);
  int32_t v;
  std::memcpy(&v, ginit->init.data(), 4);
  CHECK(v == 5);
  const CubinGlobal* cvar = FindGlobal(info, "cvar");
  REQUIRE(cvar != nullptr);
  CHECK(cvar->size == 16);
  CHECK(cvar->constant);
  const CubinGlobal* ctable = FindGlobal(info, "ctable");
  REQUIRE(ctable != nullptr);
  CHECK(ctable->constant);
  REQUIRE(ctable->init.size() == 8);
  int32_t t[2];
  std::memcpy(t, ctable->init.data(), 8);
  CHECK(t[0] == 7);
  CHECK(t[1] == 9);
  CHECK(info.globals.size() == 5);
  REQUIRE(FindGlobal(info, "mvar") != nullptr);
  CHECK(FindGlobal(info, "mvar")->managed);
  CHECK_FALSE(gvar->managed);
}

TEST_CASE("ParseCubin: bare cubins", "[image]") {
  for (uint32_t sm : {80u, 90u}) {
    INFO("sm " << sm);
    auto info = ParseCubin(LoadFixture("params_sm" + std::to_string(sm) + ".cubin"));
    REQUIRE(info.ok());
    CHECK(info->sm == sm);
    CheckParamsCubin(*info);
  }
}

TEST_CASE("ParseCubin: cubins out of every container form", "[image]") {
  for (const char* name : {"params_default.fatbin", "params_size.fatbin", "params_nocompress.fatbin",
                           "params_lz4.fatbin", "params_rdc.fatbin"}) {
    auto entries = ParseFatbin(LoadFixture(name));
    REQUIRE(entries.ok());
    for (const Entry& e : *entries) {
      if (e.kind != Entry::Kind::kCubin) continue;
      INFO(name << " sm " << e.sm);
      auto info = ParseCubin(AsBytes(e.bytes));
      REQUIRE(info.ok());
      CHECK(info->sm == e.sm);
      CheckParamsCubin(*info);
    }
  }
}

TEST_CASE("ParseCubin: relocatable cubin with large shared and global arrays", "[image]") {
  // -rdc cubins mark .nv.global/.nv.shared with processor-specific types and
  // sizes past the file end, and their variables with STT_CUDA_OBJECT.
  auto bytes = LoadFixture("big_rdc.cubin");
  auto info = ParseCubin(bytes);
  REQUIRE(info.ok());
  REQUIRE(info->kernels.size() == 1);
  CHECK(info->kernels[0].name == "_Z3bigPfi");
  CHECK(info->kernels[0].static_shared_bytes == 12000 * 4);
  CHECK(info->kernels[0].param_bytes == 12);
  REQUIRE(info->globals.size() == 1);
  CHECK(info->globals[0].name == "big_global");
  CHECK(info->globals[0].size == 100000 * 4);
  CHECK(info->globals[0].init.empty());
  auto entries = Entries(bytes);
  REQUIRE(entries.ok());
  CHECK((*entries)[0].bytes.size() == bytes.size());
}

TEST_CASE("CubinSm: both e_flags layouts", "[image]") {
  std::vector<uint8_t> elf(64, 0);
  std::memcpy(elf.data(), "\x7f" "ELF", 4);
  SECTION("ABI 8 (CUDA 13): bits 8..15") {
    elf[8] = 8;
    uint32_t flags = 0x6005a04;
    std::memcpy(elf.data() + 48, &flags, 4);
    CHECK(*CubinSm(elf) == 90);
  }
  SECTION("ABI 7 and older: bits 0..7") {
    elf[8] = 7;
    uint32_t flags = 0x500550;
    std::memcpy(elf.data() + 48, &flags, 4);
    CHECK(*CubinSm(elf) == 80);
  }
  SECTION("no SM") {
    elf[8] = 8;
    CHECK(CubinSm(elf).status().code() == Code::kInvalidImage);
  }
}

TEST_CASE("ParseCubin: rejects what is not a CUDA ELF", "[image]") {
  auto bytes = LoadFixture("params_sm80.cubin");
  SECTION("wrong machine") {
    bytes[18] = 62;  // EM_X86_64
    CHECK(ParseCubin(bytes).status().code() == Code::kInvalidImage);
  }
  SECTION("32-bit") {
    bytes[4] = 1;
    CHECK(ParseCubin(bytes).status().code() == Code::kNotSupported);
  }
  SECTION("section table past the end") {
    bytes.resize(bytes.size() - 300);
    CHECK(ParseCubin(bytes).status().code() == Code::kInvalidImage);
  }
  SECTION("not an ELF") {
    CHECK_FALSE(ParseCubin(AsBytes("hello")).ok());
  }
}

}  // namespace
}  // namespace vgpu::image

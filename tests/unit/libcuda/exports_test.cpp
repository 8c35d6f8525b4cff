// libcuda.so.1 exports exactly the api.def names, which are exactly the
// names of CUDA 13.0's stub libcuda.so, and nothing else.
#include <elf.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <tuple>

#include "tests/unit/libcuda/api_test_support.h"

namespace vgpu::cu::testing {
namespace {

std::set<std::string> ApiDefNames() {
  std::set<std::string> names;
  for (const Row& row : Rows()) names.insert(row.name);
  return names;
}

// Defined dynamic symbols, minus the version-definition symbol that a
// version script with a named node adds (ABS, named after the node).
std::set<std::string> ExportedNames(const ElfExports& elf) {
  std::set<std::string> names;
  for (const auto& sym : elf.defined) {
    if (sym.absolute && sym.name == "libcuda.so.1") continue;
    names.insert(sym.name);
  }
  return names;
}

std::string Difference(const std::set<std::string>& a, const std::set<std::string>& b) {
  std::string out;
  for (const auto& name : a) {
    if (!b.count(name)) out += name + " ";
  }
  return out;
}

TEST_CASE("api.def has one row per name and one per (base, since, flavor)", "[driver]") {
  CHECK(Rows().size() == 637);
  CHECK(ApiDefNames().size() == Rows().size());
  std::set<std::tuple<std::string, int, std::string>> keys;
  for (const Row& row : Rows()) {
    INFO(row.name);
    CHECK(keys.emplace(row.base, row.since, row.flavor).second);
    CHECK(std::string(row.name).rfind(row.base, 0) == 0);
  }
}

TEST_CASE("libcuda.so.1 has SONAME libcuda.so.1 and exports exactly api.def", "[driver]") {
  ElfExports elf = ReadElfExports(VGPU_LIBCUDA_PATH);
  REQUIRE(elf.ok);
  CHECK(elf.soname == "libcuda.so.1");
  std::set<std::string> exported = ExportedNames(elf);
  std::set<std::string> declared = ApiDefNames();
  INFO("exported, not in api.def: " << Difference(exported, declared));
  INFO("in api.def, not exported: " << Difference(declared, exported));
  CHECK(exported == declared);
  for (const auto& sym : elf.defined) {
    if (sym.absolute) continue;
    INFO(sym.name);
    CHECK(sym.type == STT_FUNC);
    CHECK(sym.binding == STB_GLOBAL);
    CHECK(sym.name.rfind("_Z", 0) != 0);  // no C++ symbol leaks
  }
}

TEST_CASE("libcuda.so.1 exports the same names as CUDA's stub libcuda.so", "[driver]") {
  if (access(VGPU_CUDA_STUB, R_OK) != 0) {
    WARN("no CUDA toolkit stub at " VGPU_CUDA_STUB "; comparison skipped");
    return;
  }
  ElfExports stub = ReadElfExports(VGPU_CUDA_STUB);
  REQUIRE(stub.ok);
  std::set<std::string> theirs;
  for (const auto& sym : stub.defined) {
    if (sym.type == STT_FUNC && sym.binding == STB_GLOBAL) theirs.insert(sym.name);
  }
  CHECK(theirs.size() == 637);
  ElfExports ours_elf = ReadElfExports(VGPU_LIBCUDA_PATH);
  REQUIRE(ours_elf.ok);
  std::set<std::string> ours = ExportedNames(ours_elf);
  INFO("stub only: " << Difference(theirs, ours));
  INFO("vgpu only: " << Difference(ours, theirs));
  CHECK(ours == theirs);
}

}  // namespace
}  // namespace vgpu::cu::testing

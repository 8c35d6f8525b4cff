// libcuda.so.1 exports exactly the api.def names (those of CUDA 13.0's stub
// libcuda.so) plus the interop.def names (graphics interop, which the real
// driver exports and the stub does not), and nothing else.
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

std::set<std::string> InteropNames() {
  std::set<std::string> names;
  for (const Row& row : InteropRows()) names.insert(row.name);
  return names;
}

std::set<std::string> AllDeclaredNames() {
  std::set<std::string> names = ApiDefNames();
  for (const auto& name : InteropNames()) names.insert(name);
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

TEST_CASE("interop.def lists the 35 interop names, none of them in api.def", "[driver]") {
  CHECK(InteropRows().size() == 35);
  CHECK(InteropNames().size() == InteropRows().size());
  std::set<std::string> api = ApiDefNames();
  for (const Row& row : InteropRows()) {
    INFO(row.name);
    CHECK(api.count(row.name) == 0);
    CHECK(std::string(row.name).rfind(row.base, 0) == 0);
  }
  // The names loaders ask for (issue 13): cudaGL.h maps cuGLGetDevices to _v2.
  for (const char* name : {"cuGLGetDevices_v2", "cuGraphicsGLRegisterImage", "cuGraphicsGLRegisterBuffer",
                           "cuGLCtxCreate_v2", "cuGLMapBufferObject_v2_ptds", "cuEGLStreamConsumerConnect",
                           "cuGraphicsEGLRegisterImage", "cuVDPAUGetDevice", "cuVDPAUCtxCreate_v2",
                           "cuGraphicsVDPAURegisterVideoSurface"}) {
    INFO(name);
    CHECK(InteropNames().count(name) == 1);
  }
}

TEST_CASE("interop functions return CUDA_ERROR_NOT_SUPPORTED", "[driver]") {
  using GLGetDevices = CUresult (*)(unsigned int*, CUdevice*, unsigned int, int);
  unsigned int count = 7;
  CUdevice devices[1] = {};
  CHECK(Function<GLGetDevices>("cuGLGetDevices_v2")(&count, devices, 1, 1) == CUDA_ERROR_NOT_SUPPORTED);
  using GraphicsGLRegisterBuffer = CUresult (*)(CUgraphicsResource*, unsigned int, unsigned int);
  CUgraphicsResource resource = nullptr;
  CHECK(Function<GraphicsGLRegisterBuffer>("cuGraphicsGLRegisterBuffer")(&resource, 1, 0) ==
        CUDA_ERROR_NOT_SUPPORTED);
  using NoArgs = CUresult (*)();
  CHECK(Function<NoArgs>("cuGLInit")() == CUDA_ERROR_NOT_SUPPORTED);
  // The cuda.h interop entry points behave the same.
  using Unregister = CUresult (*)(CUgraphicsResource);
  CHECK(Function<Unregister>("cuGraphicsUnregisterResource")(nullptr) == CUDA_ERROR_NOT_SUPPORTED);
}

TEST_CASE("libcuda.so.1 has SONAME libcuda.so.1 and exports exactly api.def", "[driver]") {
  ElfExports elf = ReadElfExports(VGPU_LIBCUDA_PATH);
  REQUIRE(elf.ok);
  CHECK(elf.soname == "libcuda.so.1");
  std::set<std::string> exported = ExportedNames(elf);
  std::set<std::string> declared = AllDeclaredNames();
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
  for (const auto& name : InteropNames()) {
    INFO(name);
    CHECK(theirs.count(name) == 0);
    CHECK(ours.erase(name) == 1);
  }
  INFO("stub only: " << Difference(theirs, ours));
  INFO("vgpu only: " << Difference(ours, theirs));
  CHECK(ours == theirs);
}

}  // namespace
}  // namespace vgpu::cu::testing

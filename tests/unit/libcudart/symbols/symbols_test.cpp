// libcudart.so.12/.13 as a dynamic linker sees them: ggml's imports bind with
// RTLD_NOW and the right version node, every export of the table is there
// with @@libcudart.so.NN, nothing else (no C++) leaks, and the library loads
// and answers basic calls without a server.
#include <dlfcn.h>

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace {

struct Abi {
  int version;
  const char* cudart;
  const char* imports;
};

const Abi kAbis[] = {{12, VGPU_CUDART12_PATH, VGPU_IMPORTS12_PATH}, {13, VGPU_CUDART13_PATH, VGPU_IMPORTS13_PATH}};

std::string Node(int abi) { return "libcudart.so." + std::to_string(abi); }

std::vector<std::string> GgmlImports(int abi) {
  std::vector<std::string> out;
#define VGPU_IMPORT_ALL(name) out.push_back(#name);
#define VGPU_IMPORT_12(name) if (abi == 12) out.push_back(#name);
#define VGPU_IMPORT_13(name) if (abi == 13) out.push_back(#name);
#include "ggml_imports.def"
#undef VGPU_IMPORT_ALL
#undef VGPU_IMPORT_12
#undef VGPU_IMPORT_13
  return out;
}

// Names the table exports for one ABI.
std::set<std::string> TableNames(int abi) {
  std::ifstream in(VGPU_API_DEF_PATH);
  std::stringstream text;
  text << in.rdbuf();
  std::set<std::string> out;
  std::regex row(R"(^VGPU_RT\(\w+, \w+, (\w+), [^,]*, \w+, (\w+),)");
  std::string line;
  while (std::getline(text, line)) {
    std::smatch m;
    if (!std::regex_search(line, m, row)) continue;
    std::string which = m[1];
    if (which == "ALL" || which == "R" + std::to_string(abi)) out.insert(m[2]);
  }
  return out;
}

// `nm -D --defined-only` lines as (name, version suffix), e.g. ("cudaMalloc", "@@libcudart.so.12").
std::vector<std::pair<std::string, std::string>> DynamicSymbols(const char* path) {
  std::vector<std::pair<std::string, std::string>> out;
  std::string cmd = std::string("nm -D --defined-only ") + path;
  FILE* pipe = popen(cmd.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buf[1024];
  while (std::fgets(buf, sizeof(buf), pipe)) {
    std::istringstream line(buf);
    std::string addr, type, sym;
    line >> addr >> type >> sym;
    if (sym.empty()) continue;
    auto at = sym.find('@');
    out.emplace_back(sym.substr(0, at), at == std::string::npos ? "" : sym.substr(at));
  }
  REQUIRE(pclose(pipe) == 0);
  return out;
}

TEST_CASE("ggml's imports bind with RTLD_NOW and the right version", "[symbols]") {
  for (const Abi& abi : kAbis) {
    INFO("libcudart.so." << abi.version);
    void* imports = dlopen(abi.imports, RTLD_NOW | RTLD_LOCAL);
    INFO((imports ? "" : dlerror()));
    REQUIRE(imports != nullptr);
    void* cudart = dlopen(abi.cudart, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
    REQUIRE(cudart != nullptr);  // loaded as the imports library's dependency
    for (const std::string& name : GgmlImports(abi.version)) {
      INFO(name);
      CHECK(dlvsym(cudart, name.c_str(), Node(abi.version).c_str()) != nullptr);
    }
    dlclose(cudart);
    dlclose(imports);
  }
}

TEST_CASE("exports are exactly the table's, versioned, with no C++ names", "[symbols]") {
  for (const Abi& abi : kAbis) {
    INFO("libcudart.so." << abi.version);
    std::set<std::string> expected = TableNames(abi.version);
    REQUIRE(expected.size() > 350);
    std::set<std::string> exported;
    for (const auto& [name, version] : DynamicSymbols(abi.cudart)) {
      if (name == Node(abi.version)) continue;  // the version definition itself
      INFO(name << version);
      CHECK(version == "@@" + Node(abi.version));
      CHECK(name.rfind("_Z", 0) != 0);
      exported.insert(name);
    }
    CHECK(exported == expected);
  }
}

TEST_CASE("the 12.x ABI keeps old names and adds _vN; 13 has none of them", "[symbols]") {
  std::set<std::string> r12 = TableNames(12), r13 = TableNames(13);
  for (const char* name : {"cudaGetDeviceProperties_v2", "cudaStreamGetCaptureInfo_v2", "cudaStreamGetCaptureInfo_v3",
                           "cudaMemAdvise_v2", "cudaMemPrefetchAsync_v2", "cudaGraphGetEdges_v2", "cudaGraphAddNode_v2",
                           "cudaEventElapsedTime_v2", "cudaSignalExternalSemaphoresAsync_v2",
                           "cudaThreadSynchronize", "cudaThreadExit", "cudaThreadSetLimit",
                           "cudaLaunchCooperativeKernelMultiDevice"}) {
    INFO(name);
    CHECK(r12.count(name) == 1);
    CHECK(r13.count(name) == 0);
  }
  for (const char* name : {"__cudaGetKernel", "__cudaLaunchKernel", "cudaLogsCurrent", "cudaMemGetDefaultMemPool",
                           "cudaDeviceGetHostAtomicCapabilities"}) {
    INFO(name);
    CHECK(r12.count(name) == 0);
    CHECK(r13.count(name) == 1);
  }
  for (const char* name : {"cudaMalloc", "cudaGetDeviceProperties", "cudaMemAdvise", "cudaLaunchKernel_ptsz",
                           "cudaMemcpy_ptds", "cudaStreamGetCaptureInfo"}) {
    INFO(name);
    CHECK(r12.count(name) == 1);
    CHECK(r13.count(name) == 1);
  }
}

TEST_CASE("libcudart.so.13 covers NVIDIA's exports except graphics interop", "[symbols]") {
  std::ifstream real(VGPU_REAL_CUDART13_PATH);
  if (!real.good()) {
    WARN("no real libcudart.so.13 to compare with");
    return;
  }
  std::set<std::string> ours = TableNames(13);
  std::regex interop("GL|EGL|Egl|VDPAU");
  for (const auto& [name, version] : DynamicSymbols(VGPU_REAL_CUDART13_PATH)) {
    if (name == "libcudart.so.13" || std::regex_search(name, interop)) continue;
    INFO(name);
    CHECK(ours.count(name) == 1);
  }
}

TEST_CASE("the library answers local calls with no driver behind it", "[symbols]") {
  for (const Abi& abi : kAbis) {
    INFO("libcudart.so." << abi.version);
    void* cudart = dlopen(abi.cudart, RTLD_NOW | RTLD_LOCAL);
    REQUIRE(cudart != nullptr);
    using IntFn = int (*)(int*);
    auto runtime_version = reinterpret_cast<IntFn>(dlsym(cudart, "cudaRuntimeGetVersion"));
    auto device_count = reinterpret_cast<IntFn>(dlsym(cudart, "cudaGetDeviceCount"));
    auto get_last = reinterpret_cast<int (*)()>(dlsym(cudart, "cudaGetLastError"));
    auto error_name = reinterpret_cast<const char* (*)(int)>(dlsym(cudart, "cudaGetErrorName"));
    auto not_supported = reinterpret_cast<int (*)(void*, void*)>(dlsym(cudart, "cudaGraphKernelNodeGetParams"));
    REQUIRE((runtime_version && device_count && get_last && error_name && not_supported));
    int version = 0;
    CHECK(runtime_version(&version) == 0);
    CHECK(version == (abi.version == 12 ? 12080 : 13000));
    // The toolkit stub (or a libcuda with no server) fails cuInit: an error,
    // never a crash, and no devices.
    int count = -1;
    int err = device_count(&count);
    if (err != 0) {
      CHECK(count == 0);
      CHECK(get_last() == err);
      CHECK(get_last() == 0);
    }
    CHECK(std::string(error_name(801)) == "cudaErrorNotSupported");
    CHECK(not_supported(nullptr, nullptr) == 801);
    CHECK(get_last() == 801);
    dlclose(cudart);
  }
}

}  // namespace

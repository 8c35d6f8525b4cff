// libcublas.so.12/.13 and libcublasLt.so.12/.13 as a dynamic linker sees them:
// ggml's imports bind with RTLD_NOW and the right version node (also checked
// against real libggml-cuda.so builds when they are on this machine), the
// exports are exactly the tables' with @@<soname>, no C++ leaks, and the local
// calls answer without a server.
#include <cublas_api.h>
#include <cublasLt.h>
#include <dlfcn.h>

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Abi {
  int version;
  const char* cublas;
  const char* cublaslt;
  const char* imports;
};

const Abi kAbis[] = {{12, VGPU_CUBLAS12_PATH, VGPU_CUBLASLT12_PATH, VGPU_IMPORTS12_PATH},
                     {13, VGPU_CUBLAS13_PATH, VGPU_CUBLASLT13_PATH, VGPU_IMPORTS13_PATH}};

std::vector<std::string> GgmlImports() {
  std::vector<std::string> out;
#define VGPU_IMPORT(name) out.push_back(#name);
#include "ggml_imports.def"
#undef VGPU_IMPORT
  return out;
}

std::set<std::string> TableNames(const char* path, const char* macro) {
  std::ifstream in(path);
  std::string line;
  std::set<std::string> out;
  std::regex row(std::string("^") + macro + R"(\(\w+, [^,]*, (\w+),)");
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_search(line, m, row)) out.insert(m[1]);
  }
  return out;
}

std::vector<std::string> Lines(const std::string& cmd) {
  std::vector<std::string> out;
  FILE* pipe = popen(cmd.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buf[1024];
  while (std::fgets(buf, sizeof(buf), pipe)) out.emplace_back(buf);
  pclose(pipe);
  return out;
}

std::vector<std::pair<std::string, std::string>> DynamicSymbols(const char* path) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& l : Lines(std::string("nm -D --defined-only ") + path)) {
    std::istringstream line(l);
    std::string addr, type, sym;
    line >> addr >> type >> sym;
    if (sym.empty()) continue;
    auto at = sym.find('@');
    out.emplace_back(sym.substr(0, at), at == std::string::npos ? "" : sym.substr(at));
  }
  return out;
}

void CheckExports(const char* lib, const std::string& node, const std::set<std::string>& expected) {
  INFO(lib);
  std::set<std::string> exported;
  for (const auto& [name, version] : DynamicSymbols(lib)) {
    if (name == node) continue;
    INFO(name << version);
    CHECK(version == "@@" + node);
    CHECK(name.rfind("_Z", 0) != 0);
    exported.insert(name);
  }
  CHECK(exported == expected);
}

}  // namespace

TEST_CASE("exports are exactly the tables', versioned, with no C++ names", "[symbols]") {
  std::set<std::string> blas = TableNames(VGPU_API_DEF_PATH, "VGPU_BLAS");
  std::set<std::string> lt = TableNames(VGPU_LT_API_DEF_PATH, "VGPU_BLASLT");
  REQUIRE(blas.size() > 500);
  REQUIRE(lt.size() > 40);
  for (const Abi& abi : kAbis) {
    CheckExports(abi.cublas, "libcublas.so." + std::to_string(abi.version), blas);
    CheckExports(abi.cublaslt, "libcublasLt.so." + std::to_string(abi.version), lt);
  }
}

TEST_CASE("ggml's cuBLAS imports bind with RTLD_NOW and the right version", "[symbols]") {
  for (const Abi& abi : kAbis) {
    std::string node = "libcublas.so." + std::to_string(abi.version);
    INFO(node);
    void* imports = dlopen(abi.imports, RTLD_NOW | RTLD_LOCAL);
    INFO((imports ? "" : dlerror()));
    REQUIRE(imports != nullptr);
    void* blas = dlopen(abi.cublas, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
    REQUIRE(blas != nullptr);
    for (const std::string& name : GgmlImports()) {
      INFO(name);
      CHECK(dlvsym(blas, name.c_str(), node.c_str()) != nullptr);
    }
    dlclose(blas);
    dlclose(imports);
  }
}

// Real ggml builds, when present (never committed): every cuBLAS/cuBLASLt
// import, with the version it asks for, is defined by ours.
TEST_CASE("real libggml-cuda.so builds find every cuBLAS import", "[symbols]") {
  const std::pair<const char*, int> kGgml[] = {
      {"/tmp/npm/node-llama-cpp-linux-x64-cuda-3.22.1/package/bins/linux-x64-cuda/libggml-cuda.so", 13},
      {"/tmp/npm/node-llama-cpp-linux-x64-cuda-ext-3.22.1/package/bins/linux-x64-cuda/fallback/libggml-cuda.so", 12}};
  int checked = 0;
  for (const auto& [path, version] : kGgml) {
    if (!std::ifstream(path).good()) continue;
    INFO(path);
    const Abi& abi = kAbis[version == 12 ? 0 : 1];
    std::map<std::string, std::set<std::string>> ours;
    for (const char* lib : {abi.cublas, abi.cublaslt}) {
      for (const auto& [name, v] : DynamicSymbols(lib)) {
        if (v.rfind("@@", 0) == 0) ours[v.substr(2)].insert(name);
      }
    }
    // objdump -T: "... *UND* ... (libcublas.so.13) cublasGemmEx"
    std::regex und(R"(\*UND\*.*\((libcublas(Lt)?\.so\.\d+)\)\s+(\S+))");
    int imports = 0;
    for (const std::string& line : Lines(std::string("objdump -T ") + path)) {
      std::smatch m;
      if (!std::regex_search(line, m, und)) continue;
      INFO(m[3] << "@" << m[1]);
      CHECK(ours[m[1]].count(m[3]) == 1);
      ++imports;
    }
    CHECK(imports > 0);
    ++checked;
  }
  if (checked == 0) WARN("no real libggml-cuda.so on this machine; skipped");
}

TEST_CASE("handle state is answered locally, with no server", "[symbols]") {
  for (const Abi& abi : kAbis) {
    INFO(abi.cublas);
    void* lib = dlopen(abi.cublas, RTLD_NOW | RTLD_LOCAL);
    REQUIRE(lib != nullptr);
#define SYM(name) reinterpret_cast<decltype(&name)>(dlsym(lib, #name))
    auto create = SYM(cublasCreate_v2);
    auto destroy = SYM(cublasDestroy_v2);
    auto set_stream = SYM(cublasSetStream_v2);
    auto get_stream = SYM(cublasGetStream_v2);
    auto set_math = SYM(cublasSetMathMode);
    auto get_math = SYM(cublasGetMathMode);
    auto set_ptr = SYM(cublasSetPointerMode_v2);
    auto get_ptr = SYM(cublasGetPointerMode_v2);
    auto set_ws = SYM(cublasSetWorkspace_v2);
    auto version = SYM(cublasGetVersion_v2);
    auto property = SYM(cublasGetProperty);
    auto name = SYM(cublasGetStatusName);
    auto string = SYM(cublasGetStatusString);
    auto gemm = SYM(cublasSgemm_v2);
    auto dot = SYM(cublasSdot_v2);
    auto rot = SYM(cublasSrot_v2);

    cublasHandle_t h = nullptr;
    REQUIRE(create(&h) == CUBLAS_STATUS_SUCCESS);
    REQUIRE(h != nullptr);
    cublasHandle_t h2 = nullptr;
    REQUIRE(create(&h2) == CUBLAS_STATUS_SUCCESS);
    CHECK(h2 != h);
    auto* stream = reinterpret_cast<cudaStream_t>(0x1234);
    CHECK(set_stream(h, stream) == CUBLAS_STATUS_SUCCESS);
    cudaStream_t got = nullptr;
    CHECK(get_stream(h, &got) == CUBLAS_STATUS_SUCCESS);
    CHECK(got == stream);
    CHECK(set_math(h, CUBLAS_TF32_TENSOR_OP_MATH) == CUBLAS_STATUS_SUCCESS);
    cublasMath_t math = CUBLAS_DEFAULT_MATH;
    CHECK(get_math(h, &math) == CUBLAS_STATUS_SUCCESS);
    CHECK(math == CUBLAS_TF32_TENSOR_OP_MATH);
    cublasPointerMode_t mode = CUBLAS_POINTER_MODE_DEVICE;
    CHECK(get_ptr(h, &mode) == CUBLAS_STATUS_SUCCESS);
    CHECK(mode == CUBLAS_POINTER_MODE_HOST);
    CHECK(set_ptr(h, CUBLAS_POINTER_MODE_DEVICE) == CUBLAS_STATUS_SUCCESS);
    CHECK(get_ptr(h, &mode) == CUBLAS_STATUS_SUCCESS);
    CHECK(mode == CUBLAS_POINTER_MODE_DEVICE);
    CHECK(set_ws(h, reinterpret_cast<void*>(0x1000), 4096) == CUBLAS_STATUS_SUCCESS);
    CHECK(set_ws(h, nullptr, 16) == CUBLAS_STATUS_INVALID_VALUE);
    int v = 0;
    CHECK(version(h, &v) == CUBLAS_STATUS_SUCCESS);
    CHECK(v / 10000 == abi.version);
    int major = 0;
    CHECK(property(MAJOR_VERSION, &major) == CUBLAS_STATUS_SUCCESS);
    CHECK(major == abi.version);
    CHECK(std::string(name(CUBLAS_STATUS_NOT_SUPPORTED)) == "CUBLAS_STATUS_NOT_SUPPORTED");
    CHECK(std::string(string(CUBLAS_STATUS_SUCCESS)) == "success");

    // Checked locally, before anything is sent: bad shapes and type combinations.
    float one = 1.0f;
    CHECK(gemm(h, CUBLAS_OP_N, CUBLAS_OP_N, 4, 1, 1, &one, nullptr, 1, nullptr, 1, &one, nullptr, 4) ==
          CUBLAS_STATUS_INVALID_VALUE);
    CHECK(gemm(h, static_cast<cublasOperation_t>(7), CUBLAS_OP_N, 1, 1, 1, &one, nullptr, 1, nullptr, 1, &one, nullptr,
               1) == CUBLAS_STATUS_INVALID_VALUE);
    using GemmExFn = cublasStatus_t (*)(cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int, int, const void*,
                                        const void*, cudaDataType, int, const void*, cudaDataType, int, const void*,
                                        void*, cudaDataType, int, cublasComputeType_t, cublasGemmAlgo_t);
    auto gemm_ex = reinterpret_cast<GemmExFn>(dlsym(lib, "cublasGemmEx"));
    CHECK(gemm_ex(h, CUBLAS_OP_N, CUBLAS_OP_N, 1, 1, 1, &one, nullptr, CUDA_R_16F, 1, nullptr, CUDA_R_16F, 1, &one,
                  nullptr, CUDA_R_32F, 1, CUBLAS_COMPUTE_16F, CUBLAS_GEMM_DEFAULT) == CUBLAS_STATUS_NOT_SUPPORTED);
    // Empty products are done without the server.
    CHECK(gemm(h, CUBLAS_OP_N, CUBLAS_OP_N, 0, 1, 1, &one, nullptr, 1, nullptr, 1, &one, nullptr, 1) ==
          CUBLAS_STATUS_SUCCESS);
    // Not forwarded yet: a clear status, never a crash.
    float r = 0;
    CHECK(rot(h, 1, nullptr, 1, nullptr, 1, &r, &r) == CUBLAS_STATUS_NOT_SUPPORTED);
    // Checked locally before anything is sent: a null result, and n <= 0 (a zero result).
    CHECK(dot(h, 1, nullptr, 1, nullptr, 1, nullptr) == CUBLAS_STATUS_INVALID_VALUE);
    CHECK(set_ptr(h, CUBLAS_POINTER_MODE_HOST) == CUBLAS_STATUS_SUCCESS);
    r = 3;
    CHECK(dot(h, 0, nullptr, 1, nullptr, 1, &r) == CUBLAS_STATUS_SUCCESS);
    CHECK(r == 0);

    // Bad handles.
    CHECK(destroy(h) == CUBLAS_STATUS_SUCCESS);
    CHECK(destroy(h) == CUBLAS_STATUS_NOT_INITIALIZED);
    CHECK(set_stream(h, stream) == CUBLAS_STATUS_NOT_INITIALIZED);
    CHECK(set_math(reinterpret_cast<cublasHandle_t>(&v), CUBLAS_DEFAULT_MATH) == CUBLAS_STATUS_NOT_INITIALIZED);
    CHECK(destroy(nullptr) == CUBLAS_STATUS_NOT_INITIALIZED);
    CHECK(create(nullptr) == CUBLAS_STATUS_INVALID_VALUE);
    CHECK(destroy(h2) == CUBLAS_STATUS_SUCCESS);
#undef SYM
    dlclose(lib);
  }
}

TEST_CASE("libcublasLt answers create, destroy and versions", "[symbols]") {
  for (const Abi& abi : kAbis) {
    INFO(abi.cublaslt);
    void* lib = dlopen(abi.cublaslt, RTLD_NOW | RTLD_LOCAL);
    REQUIRE(lib != nullptr);
    auto create = reinterpret_cast<decltype(&cublasLtCreate)>(dlsym(lib, "cublasLtCreate"));
    auto destroy = reinterpret_cast<decltype(&cublasLtDestroy)>(dlsym(lib, "cublasLtDestroy"));
    auto version = reinterpret_cast<decltype(&cublasLtGetVersion)>(dlsym(lib, "cublasLtGetVersion"));
    auto matmul = reinterpret_cast<decltype(&cublasLtMatmulDescCreate)>(dlsym(lib, "cublasLtMatmulDescCreate"));
    cublasLtHandle_t h = nullptr;
    REQUIRE(create(&h) == CUBLAS_STATUS_SUCCESS);
    CHECK(version() / 10000 == static_cast<size_t>(abi.version));
    cublasLtMatmulDesc_t desc = nullptr;
    CHECK(matmul(&desc, CUBLAS_COMPUTE_32F, CUDA_R_32F) == CUBLAS_STATUS_NOT_SUPPORTED);
    CHECK(destroy(h) == CUBLAS_STATUS_SUCCESS);
    dlclose(lib);
  }
}

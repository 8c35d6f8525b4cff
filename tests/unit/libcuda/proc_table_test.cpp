// cuGetProcAddress / cuGetProcAddress_v2 resolution through the dlopen'ed
// library, checked against dlsym of the expected exported name
// (cuda-abi.md 1.2 worked examples, and every api.def row).
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/unit/libcuda/api_test_support.h"

namespace vgpu::cu::testing {
namespace {

using GetProcV2 = CUresult (*)(const char*, void**, int, cuuint64_t, CUdriverProcAddressQueryResult*);
using GetProcV1 = CUresult (*)(const char*, void**, int, cuuint64_t);

constexpr cuuint64_t kDefault = CU_GET_PROC_ADDRESS_DEFAULT;
constexpr cuuint64_t kLegacy = CU_GET_PROC_ADDRESS_LEGACY_STREAM;
constexpr cuuint64_t kPerThread = CU_GET_PROC_ADDRESS_PER_THREAD_DEFAULT_STREAM;

struct Resolved {
  CUresult result;
  void* fn;
  CUdriverProcAddressQueryResult status;
};

Resolved Resolve(const char* symbol, int version, cuuint64_t flags) {
  auto get = Function<GetProcV2>("cuGetProcAddress_v2");
  Resolved r{CUDA_ERROR_UNKNOWN, reinterpret_cast<void*>(0x1), static_cast<CUdriverProcAddressQueryResult>(-1)};
  r.result = get(symbol, &r.fn, version, flags, &r.status);
  return r;
}

void ExpectResolves(const char* symbol, int version, cuuint64_t flags, const char* expected) {
  INFO(symbol << " @" << version << " flags " << flags << " -> " << expected);
  Resolved r = Resolve(symbol, version, flags);
  CHECK(r.result == CUDA_SUCCESS);
  CHECK(r.status == CU_GET_PROC_ADDRESS_SUCCESS);
  CHECK(r.fn == Symbol(expected));
  // v1 agrees with v2.
  void* v1_fn = nullptr;
  CHECK(Function<GetProcV1>("cuGetProcAddress")(symbol, &v1_fn, version, flags) == CUDA_SUCCESS);
  CHECK(v1_fn == r.fn);
}

TEST_CASE("cuGetProcAddress worked examples", "[driver]") {
  for (cuuint64_t flags : {kDefault, kLegacy}) {
    ExpectResolves("cuCtxCreate", 2000, flags, "cuCtxCreate");
    ExpectResolves("cuCtxCreate", 3020, flags, "cuCtxCreate_v2");
    ExpectResolves("cuCtxCreate", 11040, flags, "cuCtxCreate_v3");
    ExpectResolves("cuCtxCreate", 12050, flags, "cuCtxCreate_v4");
    ExpectResolves("cuCtxCreate", 13000, flags, "cuCtxCreate_v4");
    ExpectResolves("cuMemAlloc", 2000, flags, "cuMemAlloc");
    ExpectResolves("cuMemAlloc", 3020, flags, "cuMemAlloc_v2");
    ExpectResolves("cuMemcpyHtoD", 7000, flags, "cuMemcpyHtoD_v2");
  }
  ExpectResolves("cuMemcpyHtoD", 7000, kPerThread, "cuMemcpyHtoD_v2_ptds");
  ExpectResolves("cuMemcpyHtoD", 13000, kPerThread, "cuMemcpyHtoD_v2_ptds");
  ExpectResolves("cuLaunchKernel", 4000, kDefault, "cuLaunchKernel");
  ExpectResolves("cuLaunchKernel", 7000, kPerThread, "cuLaunchKernel_ptsz");
  ExpectResolves("cuStreamGetCaptureInfo", 10010, kDefault, "cuStreamGetCaptureInfo");
  ExpectResolves("cuStreamGetCaptureInfo", 11030, kDefault, "cuStreamGetCaptureInfo_v2");
  ExpectResolves("cuStreamGetCaptureInfo", 12030, kDefault, "cuStreamGetCaptureInfo_v3");
  ExpectResolves("cuStreamGetCaptureInfo", 11030, kPerThread, "cuStreamGetCaptureInfo_v2_ptsz");
  ExpectResolves("cuCtxSynchronize", 2000, kDefault, "cuCtxSynchronize");
  ExpectResolves("cuCtxSynchronize", 13000, kDefault, "cuCtxSynchronize_v2");
  ExpectResolves("cuMemAdvise", 8000, kDefault, "cuMemAdvise");
  ExpectResolves("cuMemAdvise", 12020, kDefault, "cuMemAdvise_v2");
  // A base with no per-thread variant: flags 2 falls back to the legacy one.
  ExpectResolves("cuMemAlloc", 3020, kPerThread, "cuMemAlloc_v2");
  ExpectResolves("cuInit", 2000, kPerThread, "cuInit");
}

TEST_CASE("cuGetProcAddress resolves its own name by version", "[driver]") {
  ExpectResolves("cuGetProcAddress", 11030, kDefault, "cuGetProcAddress");
  ExpectResolves("cuGetProcAddress", 11080, kDefault, "cuGetProcAddress");
  ExpectResolves("cuGetProcAddress", 12000, kDefault, "cuGetProcAddress_v2");
  ExpectResolves("cuGetProcAddress", 13000, kDefault, "cuGetProcAddress_v2");
}

TEST_CASE("cuGetProcAddress reports unknown names and too-old versions", "[driver]") {
  Resolved unknown = Resolve("cuNoSuchFunction", 13000, kDefault);
  CHECK(unknown.result == CUDA_ERROR_NOT_FOUND);
  CHECK(unknown.status == CU_GET_PROC_ADDRESS_SYMBOL_NOT_FOUND);
  CHECK(unknown.fn == nullptr);

  // Versioned names are not base names.
  CHECK(Resolve("cuMemAlloc_v2", 13000, kDefault).status == CU_GET_PROC_ADDRESS_SYMBOL_NOT_FOUND);

  Resolved too_old = Resolve("cuCtxCreate", 1000, kDefault);
  CHECK(too_old.result == CUDA_ERROR_NOT_FOUND);
  CHECK(too_old.status == CU_GET_PROC_ADDRESS_VERSION_NOT_SUFFICIENT);
  CHECK(too_old.fn == nullptr);
  CHECK(Resolve("cuLibraryLoadData", 11080, kDefault).status == CU_GET_PROC_ADDRESS_VERSION_NOT_SUFFICIENT);
  // The base has per-thread variants, none as old as 3020.
  CHECK(Resolve("cuMemcpyHtoD", 3020, kPerThread).status == CU_GET_PROC_ADDRESS_VERSION_NOT_SUFFICIENT);

  // cudart's probe before cuInit.
  Resolved probe = Resolve("", 0, kDefault);
  CHECK(probe.result == CUDA_ERROR_NOT_FOUND);
  CHECK(probe.status == CU_GET_PROC_ADDRESS_SYMBOL_NOT_FOUND);
  CHECK(probe.fn == nullptr);

  void* fn = nullptr;
  auto v1 = Function<GetProcV1>("cuGetProcAddress");
  CHECK(v1("cuNoSuchFunction", &fn, 13000, kDefault) == CUDA_ERROR_NOT_FOUND);
  CHECK(v1("cuCtxCreate", &fn, 1000, kDefault) == CUDA_ERROR_NOT_FOUND);
}

TEST_CASE("cuGetProcAddress rejects null arguments and unknown flags", "[driver]") {
  auto get = Function<GetProcV2>("cuGetProcAddress_v2");
  void* fn = nullptr;
  CUdriverProcAddressQueryResult status;
  CHECK(get(nullptr, &fn, 13000, kDefault, &status) == CUDA_ERROR_INVALID_VALUE);
  CHECK(get("cuInit", nullptr, 13000, kDefault, &status) == CUDA_ERROR_INVALID_VALUE);
  CHECK(get("cuInit", &fn, 13000, 4, &status) == CUDA_ERROR_INVALID_VALUE);
  CHECK(get("cuInit", &fn, 13000, kDefault, nullptr) == CUDA_SUCCESS);  // symbolStatus is optional
  CHECK(fn == Symbol("cuInit"));
  auto v1 = Function<GetProcV1>("cuGetProcAddress");
  CHECK(v1(nullptr, &fn, 13000, kDefault) == CUDA_ERROR_INVALID_VALUE);
  CHECK(v1("cuInit", nullptr, 13000, kDefault) == CUDA_ERROR_INVALID_VALUE);
}

TEST_CASE("cuGetProcAddress resolves the graphics-interop names", "[driver]") {
  ExpectResolves("cuGLGetDevices", 4010, kDefault, "cuGLGetDevices");
  ExpectResolves("cuGLGetDevices", 13000, kDefault, "cuGLGetDevices_v2");
  ExpectResolves("cuGLMapBufferObject", 13000, kDefault, "cuGLMapBufferObject_v2");
  ExpectResolves("cuGLMapBufferObject", 13000, kPerThread, "cuGLMapBufferObject_v2_ptds");
  ExpectResolves("cuGLMapBufferObjectAsync", 13000, kPerThread, "cuGLMapBufferObjectAsync_v2_ptsz");
  ExpectResolves("cuGraphicsGLRegisterImage", 13000, kDefault, "cuGraphicsGLRegisterImage");
  ExpectResolves("cuEGLStreamConsumerConnectWithFlags", 8000, kDefault, "cuEGLStreamConsumerConnectWithFlags");
  ExpectResolves("cuVDPAUCtxCreate", 13000, kDefault, "cuVDPAUCtxCreate_v2");
  ExpectResolves("cuGraphicsMapResources", 13000, kPerThread, "cuGraphicsMapResources_ptsz");
  CHECK(Resolve("cuEGLStreamConsumerConnectWithFlags", 7000, kDefault).status ==
        CU_GET_PROC_ADDRESS_VERSION_NOT_SUFFICIENT);
}

TEST_CASE("every api.def and interop.def row is what cuGetProcAddress returns at its own version", "[driver]") {
  std::vector<Row> rows = Rows();
  rows.insert(rows.end(), InteropRows().begin(), InteropRows().end());
  for (const Row& row : rows) {
    bool per_thread = std::string(row.flavor) != "def";
    Resolved r = Resolve(row.base, row.since, per_thread ? kPerThread : kLegacy);
    INFO(row.name << " = " << row.base << " @" << row.since << " " << row.flavor);
    CHECK(r.result == CUDA_SUCCESS);
    CHECK(r.fn == Symbol(row.name));
  }
}

}  // namespace
}  // namespace vgpu::cu::testing

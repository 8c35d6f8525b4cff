// The runtime end to end over a fake driver (fake_cuda.cpp): registration
// stays lazy, launches pack arguments with the reported layout, streams map
// to the driver's handles, copies are classified, the ABI's struct layouts
// are written. Built once per ABI (VGPU_RT_ABI), run with
// CUDA_VISIBLE_DEVICES=2,0 so runtime device 0 is driver device 2.
#include <cuda_runtime_api.h>

#include <catch2/catch.hpp>

#include <cstring>
#include <thread>
#include <vector>

#include "fake_cuda.h"

extern "C" {
void** __cudaRegisterFatBinary(void*);
void __cudaRegisterFatBinaryEnd(void**);
void __cudaRegisterFunction(void**, const char*, char*, const char*, int, uint3*, uint3*, dim3*, dim3*, int*);
void __cudaRegisterVar(void**, char*, char*, const char*, int, size_t, int, int);
unsigned __cudaPushCallConfiguration(dim3, dim3, size_t, struct CUstream_st*);
cudaError_t __cudaPopCallConfiguration(dim3*, dim3*, size_t*, void*);
// Per-thread variants, declared by the headers only in per-thread builds.
cudaError_t cudaLaunchKernel_ptsz(const void*, dim3, dim3, void**, size_t, cudaStream_t);
cudaError_t cudaMemcpy_ptds(void*, const void*, size_t, cudaMemcpyKind);
#if VGPU_RT_ABI == 12
cudaError_t cudaGetDeviceProperties_v2(void* prop, int device);
#else
cudaError_t __cudaGetKernel(cudaKernel_t*, const void*);
cudaError_t __cudaLaunchKernel_ptsz(cudaKernel_t, dim3, dim3, void**, size_t, cudaStream_t);
#endif
}

namespace {

struct Wrapper {
  unsigned magic = 0x466243B1;
  int version = 1;
  const void* data = nullptr;
  void* filename_or_fatbins = nullptr;
};
Wrapper g_wrapper;
void HostStubKern() {}
void HostStubNoParams() {}
char g_symbol_shadow[16];
void** g_handle = nullptr;

FakeCudaState& Fake() { return *fake_cuda_state(); }

void Register() {
  if (g_handle) return;
  g_handle = __cudaRegisterFatBinary(&g_wrapper);
  __cudaRegisterFunction(g_handle, reinterpret_cast<const char*>(&HostStubKern), const_cast<char*>("kern"), "kern",
                         -1, nullptr, nullptr, nullptr, nullptr, nullptr);
  __cudaRegisterFunction(g_handle, reinterpret_cast<const char*>(&HostStubNoParams), const_cast<char*>("noparams"),
                         "noparams", -1, nullptr, nullptr, nullptr, nullptr, nullptr);
  __cudaRegisterVar(g_handle, g_symbol_shadow, const_cast<char*>("gvar"), "gvar", 0, sizeof(g_symbol_shadow), 0, 0);
  __cudaRegisterFatBinaryEnd(g_handle);
}

struct S {
  char c;
  double d;
  int i;
};

// Arguments of kern(int, float*, S, char, double) and their packed image.
struct KernArgs {
  int a = 7;
  float* p = reinterpret_cast<float*>(0x1122334455667788);
  S s{'x', 2.5, -3};
  char c = 'q';
  double d = 6.25;
  void* args[5] = {&a, &p, &s, &c, &d};
  std::vector<unsigned char> Expected() const {
    std::vector<unsigned char> out(56, 0);
    std::memcpy(&out[0], &a, 4);
    std::memcpy(&out[8], &p, 8);
    std::memcpy(&out[16], &s, 24);
    std::memcpy(&out[40], &c, 1);
    std::memcpy(&out[48], &d, 8);
    return out;
  }
};

TEST_CASE("registration uploads nothing and does not initialize", "[registration]") {
  Register();
  CHECK(Fake().init_calls == 0);
  CHECK(Fake().module_loads == 0);
}

TEST_CASE("first launch loads the fatbin once and packs arguments", "[launch]") {
  Register();
  KernArgs k;
  REQUIRE(cudaLaunchKernel(reinterpret_cast<const void*>(&HostStubKern), dim3(2, 3), dim3(64), k.args, 128,
                           nullptr) == cudaSuccess);
  CHECK(Fake().init_calls == 1);
  CHECK(Fake().module_loads == 1);
  CHECK(Fake().last_image == &g_wrapper);
  REQUIRE(!Fake().launches.empty());
  const FakeLaunch& l = Fake().launches.back();
  CHECK(l.name == "kern");
  CHECK((l.grid[0] == 2 && l.grid[1] == 3 && l.grid[2] == 1 && l.block[0] == 64));
  CHECK(l.shared_mem == 128);
  CHECK(l.stream == nullptr);
  CHECK(!l.had_kernel_params);
  CHECK(l.args == k.Expected());
  // Runtime device 0 is driver device 2 (CUDA_VISIBLE_DEVICES=2,0).
  CHECK(l.context == reinterpret_cast<CUcontext>(uintptr_t{0x1000} + 2));

  REQUIRE(cudaLaunchKernel(reinterpret_cast<const void*>(&HostStubNoParams), dim3(1), dim3(1), nullptr, 0,
                           nullptr) == cudaSuccess);
  CHECK(Fake().module_loads == 1);
  CHECK(Fake().launches.back().args.empty());
}

TEST_CASE("nvcc's launch sequence through push/pop", "[launch]") {
  Register();
  KernArgs k;
  cudaStream_t stream;
  REQUIRE(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking) == cudaSuccess);
  __cudaPushCallConfiguration(dim3(5), dim3(32), 0, reinterpret_cast<CUstream_st*>(stream));
  dim3 grid, block;
  size_t shmem;
  cudaStream_t popped;
  REQUIRE(__cudaPopCallConfiguration(&grid, &block, &shmem, &popped) == cudaSuccess);
#if VGPU_RT_ABI == 13
  cudaKernel_t kernel;
  REQUIRE(__cudaGetKernel(&kernel, reinterpret_cast<const void*>(&HostStubKern)) == cudaSuccess);
  REQUIRE(__cudaLaunchKernel_ptsz(kernel, grid, block, k.args, shmem, popped) == cudaSuccess);
#else
  REQUIRE(cudaLaunchKernel_ptsz(reinterpret_cast<const void*>(&HostStubKern), grid, block, k.args, shmem, popped) ==
          cudaSuccess);
#endif
  CHECK(Fake().launches.back().grid[0] == 5);
  CHECK(Fake().launches.back().stream == reinterpret_cast<CUstream>(stream));
  CHECK(Fake().launches.back().args == k.Expected());
  REQUIRE(cudaStreamDestroy(stream) == cudaSuccess);
}

TEST_CASE("default stream handles map to the driver's", "[stream]") {
  Register();
  const void* f = reinterpret_cast<const void*>(&HostStubNoParams);
  REQUIRE(cudaLaunchKernel_ptsz(f, dim3(1), dim3(1), nullptr, 0, nullptr) == cudaSuccess);
  CHECK(Fake().launches.back().stream == CU_STREAM_PER_THREAD);
  REQUIRE(cudaLaunchKernel(f, dim3(1), dim3(1), nullptr, 0, cudaStreamPerThread) == cudaSuccess);
  CHECK(Fake().launches.back().stream == CU_STREAM_PER_THREAD);
  REQUIRE(cudaLaunchKernel(f, dim3(1), dim3(1), nullptr, 0, cudaStreamLegacy) == cudaSuccess);
  CHECK(Fake().launches.back().stream == CU_STREAM_LEGACY);
  REQUIRE(cudaStreamSynchronize(cudaStreamPerThread) == cudaSuccess);
  CHECK(Fake().synchronized.back() == CU_STREAM_PER_THREAD);
  cudaStreamCaptureStatus status = cudaStreamCaptureStatusActive;
  REQUIRE(cudaStreamIsCapturing(nullptr, &status) == cudaSuccess);
  CHECK(status == cudaStreamCaptureStatusNone);
}

TEST_CASE("cudaLaunchKernelExC forwards attributes, drops hints only if it must", "[launch]") {
  Register();
  KernArgs k;
  cudaLaunchAttribute attr{};
  attr.id = cudaLaunchAttributeProgrammaticStreamSerialization;
  attr.val.programmaticStreamSerializationAllowed = 1;
  cudaLaunchConfig_t config{};
  config.gridDim = dim3(3);
  config.blockDim = dim3(256);
  config.attrs = &attr;
  config.numAttrs = 1;
  REQUIRE(cudaLaunchKernelExC(&config, reinterpret_cast<const void*>(&HostStubKern), k.args) == cudaSuccess);
  CHECK(Fake().launches.back().num_attrs == 1);
  CHECK(Fake().launches.back().args == k.Expected());

  Fake().launch_ex_supported = false;
  REQUIRE(cudaLaunchKernelExC(&config, reinterpret_cast<const void*>(&HostStubKern), k.args) == cudaSuccess);
  CHECK(Fake().launches.back().num_attrs == 0);  // fell back to cuLaunchKernel
  REQUIRE(cudaLaunchCooperativeKernel(reinterpret_cast<const void*>(&HostStubKern), dim3(1), dim3(1), k.args, 0,
                                      nullptr) == cudaSuccess);
  CHECK(Fake().launches.back().num_attrs == kCooperativeMarker);
  CHECK(Fake().launches.back().had_kernel_params);
  attr.id = cudaLaunchAttributeClusterDimension;  // changes the launch: never dropped
  attr.val.clusterDim = {2, 1, 1};
  CHECK(cudaLaunchKernelExC(&config, reinterpret_cast<const void*>(&HostStubKern), k.args) == cudaErrorNotSupported);
  CHECK(cudaGetLastError() == cudaErrorNotSupported);
  Fake().launch_ex_supported = true;
  REQUIRE(cudaLaunchCooperativeKernel(reinterpret_cast<const void*>(&HostStubKern), dim3(1), dim3(1), k.args, 0,
                                      nullptr) == cudaSuccess);
  CHECK(Fake().launches.back().num_attrs == 1);
}

TEST_CASE("launch errors", "[launch]") {
  int not_a_kernel = 0;
  CHECK(cudaLaunchKernel(&not_a_kernel, dim3(1), dim3(1), nullptr, 0, nullptr) == cudaErrorInvalidDeviceFunction);
  CHECK(cudaPeekAtLastError() == cudaErrorInvalidDeviceFunction);
  CHECK(cudaGetLastError() == cudaErrorInvalidDeviceFunction);
  CHECK(cudaGetLastError() == cudaSuccess);
  Register();
  CHECK(cudaLaunchKernel(reinterpret_cast<const void*>(&HostStubNoParams), dim3(0), dim3(1), nullptr, 0, nullptr) ==
        cudaErrorInvalidConfiguration);
  // <<<1, 4096>>> and other limits a real device has: a bad configuration, as CUDA says.
  CHECK(cudaLaunchKernel(reinterpret_cast<const void*>(&HostStubNoParams), dim3(1), dim3(4096), nullptr, 0,
                         nullptr) == cudaErrorInvalidConfiguration);
  CHECK(cudaLaunchKernel(reinterpret_cast<const void*>(&HostStubNoParams), dim3(1), dim3(32, 32, 2), nullptr, 0,
                         nullptr) == cudaErrorInvalidConfiguration);
  CHECK(cudaLaunchKernel(reinterpret_cast<const void*>(&HostStubNoParams), dim3(1, 65536), dim3(1), nullptr, 0,
                         nullptr) == cudaErrorInvalidConfiguration);
  CHECK(cudaGetLastError() == cudaErrorInvalidConfiguration);
  CHECK(cudaLaunchKernel(reinterpret_cast<const void*>(&HostStubNoParams), dim3(1), dim3(1024), nullptr, 0,
                         nullptr) == cudaSuccess);
  cudaGetLastError();
}

TEST_CASE("function queries", "[launch]") {
  Register();
  const void* f = reinterpret_cast<const void*>(&HostStubKern);
  size_t offset = 0, size = 0;
  REQUIRE(cudaFuncGetParamInfo(f, 2, &offset, &size) == cudaSuccess);
  CHECK((offset == 16 && size == 24));
  CHECK(cudaFuncGetParamInfo(f, 5, &offset, &size) == cudaErrorInvalidValue);
  cudaGetLastError();
  cudaFuncAttributes attr;
  REQUIRE(cudaFuncGetAttributes(&attr, f) == cudaSuccess);
  CHECK(attr.ptxVersion == 90);
  CHECK(attr.maxThreadsPerBlock == 1024);
  CHECK(cudaFuncSetAttribute(f, cudaFuncAttributeMaxDynamicSharedMemorySize, 65536) == cudaSuccess);
  int blocks = 0;
  REQUIRE(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&blocks, f, 256, 0) == cudaSuccess);
  CHECK(blocks == 4);
}

TEST_CASE("devices follow CUDA_VISIBLE_DEVICES", "[device]") {
  int count = 0;
  REQUIRE(cudaGetDeviceCount(&count) == cudaSuccess);
  CHECK(count == 2);
  int dev = -1;
  REQUIRE(cudaGetDevice(&dev) == cudaSuccess);
  CHECK(dev == 0);
  CHECK(cudaSetDevice(2) == cudaErrorInvalidDevice);
  cudaGetLastError();
  char bus[32];
  REQUIRE(cudaDeviceGetPCIBusId(bus, sizeof(bus), 1) == cudaSuccess);
  CHECK(std::string(bus) == "0000:10:00.0");  // driver device 0
  int by_bus = -1;
  REQUIRE(cudaDeviceGetByPCIBusId(&by_bus, "0000:12:00.0") == cudaSuccess);
  CHECK(by_bus == 0);
  int value = 0;
  REQUIRE(cudaDeviceGetAttribute(&value, cudaDevAttrCooperativeLaunch, 0) == cudaSuccess);
  CHECK(value == 1);

  // cudaSetDevice is per thread, and the context follows the device.
  std::thread([] {
    REQUIRE(cudaSetDevice(1) == cudaSuccess);
    void* p = nullptr;
    REQUIRE(cudaMalloc(&p, 16) == cudaSuccess);
    CUcontext ctx = nullptr;
    cuCtxGetCurrent(&ctx);
    CHECK(ctx == reinterpret_cast<CUcontext>(uintptr_t{0x1000}));
    cudaFree(p);
  }).join();
  REQUIRE(cudaGetDevice(&dev) == cudaSuccess);
  CHECK(dev == 0);
}

TEST_CASE("device properties in the ABI's layout", "[device]") {
#if VGPU_RT_ABI == 12
  std::vector<unsigned char> prop(1032, 0xEE);
  REQUIRE(cudaGetDeviceProperties_v2(prop.data(), 0) == cudaSuccess);
  CHECK(std::string(reinterpret_cast<char*>(prop.data())) == "Fake GPU 2");
  int v;
  std::memcpy(&v, &prop[360], 4);
  CHECK(v == 9);  // major
  std::memcpy(&v, &prop[388], 4);
  CHECK(v == 132);  // multiProcessorCount
  std::memcpy(&v, &prop[348], 4);
  CHECK(v == 1755000);  // clockRate, gone from 13.0
  std::memcpy(&v, &prop[584], 4);
  CHECK(v == 0x12);  // pciBusID
  CHECK(prop[1031] == 0);
  std::vector<unsigned char> legacy(1032, 0xEE);
  REQUIRE(cudaGetDeviceProperties(reinterpret_cast<cudaDeviceProp*>(legacy.data()), 0) == cudaSuccess);
  std::memcpy(&v, &legacy[388], 4);
  CHECK(v == 132);
  CHECK(legacy[728] == 0xEE);
#else
  cudaDeviceProp prop;
  REQUIRE(cudaGetDeviceProperties(&prop, 0) == cudaSuccess);
  CHECK(std::string(prop.name) == "Fake GPU 2");
  CHECK(prop.major == 9);
  CHECK(prop.multiProcessorCount == 132);
  CHECK(prop.pciBusID == 0x12);
  CHECK(prop.uuid.bytes[0] == 3);
  CHECK(prop.totalGlobalMem == (size_t{16} << 30));
#endif
}

TEST_CASE("versions", "[driver]") {
  int v = 0;
  REQUIRE(cudaRuntimeGetVersion(&v) == cudaSuccess);
  CHECK(v == (VGPU_RT_ABI == 12 ? 12080 : 13000));
  REQUIRE(cudaDriverGetVersion(&v) == cudaSuccess);
  CHECK(v == 13000);
  void* fn = nullptr;
  cudaDriverEntryPointQueryResult status;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  REQUIRE(cudaGetDriverEntryPoint("cuInit", &fn, cudaEnableDefault, &status) == cudaSuccess);
#pragma GCC diagnostic pop
  CHECK(fn == reinterpret_cast<void*>(&cuInit));
  CHECK(status == cudaDriverEntryPointSuccess);
  REQUIRE(cudaGetDriverEntryPointByVersion("cuNothing", &fn, 12000, cudaEnableDefault, &status) == cudaSuccess);
  CHECK(fn == nullptr);
  CHECK(status == cudaDriverEntryPointSymbolNotFound);
}

TEST_CASE("copies are classified and land where they should", "[memory]") {
  void* d = nullptr;
  REQUIRE(cudaMalloc(&d, 256) == cudaSuccess);
  std::vector<unsigned char> src(256), dst(256, 0);
  for (int i = 0; i < 256; ++i) src[i] = static_cast<unsigned char>(i);
  Fake().copies.clear();
  REQUIRE(cudaMemcpy(d, src.data(), 256, cudaMemcpyHostToDevice) == cudaSuccess);
  REQUIRE(cudaMemcpy(dst.data(), d, 256, cudaMemcpyDefault) == cudaSuccess);
  CHECK(dst == src);
  void* d2 = nullptr;
  REQUIRE(cudaMalloc(&d2, 256) == cudaSuccess);
  REQUIRE(cudaMemcpyAsync(d2, d, 256, cudaMemcpyDefault, nullptr) == cudaSuccess);
  REQUIRE(cudaMemcpy_ptds(src.data(), d2, 4, cudaMemcpyDeviceToHost) == cudaSuccess);
  CHECK(Fake().copies == std::vector<std::string>{"cuMemcpyHtoD_v2", "cuMemcpyDtoH_v2", "cuMemcpyDtoDAsync_v2",
                                                  "cuMemcpyDtoHAsync_v2"});
  CHECK(Fake().synchronized.back() == CU_STREAM_PER_THREAD);

  // Pinned host memory is known locally: no driver query for it.
  void* pinned = nullptr;
  REQUIRE(cudaMallocHost(&pinned, 256) == cudaSuccess);
  CHECK(reinterpret_cast<uintptr_t>(pinned) % 256 == 0);
  int queries = Fake().pointer_queries;
  REQUIRE(cudaMemcpy(pinned, d, 256, cudaMemcpyDefault) == cudaSuccess);
  CHECK(Fake().pointer_queries == queries + 1);  // only d was asked about
  CHECK(std::memcmp(pinned, d, 256) == 0);

  // 2D: 4 rows of 8 bytes out of a 16-byte pitch into a 32-byte pitch.
  std::vector<unsigned char> host2d(64);
  for (int i = 0; i < 64; ++i) host2d[i] = static_cast<unsigned char>(100 + i);
  REQUIRE(cudaMemset(d, 0, 256) == cudaSuccess);
  REQUIRE(cudaMemcpy2D(d, 32, host2d.data(), 16, 8, 4, cudaMemcpyHostToDevice) == cudaSuccess);
  auto* dev = static_cast<unsigned char*>(d);
  CHECK(dev[32 * 3 + 7] == 100 + 16 * 3 + 7);
  CHECK(dev[32 * 3 + 8] == 0);
  CHECK(cudaMemcpy2D(d, 4, host2d.data(), 16, 8, 4, cudaMemcpyHostToDevice) == cudaErrorInvalidPitchValue);
  cudaGetLastError();
  REQUIRE(cudaMemset2D(d, 32, 0xAB, 4, 2) == cudaSuccess);
  CHECK((dev[0] == 0xAB && dev[3] == 0xAB && dev[4] == 100 + 4 && dev[32 + 3] == 0xAB));
  CHECK(cudaMemcpy(d, src.data(), 4, static_cast<cudaMemcpyKind>(9)) == cudaErrorInvalidMemcpyDirection);
  cudaGetLastError();

  REQUIRE(cudaFreeHost(pinned) == cudaSuccess);
  REQUIRE(cudaFree(d) == cudaSuccess);
  REQUIRE(cudaFree(d2) == cudaSuccess);
  size_t free = 0, total = 0;
  REQUIRE(cudaMemGetInfo(&free, &total) == cudaSuccess);
  CHECK(total == (size_t{16} << 30));
}

TEST_CASE("symbols resolve through the registered variable", "[memory]") {
  Register();
  const int values[2] = {11, 22};
  REQUIRE(cudaMemcpyToSymbol(g_symbol_shadow, values, sizeof(values), 4) == cudaSuccess);
  int back[2] = {};
  REQUIRE(cudaMemcpyFromSymbol(back, g_symbol_shadow, sizeof(back), 4) == cudaSuccess);
  CHECK((back[0] == 11 && back[1] == 22));
  void* address = nullptr;
  REQUIRE(cudaGetSymbolAddress(&address, g_symbol_shadow) == cudaSuccess);
  CHECK(std::memcmp(static_cast<char*>(address) + 4, values, sizeof(values)) == 0);
  size_t size = 0;
  REQUIRE(cudaGetSymbolSize(&size, g_symbol_shadow) == cudaSuccess);
  CHECK(size == 16);
  CHECK(cudaMemcpyToSymbol(g_symbol_shadow, values, sizeof(values), 12) == cudaErrorInvalidValue);
  int not_a_symbol = 0;
  CHECK(cudaMemcpyToSymbol(&not_a_symbol, values, 4) == cudaErrorInvalidSymbol);
  cudaGetLastError();
}

TEST_CASE("pointer attributes in the ABI's size", "[memory]") {
  void* d = nullptr;
  REQUIRE(cudaMalloc(&d, 16) == cudaSuccess);
  std::vector<unsigned char> raw(sizeof(cudaPointerAttributes), 0xEE);
  auto* attr = reinterpret_cast<cudaPointerAttributes*>(raw.data());
  REQUIRE(cudaPointerGetAttributes(attr, d) == cudaSuccess);
  CHECK(attr->type == cudaMemoryTypeDevice);
  CHECK(attr->devicePointer == d);
  CHECK(raw[24] == (VGPU_RT_ABI == 12 ? 0xEE : 0));  // 12.x struct ends at 24 bytes
  void* pinned = nullptr;
  REQUIRE(cudaHostAlloc(&pinned, 64, cudaHostAllocMapped) == cudaSuccess);
  REQUIRE(cudaPointerGetAttributes(attr, static_cast<char*>(pinned) + 8) == cudaSuccess);
  CHECK(attr->type == cudaMemoryTypeHost);
  void* mapped = nullptr;
  CHECK(cudaHostGetDevicePointer(&mapped, pinned, 0) == cudaErrorNotSupported);
  int local = 0;
  REQUIRE(cudaPointerGetAttributes(attr, &local) == cudaSuccess);
  CHECK(attr->type == cudaMemoryTypeUnregistered);
  cudaGetLastError();
  cudaFreeHost(pinned);
  cudaFree(d);
}

TEST_CASE("streams and events", "[event]") {
  cudaStream_t s;
  REQUIRE(cudaStreamCreateWithPriority(&s, cudaStreamNonBlocking, -2) == cudaSuccess);
  int priority = 0;
  REQUIRE(cudaStreamGetPriority(s, &priority) == cudaSuccess);
  CHECK(priority == -2);
  cudaEvent_t a, b, untimed;
  REQUIRE(cudaEventCreate(&a) == cudaSuccess);
  REQUIRE(cudaEventCreate(&b) == cudaSuccess);
  REQUIRE(cudaEventCreateWithFlags(&untimed, cudaEventDisableTiming) == cudaSuccess);
  REQUIRE(cudaEventRecord(a, s) == cudaSuccess);
  REQUIRE(cudaEventRecord(b, s) == cudaSuccess);
  REQUIRE(cudaStreamWaitEvent(nullptr, b, 0) == cudaSuccess);
  REQUIRE(cudaEventSynchronize(b) == cudaSuccess);
  float ms = 0;
  REQUIRE(cudaEventElapsedTime(&ms, a, b) == cudaSuccess);
  CHECK(ms == 1.5f);
  CHECK(cudaEventElapsedTime(&ms, untimed, b) == cudaErrorInvalidResourceHandle);
  cudaGetLastError();
  CHECK(cudaEventQuery(a) == cudaErrorNotReady);
  CHECK(cudaGetLastError() == cudaSuccess);  // not-ready is not an error
  int called = 0;
  REQUIRE(cudaLaunchHostFunc(s, [](void* p) { ++*static_cast<int*>(p); }, &called) == cudaSuccess);
  CHECK(called == 1);
  for (cudaEvent_t e : {a, b, untimed}) REQUIRE(cudaEventDestroy(e) == cudaSuccess);
  REQUIRE(cudaStreamDestroy(s) == cudaSuccess);
  CHECK(cudaStreamDestroy(cudaStreamPerThread) == cudaErrorInvalidResourceHandle);
  cudaGetLastError();
}

TEST_CASE("unimplemented calls say so and set the last error", "[errors]") {
  cudaKernelNodeParams params;
  CHECK(cudaGraphKernelNodeGetParams(nullptr, &params) == cudaErrorNotSupported);
  CHECK(cudaGetLastError() == cudaErrorNotSupported);
  CHECK(std::string(cudaGetErrorString(cudaErrorNotSupported)) == "operation not supported");
}

TEST_CASE("device reset forgets loaded modules", "[device]") {
  Register();
  int loads = Fake().module_loads;
  REQUIRE(cudaDeviceSynchronize() == cudaSuccess);
  REQUIRE(cudaDeviceReset() == cudaSuccess);
  REQUIRE(cudaLaunchKernel(reinterpret_cast<const void*>(&HostStubNoParams), dim3(1), dim3(1), nullptr, 0,
                           nullptr) == cudaSuccess);
  CHECK(Fake().module_loads == loads + 1);
}

}  // namespace

namespace {
// Run alone with CUDA_VISIBLE_DEVICES=GPU-03030303 (a prefix of driver device 2's UUID).
TEST_CASE("GPU-<uuid> selects by UUID", "[.uuid]") {
  int count = 0;
  REQUIRE(cudaGetDeviceCount(&count) == cudaSuccess);
  CHECK(count == 1);
  char bus[32];
  REQUIRE(cudaDeviceGetPCIBusId(bus, sizeof(bus), 0) == cudaSuccess);
  CHECK(std::string(bus) == "0000:12:00.0");
}
}  // namespace

namespace {
TEST_CASE("pitched 3D copies are one driver 3D copy; memsets go slice by slice", "[memory]") {
  void* d = nullptr;
  REQUIRE(cudaMalloc(&d, 128) == cudaSuccess);  // 2 slices x 4 rows x 16-byte pitch
  unsigned char host[64];                       // 2 x 4 x 8, tightly packed
  for (int i = 0; i < 64; ++i) host[i] = static_cast<unsigned char>(i + 1);
  REQUIRE(cudaMemset(d, 0, 128) == cudaSuccess);
  cudaMemcpy3DParms p = {};
  p.srcPtr = cudaPitchedPtr{host, 8, 8, 4};
  p.dstPtr = cudaPitchedPtr{d, 16, 8, 4};
  p.extent = cudaExtent{8, 4, 2};
  p.kind = cudaMemcpyHostToDevice;
  REQUIRE(cudaMemcpy3D(&p) == cudaSuccess);
  auto* dev = static_cast<unsigned char*>(d);
  for (int z = 0; z < 2; ++z)
    for (int y = 0; y < 4; ++y) {
      CHECK(dev[z * 64 + y * 16 + 7] == host[z * 32 + y * 8 + 7]);
      CHECK(dev[z * 64 + y * 16 + 8] == 0);
    }
  REQUIRE(cudaMemset3D(cudaPitchedPtr{d, 16, 8, 4}, 0x7F, cudaExtent{2, 4, 2}) == cudaSuccess);
  CHECK((dev[64 + 3 * 16 + 1] == 0x7F && dev[64 + 3 * 16 + 2] == host[32 + 3 * 8 + 2]));
  cudaArray_t array = reinterpret_cast<cudaArray_t>(0x10);
  p.dstArray = array;
  CHECK(cudaMemcpy3D(&p) == cudaErrorNotSupported);
  cudaGetLastError();
  cudaFree(d);
}

TEST_CASE("capture info: never capturing", "[stream]") {
  cudaStreamCaptureStatus status = cudaStreamCaptureStatusActive;
  unsigned long long id = 99;
  REQUIRE(cudaStreamGetCaptureInfo(nullptr, &status, &id) == cudaSuccess);
  CHECK(status == cudaStreamCaptureStatusNone);
  CHECK(id == 0);
}
}  // namespace

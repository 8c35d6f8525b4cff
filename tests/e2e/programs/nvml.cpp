// vgpu's libnvidia-ml.so.1 next to its libcuda.so.1, both found by dlopen
// through LD_LIBRARY_PATH as discovery tools find them.
//   nvml agree <expected driver version or "-">   NVML agrees with CUDA
//   nvml noserver                                 init fails as with no driver
// Exits 0 on success; prints the first mismatch.
#include <cuda.h>
#include <dlfcn.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "libnvml/nvml_types.h"

namespace {

void* g_nvml = nullptr;
void* g_cuda = nullptr;

template <class F>
F Sym(void* lib, const char* name) {
  void* p = dlsym(lib, name);
  if (p == nullptr) {
    std::printf("missing symbol %s\n", name);
    std::exit(2);
  }
  return reinterpret_cast<F>(p);
}
#define NVML(name, ...) Sym<nvmlReturn_t (*)(__VA_ARGS__)>(g_nvml, #name)
#define CU(name, ...) Sym<CUresult (*)(__VA_ARGS__)>(g_cuda, #name)

#define EXPECT(cond)                                                   \
  do {                                                                 \
    if (!(cond)) {                                                     \
      std::printf("%s:%d: expected %s\n", __FILE__, __LINE__, #cond); \
      return 1;                                                        \
    }                                                                  \
  } while (0)

std::string UuidText(const CUuuid& id) {
  char text[64];
  const auto* b = reinterpret_cast<const unsigned char*>(id.bytes);
  std::snprintf(text, sizeof text, "GPU-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
                b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return text;
}

int Agree(const char* expected_driver) {
  // Before init: UNINITIALIZED, as NVML says.
  unsigned int count = 0;
  EXPECT(NVML(nvmlDeviceGetCount_v2, unsigned int*)(&count) == NVML_ERROR_UNINITIALIZED);
  EXPECT(NVML(nvmlInit_v2, void)() == NVML_SUCCESS);
  EXPECT(NVML(nvmlInit, void)() == NVML_SUCCESS);  // counted: two shutdowns needed
  EXPECT(CU(cuInit, unsigned int)(0) == CUDA_SUCCESS);

  int cu_count = 0;
  EXPECT(CU(cuDeviceGetCount, int*)(&cu_count) == CUDA_SUCCESS);
  EXPECT(NVML(nvmlDeviceGetCount, unsigned int*)(&count) == NVML_SUCCESS);
  EXPECT(static_cast<int>(count) == cu_count && count > 0);

  nvmlDevice_t dev = nullptr;
  EXPECT(NVML(nvmlDeviceGetHandleByIndex_v2, unsigned int, nvmlDevice_t*)(0, &dev) == NVML_SUCCESS);
  EXPECT(NVML(nvmlDeviceGetHandleByIndex_v2, unsigned int, nvmlDevice_t*)(count, &dev) ==
         NVML_ERROR_INVALID_ARGUMENT);
  EXPECT(NVML(nvmlDeviceGetHandleByIndex, unsigned int, nvmlDevice_t*)(0, &dev) == NVML_SUCCESS);

  // UUID: the text of cuDeviceGetUuid, and the handle by UUID is the same.
  CUuuid id{};
  EXPECT(CU(cuDeviceGetUuid, CUuuid*, CUdevice)(&id, 0) == CUDA_SUCCESS);
  char uuid[96] = {};
  EXPECT(NVML(nvmlDeviceGetUUID, nvmlDevice_t, char*, unsigned int)(dev, uuid, sizeof uuid) == NVML_SUCCESS);
  std::printf("uuid %s\n", uuid);
  EXPECT(UuidText(id) == uuid);
  EXPECT(NVML(nvmlDeviceGetUUID, nvmlDevice_t, char*, unsigned int)(dev, uuid, 8) == NVML_ERROR_INSUFFICIENT_SIZE);
  nvmlDevice_t by_uuid = nullptr;
  EXPECT(NVML(nvmlDeviceGetHandleByUUID, const char*, nvmlDevice_t*)(UuidText(id).c_str(), &by_uuid) == NVML_SUCCESS);
  EXPECT(by_uuid == dev);
  EXPECT(NVML(nvmlDeviceGetHandleByUUID, const char*, nvmlDevice_t*)("GPU-00000000-0000-0000-0000-000000000000",
                                                                     &by_uuid) == NVML_ERROR_NOT_FOUND);

  // Name.
  char cu_name[96] = {}, name[96] = {};
  EXPECT(CU(cuDeviceGetName, char*, int, CUdevice)(cu_name, sizeof cu_name, 0) == CUDA_SUCCESS);
  EXPECT(NVML(nvmlDeviceGetName, nvmlDevice_t, char*, unsigned int)(dev, name, sizeof name) == NVML_SUCCESS);
  std::printf("name %s\n", name);
  EXPECT(std::strcmp(cu_name, name) == 0);

  // PCI: the bus id string of cuDeviceGetPCIBusId, in all three layouts.
  char cu_bus[32] = {};
  EXPECT(CU(cuDeviceGetPCIBusId, char*, int, CUdevice)(cu_bus, sizeof cu_bus, 0) == CUDA_SUCCESS);
  nvmlPciInfo_t pci{};
  EXPECT(NVML(nvmlDeviceGetPciInfo_v3, nvmlDevice_t, nvmlPciInfo_t*)(dev, &pci) == NVML_SUCCESS);
  std::printf("pci %s legacy %s cuda %s\n", pci.busId, pci.busIdLegacy, cu_bus);
  // vgpu's CUDA writes the 8-digit-domain form, NVML's busId; the legacy
  // field is the 4-digit one.
  EXPECT(strcasecmp(pci.busId, cu_bus) == 0);
  char want[32];
  std::snprintf(want, sizeof want, "%04X:%02X:%02X.0", pci.domain, pci.bus, pci.device);
  EXPECT(std::strcmp(pci.busIdLegacy, want) == 0);
  nvmlPciInfo_v2_t pci2{};
  EXPECT(NVML(nvmlDeviceGetPciInfo_v2, nvmlDevice_t, nvmlPciInfo_v2_t*)(dev, &pci2) == NVML_SUCCESS);
  EXPECT(std::strcmp(pci2.busIdLegacy, want) == 0 && pci2.bus == pci.bus);
  nvmlPciInfo_v1_t pci1{};
  EXPECT(NVML(nvmlDeviceGetPciInfo, nvmlDevice_t, nvmlPciInfo_v1_t*)(dev, &pci1) == NVML_SUCCESS);
  EXPECT(std::strcmp(pci1.busId, want) == 0 && pci1.device == pci.device);
  nvmlDevice_t by_bus = nullptr;
  EXPECT(NVML(nvmlDeviceGetHandleByPciBusId_v2, const char*, nvmlDevice_t*)(pci.busId, &by_bus) == NVML_SUCCESS);
  EXPECT(by_bus == dev);

  // Memory: total as cuDeviceTotalMem, free as cuMemGetInfo, and a 64 MiB
  // allocation shows up in NVML's free memory.
  size_t cu_total = 0;
  EXPECT(CU(cuDeviceTotalMem_v2, size_t*, CUdevice)(&cu_total, 0) == CUDA_SUCCESS);
  CUcontext ctx = nullptr;
  EXPECT(CU(cuDevicePrimaryCtxRetain, CUcontext*, CUdevice)(&ctx, 0) == CUDA_SUCCESS);
  EXPECT(CU(cuCtxSetCurrent, CUcontext)(ctx) == CUDA_SUCCESS);
  size_t cu_free = 0, cu_total2 = 0;
  EXPECT(CU(cuMemGetInfo_v2, size_t*, size_t*)(&cu_free, &cu_total2) == CUDA_SUCCESS);
  nvmlMemory_t mem{};
  EXPECT(NVML(nvmlDeviceGetMemoryInfo, nvmlDevice_t, nvmlMemory_t*)(dev, &mem) == NVML_SUCCESS);
  std::printf("memory total %llu free %llu (cuda free %zu)\n", mem.total, mem.free, cu_free);
  EXPECT(mem.total == cu_total);
  EXPECT(mem.used == mem.total - mem.free);
  const unsigned long long kAlloc = 64ull << 20;
  const auto near = [](unsigned long long a, unsigned long long b, unsigned long long slack) {
    return (a > b ? a - b : b - a) <= slack;
  };
  EXPECT(near(mem.free, cu_free, kAlloc / 2));
  CUdeviceptr ptr = 0;
  EXPECT(CU(cuMemAlloc_v2, CUdeviceptr*, size_t)(&ptr, kAlloc) == CUDA_SUCCESS);
  nvmlMemory_v2_t mem2{};
  mem2.version = nvmlMemory_v2;
  EXPECT(NVML(nvmlDeviceGetMemoryInfo_v2, nvmlDevice_t, nvmlMemory_v2_t*)(dev, &mem2) == NVML_SUCCESS);
  std::printf("after 64 MiB: free %llu\n", mem2.free);
  EXPECT(mem2.total == cu_total);
  EXPECT(mem2.free + kAlloc / 2 < mem.free);
  EXPECT(near(mem2.free + kAlloc, mem.free, kAlloc / 2));
  mem2.version = 1;
  EXPECT(NVML(nvmlDeviceGetMemoryInfo_v2, nvmlDevice_t, nvmlMemory_v2_t*)(dev, &mem2) ==
         NVML_ERROR_ARGUMENT_VERSION_MISMATCH);
  EXPECT(CU(cuMemFree_v2, CUdeviceptr)(ptr) == CUDA_SUCCESS);

  // Versions: the host driver string from the server, CUDA's version.
  char driver[80] = {};
  EXPECT(NVML(nvmlSystemGetDriverVersion, char*, unsigned int)(driver, sizeof driver) == NVML_SUCCESS);
  std::printf("driver %s\n", driver);
  if (std::strcmp(expected_driver, "-") != 0) EXPECT(std::strcmp(driver, expected_driver) == 0);
  EXPECT(std::strlen(driver) > 0);
  int cu_version = 0, version = 0;
  EXPECT(CU(cuDriverGetVersion, int*)(&cu_version) == CUDA_SUCCESS);
  EXPECT(NVML(nvmlSystemGetCudaDriverVersion, int*)(&version) == NVML_SUCCESS && version == cu_version);
  EXPECT(NVML(nvmlSystemGetCudaDriverVersion_v2, int*)(&version) == NVML_SUCCESS && version == cu_version);
  char nvml_version[80] = {};
  EXPECT(NVML(nvmlSystemGetNVMLVersion, char*, unsigned int)(nvml_version, sizeof nvml_version) == NVML_SUCCESS);
  EXPECT(std::string(nvml_version) == std::to_string(cu_version / 1000) + "." + driver);

  // Compute capability as CUDA's attributes.
  int major = 0, minor = 0, cu_major = 0, cu_minor = 0;
  EXPECT(CU(cuDeviceGetAttribute, int*, CUdevice_attribute, CUdevice)(
             &cu_major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, 0) == CUDA_SUCCESS);
  EXPECT(CU(cuDeviceGetAttribute, int*, CUdevice_attribute, CUdevice)(
             &cu_minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, 0) == CUDA_SUCCESS);
  EXPECT(NVML(nvmlDeviceGetCudaComputeCapability, nvmlDevice_t, int*, int*)(dev, &major, &minor) == NVML_SUCCESS);
  EXPECT(major == cu_major && minor == cu_minor);

  unsigned int index = 7;
  EXPECT(NVML(nvmlDeviceGetIndex, nvmlDevice_t, unsigned int*)(dev, &index) == NVML_SUCCESS && index == 0);
  nvmlDeviceArchitecture_t arch = 0;
  EXPECT(NVML(nvmlDeviceGetArchitecture, nvmlDevice_t, nvmlDeviceArchitecture_t*)(dev, &arch) == NVML_SUCCESS);
  nvmlUtilization_t util{};
  EXPECT(NVML(nvmlDeviceGetUtilizationRates, nvmlDevice_t, nvmlUtilization_t*)(dev, &util) == NVML_SUCCESS);

  unsigned int processes = 5;
  EXPECT(NVML(nvmlDeviceGetComputeRunningProcesses_v3, nvmlDevice_t, unsigned int*, void*)(dev, &processes, nullptr) ==
         NVML_SUCCESS);
  EXPECT(processes == 0);

  // An unimplemented name: NOT_SUPPORTED, and a bad handle is an argument error.
  unsigned int speed = 0;
  EXPECT(NVML(nvmlDeviceGetFanSpeed, nvmlDevice_t, unsigned int*)(dev, &speed) == NVML_ERROR_NOT_SUPPORTED);
  EXPECT(NVML(nvmlDeviceGetFanSpeed, nvmlDevice_t, unsigned int*)(dev, &speed) == NVML_ERROR_NOT_SUPPORTED);  // logged once
  EXPECT(NVML(nvmlDeviceGetIndex, nvmlDevice_t, unsigned int*)(reinterpret_cast<nvmlDevice_t>(&index), &index) ==
         NVML_ERROR_INVALID_ARGUMENT);
  using ErrorString = const char* (*)(nvmlReturn_t);
  EXPECT(std::strcmp(Sym<ErrorString>(g_nvml, "nvmlErrorString")(NVML_ERROR_NOT_SUPPORTED), "Not Supported") == 0);

  EXPECT(NVML(nvmlShutdown, void)() == NVML_SUCCESS);
  EXPECT(NVML(nvmlDeviceGetCount_v2, unsigned int*)(&count) == NVML_SUCCESS);  // one init left
  EXPECT(NVML(nvmlShutdown, void)() == NVML_SUCCESS);
  EXPECT(NVML(nvmlDeviceGetCount_v2, unsigned int*)(&count) == NVML_ERROR_UNINITIALIZED);
  EXPECT(NVML(nvmlShutdown, void)() == NVML_ERROR_UNINITIALIZED);
  std::printf("ok\n");
  return 0;
}

int NoServer() {
  EXPECT(NVML(nvmlInit_v2, void)() == NVML_ERROR_DRIVER_NOT_LOADED);
  unsigned int count = 0;
  EXPECT(NVML(nvmlDeviceGetCount_v2, unsigned int*)(&count) == NVML_ERROR_UNINITIALIZED);
  std::printf("ok\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  g_nvml = dlopen("libnvidia-ml.so.1", RTLD_NOW);
  g_cuda = dlopen("libcuda.so.1", RTLD_NOW);
  if (g_nvml == nullptr || g_cuda == nullptr) {
    std::printf("dlopen: %s\n", dlerror());
    return 2;
  }
  const std::string scenario = argc > 1 ? argv[1] : "";
  if (scenario == "agree") return Agree(argc > 2 ? argv[2] : "-");
  if (scenario == "noserver") return NoServer();
  std::printf("usage: nvml agree <driver version>|noserver\n");
  return 2;
}

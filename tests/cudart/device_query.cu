// Device inventory as a discovery process sees it: count, properties in the
// ABI's layout, attributes, PCI id, versions, memory info.
#include <cstring>
#include <vector>

#include "check.h"

#if VGPU_TEST_ABI == 12
extern "C" cudaError_t cudaGetDeviceProperties_v2(void* prop, int device);
#endif

int main() {
  int count = 0;
  CHECK_CUDA(cudaGetDeviceCount(&count));
  EXPECT(count >= 1);
  int runtime = 0, driver = 0;
  CHECK_CUDA(cudaRuntimeGetVersion(&runtime));
  CHECK_CUDA(cudaDriverGetVersion(&driver));
  EXPECT(runtime == (VGPU_TEST_ABI == 12 ? 12080 : 13000));
  EXPECT(driver > 0);
  for (int dev = 0; dev < count; ++dev) {
    CHECK_CUDA(cudaSetDevice(dev));
    int current = -1;
    CHECK_CUDA(cudaGetDevice(&current));
    EXPECT(current == dev);
    int major = 0, minor = 0, sms = 0, coop = -1;
    CHECK_CUDA(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, dev));
    CHECK_CUDA(cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, dev));
    CHECK_CUDA(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev));
    CHECK_CUDA(cudaDeviceGetAttribute(&coop, cudaDevAttrCooperativeLaunch, dev));
    EXPECT(major >= 1 && sms >= 1);
#if VGPU_TEST_ABI == 12
    std::vector<unsigned char> prop(1032, 0xEE);
    CHECK_CUDA(cudaGetDeviceProperties_v2(prop.data(), dev));
    const char* name = reinterpret_cast<const char*>(prop.data());
    int p_major, p_sms;
    std::memcpy(&p_major, &prop[360], 4);
    std::memcpy(&p_sms, &prop[388], 4);
    EXPECT(p_major == major && p_sms == sms);
#else
    cudaDeviceProp prop;
    CHECK_CUDA(cudaGetDeviceProperties(&prop, dev));
    const char* name = prop.name;
    EXPECT(prop.major == major && prop.minor == minor && prop.multiProcessorCount == sms);
    EXPECT(prop.totalGlobalMem > 0 && prop.warpSize == 32);
#endif
    char bus[32] = {};
    CHECK_CUDA(cudaDeviceGetPCIBusId(bus, sizeof(bus), dev));
    int by_bus = -1;
    CHECK_CUDA(cudaDeviceGetByPCIBusId(&by_bus, bus));
    EXPECT(by_bus == dev);
    size_t free_bytes = 0, total = 0;
    CHECK_CUDA(cudaMemGetInfo(&free_bytes, &total));
    EXPECT(total > 0 && free_bytes <= total);
    std::printf("device %d: %s sm_%d%d, %d SMs, %s, %zu/%zu MiB free\n", dev, name, major, minor, sms, bus,
                free_bytes >> 20, total >> 20);
  }
  EXPECT(cudaSetDevice(count) == cudaErrorInvalidDevice);
  EXPECT(cudaGetLastError() == cudaErrorInvalidDevice);
  EXPECT(cudaGetLastError() == cudaSuccess);
  std::printf("PASS\n");
  return 0;
}

#include "libcudart/device_props.h"

#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include "libcudart/abi12.h"

namespace vgpu::rt {
namespace {

// Every attribute answers 1000 + its id, so each field shows where it came from.
DeviceInfo FakeInfo() {
  CUuuid uuid;
  for (int i = 0; i < 16; ++i) uuid.bytes[i] = static_cast<char>(i + 1);
  return BuildDeviceInfo([](CUdevice_attribute a) { return 1000 + static_cast<int>(a); }, "vgpu test GPU", uuid,
                         size_t{80} << 30);
}

template <typename T>
T At(const std::vector<unsigned char>& bytes, size_t offset) {
  T value;
  std::memcpy(&value, bytes.data() + offset, sizeof(T));
  return value;
}

int Attr(CUdevice_attribute a) { return 1000 + static_cast<int>(a); }

TEST_CASE("13.0 layout is the toolkit's cudaDeviceProp", "[device]") {
  static_assert(sizeof(cudaDeviceProp) == 1008);
  static_assert(offsetof(cudaDeviceProp, multiProcessorCount) == 384);
  static_assert(offsetof(cudaDeviceProp, integrated) == 388);
  static_assert(offsetof(cudaDeviceProp, memoryBusWidth) == 592);
  static_assert(offsetof(cudaDeviceProp, unifiedFunctionPointers) == 752);
  static_assert(offsetof(cudaDeviceProp, hostNumaMultinodeIpcSupported) == 780);
  cudaDeviceProp p;
  WriteDeviceProp13(FakeInfo(), &p);
  CHECK(std::string(p.name) == "vgpu test GPU");
  CHECK(p.totalGlobalMem == (size_t{80} << 30));
  CHECK(p.uuid.bytes[15] == 16);
  CHECK(p.major == Attr(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR));
  CHECK(p.minor == Attr(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR));
  CHECK(p.multiProcessorCount == Attr(CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT));
  CHECK(p.maxGridSize[2] == Attr(CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z));
  CHECK(p.sharedMemPerBlockOptin == static_cast<size_t>(Attr(CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN)));
  CHECK(p.pciBusID == Attr(CU_DEVICE_ATTRIBUTE_PCI_BUS_ID));
  CHECK(p.hostNumaMultinodeIpcSupported == Attr(CU_DEVICE_ATTRIBUTE_HOST_NUMA_MULTINODE_IPC_SUPPORTED));
}

TEST_CASE("12.x layout puts every field at the 12.x offset", "[device]") {
  std::vector<unsigned char> bytes(abi12::kDevicePropSize, 0xEE);
  WriteDeviceProp12(FakeInfo(), bytes.data(), bytes.size());
  CHECK(std::string(reinterpret_cast<const char*>(bytes.data())) == "vgpu test GPU");
  CHECK(At<unsigned char>(bytes, 256 + 15) == 16);  // uuid
  CHECK(At<size_t>(bytes, 288) == (size_t{80} << 30));
  CHECK(At<int>(bytes, 348) == Attr(CU_DEVICE_ATTRIBUTE_CLOCK_RATE));
  CHECK(At<int>(bytes, 360) == Attr(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR));
  CHECK(At<int>(bytes, 364) == Attr(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR));
  CHECK(At<int>(bytes, 384) == Attr(CU_DEVICE_ATTRIBUTE_GPU_OVERLAP));
  CHECK(At<int>(bytes, 388) == Attr(CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT));
  CHECK(At<int>(bytes, 396) == Attr(CU_DEVICE_ATTRIBUTE_INTEGRATED));
  CHECK(At<int>(bytes, 404) == Attr(CU_DEVICE_ATTRIBUTE_COMPUTE_MODE));
  CHECK(At<int>(bytes, 416) == Attr(CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE1D_LINEAR_WIDTH));
  CHECK(At<int>(bytes, 584) == Attr(CU_DEVICE_ATTRIBUTE_PCI_BUS_ID));
  CHECK(At<int>(bytes, 588) == Attr(CU_DEVICE_ATTRIBUTE_PCI_DEVICE_ID));
  CHECK(At<int>(bytes, 592) == Attr(CU_DEVICE_ATTRIBUTE_PCI_DOMAIN_ID));
  CHECK(At<int>(bytes, 608) == Attr(CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE));
  CHECK(At<int>(bytes, 612) == Attr(CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH));
  CHECK(At<size_t>(bytes, 640) ==
        static_cast<size_t>(Attr(CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR)));
  CHECK(At<int>(bytes, 688) == Attr(CU_DEVICE_ATTRIBUTE_COOPERATIVE_LAUNCH));
  CHECK(At<int>(bytes, 692) == Attr(CU_DEVICE_ATTRIBUTE_COOPERATIVE_MULTI_DEVICE_LAUNCH));
  CHECK(At<size_t>(bytes, 696) ==
        static_cast<size_t>(Attr(CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN)));
  CHECK(At<size_t>(bytes, 720) ==
        static_cast<size_t>(Attr(CU_DEVICE_ATTRIBUTE_RESERVED_SHARED_MEMORY_PER_BLOCK)));
  CHECK(At<int>(bytes, 728) == Attr(CU_DEVICE_ATTRIBUTE_HOST_REGISTER_SUPPORTED));
  CHECK(At<int>(bytes, 772) == Attr(CU_DEVICE_ATTRIBUTE_CLUSTER_LAUNCH));
  CHECK(At<int>(bytes, 776) == Attr(CU_DEVICE_ATTRIBUTE_UNIFIED_FUNCTION_POINTERS));
  CHECK(At<int>(bytes, 780) == 0);  // reserved tail is zeroed
  CHECK(At<int>(bytes, 1028) == 0);
}

TEST_CASE("legacy 12.x entry writes only the 728-byte prefix", "[device]") {
  std::vector<unsigned char> bytes(abi12::kDevicePropSize, 0xEE);
  WriteDeviceProp12(FakeInfo(), bytes.data(), abi12::kLegacyDevicePropSize);
  CHECK(At<int>(bytes, 388) == Attr(CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT));
  CHECK(At<size_t>(bytes, 720) ==
        static_cast<size_t>(Attr(CU_DEVICE_ATTRIBUTE_RESERVED_SHARED_MEMORY_PER_BLOCK)));
  CHECK(bytes[728] == 0xEE);
  CHECK(bytes[1031] == 0xEE);
}

}  // namespace
}  // namespace vgpu::rt

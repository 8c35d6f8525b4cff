// The 12.x runtime ABI, defined here because only the 13.0 headers exist on
// the build machine. Offsets come from shared/reference/cuda-abi.md section 2.1
// (verified there against the real 12.1 header) and are pinned by static_asserts.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>

// Types that appear only in 12.x signatures; their bodies are never touched.
struct cudaLaunchParams;
struct cudaExternalSemaphoreSignalParams_v1;
struct cudaExternalSemaphoreWaitParams_v1;

namespace vgpu::rt::abi12 {

// cudaDeviceProp as filled by 12.x cudaGetDeviceProperties_v2 (1032 bytes).
// The legacy plain cudaGetDeviceProperties writes only the first 728 bytes.
struct DeviceProp {
  char name[256];
  cudaUUID_t uuid;
  char luid[8];
  unsigned int luidDeviceNodeMask;
  size_t totalGlobalMem;
  size_t sharedMemPerBlock;
  int regsPerBlock;
  int warpSize;
  size_t memPitch;
  int maxThreadsPerBlock;
  int maxThreadsDim[3];
  int maxGridSize[3];
  int clockRate;
  size_t totalConstMem;
  int major;
  int minor;
  size_t textureAlignment;
  size_t texturePitchAlignment;
  int deviceOverlap;
  int multiProcessorCount;
  int kernelExecTimeoutEnabled;
  int integrated;
  int canMapHostMemory;
  int computeMode;
  int maxTexture1D;
  int maxTexture1DMipmap;
  int maxTexture1DLinear;
  int maxTexture2D[2];
  int maxTexture2DMipmap[2];
  int maxTexture2DLinear[3];
  int maxTexture2DGather[2];
  int maxTexture3D[3];
  int maxTexture3DAlt[3];
  int maxTextureCubemap;
  int maxTexture1DLayered[2];
  int maxTexture2DLayered[3];
  int maxTextureCubemapLayered[2];
  int maxSurface1D;
  int maxSurface2D[2];
  int maxSurface3D[3];
  int maxSurface1DLayered[2];
  int maxSurface2DLayered[3];
  int maxSurfaceCubemap;
  int maxSurfaceCubemapLayered[2];
  size_t surfaceAlignment;
  int concurrentKernels;
  int ECCEnabled;
  int pciBusID;
  int pciDeviceID;
  int pciDomainID;
  int tccDriver;
  int asyncEngineCount;
  int unifiedAddressing;
  int memoryClockRate;
  int memoryBusWidth;
  int l2CacheSize;
  int persistingL2CacheMaxSize;
  int maxThreadsPerMultiProcessor;
  int streamPrioritiesSupported;
  int globalL1CacheSupported;
  int localL1CacheSupported;
  size_t sharedMemPerMultiprocessor;
  int regsPerMultiprocessor;
  int managedMemory;
  int isMultiGpuBoard;
  int multiGpuBoardGroupID;
  int hostNativeAtomicSupported;
  int singleToDoublePrecisionPerfRatio;
  int pageableMemoryAccess;
  int concurrentManagedAccess;
  int computePreemptionSupported;
  int canUseHostPointerForRegisteredMem;
  int cooperativeLaunch;
  int cooperativeMultiDeviceLaunch;
  size_t sharedMemPerBlockOptin;
  int pageableMemoryAccessUsesHostPageTables;
  int directManagedMemAccessFromHost;
  int maxBlocksPerMultiProcessor;
  int accessPolicyMaxWindowSize;
  size_t reservedSharedMemPerBlock;
  int hostRegisterSupported;
  int sparseCudaArraySupported;
  int hostRegisterReadOnlySupported;
  int timelineSemaphoreInteropSupported;
  int memoryPoolsSupported;
  int gpuDirectRDMASupported;
  unsigned int gpuDirectRDMAFlushWritesOptions;
  int gpuDirectRDMAWritesOrdering;
  unsigned int memoryPoolSupportedHandleTypes;
  int deferredMappingCudaArraySupported;
  int ipcEventSupported;
  int clusterLaunch;
  int unifiedFunctionPointers;
  int reserved[63];
};

inline constexpr size_t kDevicePropSize = 1032;
inline constexpr size_t kLegacyDevicePropSize = 728;  // pre-12.0 layout: up to reservedSharedMemPerBlock

static_assert(sizeof(DeviceProp) == kDevicePropSize);
static_assert(offsetof(DeviceProp, uuid) == 256);
static_assert(offsetof(DeviceProp, totalGlobalMem) == 288);
static_assert(offsetof(DeviceProp, maxGridSize) == 336);
static_assert(offsetof(DeviceProp, clockRate) == 348);
static_assert(offsetof(DeviceProp, totalConstMem) == 352);
static_assert(offsetof(DeviceProp, major) == 360);
static_assert(offsetof(DeviceProp, deviceOverlap) == 384);
static_assert(offsetof(DeviceProp, multiProcessorCount) == 388);
static_assert(offsetof(DeviceProp, integrated) == 396);
static_assert(offsetof(DeviceProp, computeMode) == 404);
static_assert(offsetof(DeviceProp, maxTexture1DLinear) == 416);
static_assert(offsetof(DeviceProp, maxTextureCubemapLayered) == 504);
static_assert(offsetof(DeviceProp, surfaceAlignment) == 568);
static_assert(offsetof(DeviceProp, pciBusID) == 584);
static_assert(offsetof(DeviceProp, memoryClockRate) == 608);
static_assert(offsetof(DeviceProp, sharedMemPerMultiprocessor) == 640);
static_assert(offsetof(DeviceProp, singleToDoublePrecisionPerfRatio) == 668);
static_assert(offsetof(DeviceProp, cooperativeMultiDeviceLaunch) == 692);
static_assert(offsetof(DeviceProp, sharedMemPerBlockOptin) == 696);
static_assert(offsetof(DeviceProp, reservedSharedMemPerBlock) == 720);
static_assert(offsetof(DeviceProp, hostRegisterSupported) == kLegacyDevicePropSize);
static_assert(offsetof(DeviceProp, gpuDirectRDMAFlushWritesOptions) == 752);
static_assert(offsetof(DeviceProp, unifiedFunctionPointers) == 776);

// cudaPointerAttributes before 13.0 had no reserved tail (24 bytes).
struct PointerAttributes {
  cudaMemoryType type;
  int device;
  void* devicePointer;
  void* hostPointer;
};
static_assert(sizeof(PointerAttributes) == 24);

}  // namespace vgpu::rt::abi12

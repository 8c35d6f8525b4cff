#include "libcudart/device_props.h"

#include <cstring>

#include "libcudart/abi12.h"

namespace vgpu::rt {

static_assert(sizeof(cudaDeviceProp) == 1008, "13.0 cudaDeviceProp layout");

DeviceInfo BuildDeviceInfo(const AttributeGetter& attr, const char* name, const CUuuid& uuid,
                           size_t total_mem) {
  DeviceInfo info;
  cudaDeviceProp& p = info.prop;
  std::strncpy(p.name, name, sizeof(p.name) - 1);
  std::memcpy(&p.uuid, &uuid, sizeof(p.uuid));
  p.totalGlobalMem = total_mem;
  p.sharedMemPerBlock = attr(CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK);
  p.regsPerBlock = attr(CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_BLOCK);
  p.warpSize = attr(CU_DEVICE_ATTRIBUTE_WARP_SIZE);
  p.memPitch = attr(CU_DEVICE_ATTRIBUTE_MAX_PITCH);
  p.maxThreadsPerBlock = attr(CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK);
  p.maxThreadsDim[0] = attr(CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X);
  p.maxThreadsDim[1] = attr(CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y);
  p.maxThreadsDim[2] = attr(CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z);
  p.maxGridSize[0] = attr(CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X);
  p.maxGridSize[1] = attr(CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y);
  p.maxGridSize[2] = attr(CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z);
  p.totalConstMem = attr(CU_DEVICE_ATTRIBUTE_TOTAL_CONSTANT_MEMORY);
  p.major = attr(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
  p.minor = attr(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
  p.textureAlignment = attr(CU_DEVICE_ATTRIBUTE_TEXTURE_ALIGNMENT);
  p.texturePitchAlignment = attr(CU_DEVICE_ATTRIBUTE_TEXTURE_PITCH_ALIGNMENT);
  p.multiProcessorCount = attr(CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
  p.integrated = attr(CU_DEVICE_ATTRIBUTE_INTEGRATED);
  p.canMapHostMemory = attr(CU_DEVICE_ATTRIBUTE_CAN_MAP_HOST_MEMORY);
  p.maxTexture1D = attr(CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE1D_WIDTH);
  p.maxTexture1DMipmap = attr(CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE1D_MIPMAPPED_WIDTH);
  p.maxTexture2D[0] = attr(CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE2D_WIDTH);
  p.maxTexture2D[1] = attr(CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE2D_HEIGHT);
  p.maxTexture2DMipmap[0] = attr(CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE2D_MIPMAPPED_WIDTH);
  p.maxTexture2DMipmap[1] = attr(CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE2D_MIPMAPPED_HEIGHT);
  p.maxTexture2DLinear[0] = attr(CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE2D_LINEAR_WIDTH);
  p.maxTexture2DLinear[1] = attr(CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE2D_LINEAR_HEIGHT);
  p.maxTexture2DLinear[2] = attr(CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE2D_LINEAR_PITCH);
  p.maxTexture2DGather[0] = attr(CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE2D_GATHER_WIDTH);
  p.maxTexture2DGather[1] = attr(CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE2D_GATHER_HEIGHT);
  p.maxTexture3D[0] = attr(CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE3D_WIDTH);
  p.maxTexture3D[1] = attr(CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE3D_HEIGHT);
  p.maxTexture3D[2] = attr(CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE3D_DEPTH);
  p.maxTexture3DAlt[0] = attr(CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE3D_WIDTH_ALTERNATE);
  p.maxTexture3DAlt[1] = attr(CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE3D_HEIGHT_ALTERNATE);
  p.maxTexture3DAlt[2] = attr(CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE3D_DEPTH_ALTERNATE);
  p.maxTextureCubemap = attr(CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURECUBEMAP_WIDTH);
  p.maxTexture1DLayered[0] = attr(CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE1D_LAYERED_WIDTH);
  p.maxTexture1DLayered[1] = attr(CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE1D_LAYERED_LAYERS);
  p.maxTexture2DLayered[0] = attr(CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE2D_LAYERED_WIDTH);
  p.maxTexture2DLayered[1] = attr(CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE2D_LAYERED_HEIGHT);
  p.maxTexture2DLayered[2] = attr(CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE2D_LAYERED_LAYERS);
  p.maxTextureCubemapLayered[0] = attr(CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURECUBEMAP_LAYERED_WIDTH);
  p.maxTextureCubemapLayered[1] = attr(CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURECUBEMAP_LAYERED_LAYERS);
  p.maxSurface1D = attr(CU_DEVICE_ATTRIBUTE_MAXIMUM_SURFACE1D_WIDTH);
  p.maxSurface2D[0] = attr(CU_DEVICE_ATTRIBUTE_MAXIMUM_SURFACE2D_WIDTH);
  p.maxSurface2D[1] = attr(CU_DEVICE_ATTRIBUTE_MAXIMUM_SURFACE2D_HEIGHT);
  p.maxSurface3D[0] = attr(CU_DEVICE_ATTRIBUTE_MAXIMUM_SURFACE3D_WIDTH);
  p.maxSurface3D[1] = attr(CU_DEVICE_ATTRIBUTE_MAXIMUM_SURFACE3D_HEIGHT);
  p.maxSurface3D[2] = attr(CU_DEVICE_ATTRIBUTE_MAXIMUM_SURFACE3D_DEPTH);
  p.maxSurface1DLayered[0] = attr(CU_DEVICE_ATTRIBUTE_MAXIMUM_SURFACE1D_LAYERED_WIDTH);
  p.maxSurface1DLayered[1] = attr(CU_DEVICE_ATTRIBUTE_MAXIMUM_SURFACE1D_LAYERED_LAYERS);
  p.maxSurface2DLayered[0] = attr(CU_DEVICE_ATTRIBUTE_MAXIMUM_SURFACE2D_LAYERED_WIDTH);
  p.maxSurface2DLayered[1] = attr(CU_DEVICE_ATTRIBUTE_MAXIMUM_SURFACE2D_LAYERED_HEIGHT);
  p.maxSurface2DLayered[2] = attr(CU_DEVICE_ATTRIBUTE_MAXIMUM_SURFACE2D_LAYERED_LAYERS);
  p.maxSurfaceCubemap = attr(CU_DEVICE_ATTRIBUTE_MAXIMUM_SURFACECUBEMAP_WIDTH);
  p.maxSurfaceCubemapLayered[0] = attr(CU_DEVICE_ATTRIBUTE_MAXIMUM_SURFACECUBEMAP_LAYERED_WIDTH);
  p.maxSurfaceCubemapLayered[1] = attr(CU_DEVICE_ATTRIBUTE_MAXIMUM_SURFACECUBEMAP_LAYERED_LAYERS);
  p.surfaceAlignment = attr(CU_DEVICE_ATTRIBUTE_SURFACE_ALIGNMENT);
  p.concurrentKernels = attr(CU_DEVICE_ATTRIBUTE_CONCURRENT_KERNELS);
  p.ECCEnabled = attr(CU_DEVICE_ATTRIBUTE_ECC_ENABLED);
  p.pciBusID = attr(CU_DEVICE_ATTRIBUTE_PCI_BUS_ID);
  p.pciDeviceID = attr(CU_DEVICE_ATTRIBUTE_PCI_DEVICE_ID);
  p.pciDomainID = attr(CU_DEVICE_ATTRIBUTE_PCI_DOMAIN_ID);
  p.tccDriver = attr(CU_DEVICE_ATTRIBUTE_TCC_DRIVER);
  p.asyncEngineCount = attr(CU_DEVICE_ATTRIBUTE_ASYNC_ENGINE_COUNT);
  p.unifiedAddressing = attr(CU_DEVICE_ATTRIBUTE_UNIFIED_ADDRESSING);
  p.memoryBusWidth = attr(CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH);
  p.l2CacheSize = attr(CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE);
  p.persistingL2CacheMaxSize = attr(CU_DEVICE_ATTRIBUTE_MAX_PERSISTING_L2_CACHE_SIZE);
  p.maxThreadsPerMultiProcessor = attr(CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR);
  p.streamPrioritiesSupported = attr(CU_DEVICE_ATTRIBUTE_STREAM_PRIORITIES_SUPPORTED);
  p.globalL1CacheSupported = attr(CU_DEVICE_ATTRIBUTE_GLOBAL_L1_CACHE_SUPPORTED);
  p.localL1CacheSupported = attr(CU_DEVICE_ATTRIBUTE_LOCAL_L1_CACHE_SUPPORTED);
  p.sharedMemPerMultiprocessor = attr(CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR);
  p.regsPerMultiprocessor = attr(CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_MULTIPROCESSOR);
  p.managedMemory = attr(CU_DEVICE_ATTRIBUTE_MANAGED_MEMORY);
  p.isMultiGpuBoard = attr(CU_DEVICE_ATTRIBUTE_MULTI_GPU_BOARD);
  p.multiGpuBoardGroupID = attr(CU_DEVICE_ATTRIBUTE_MULTI_GPU_BOARD_GROUP_ID);
  p.hostNativeAtomicSupported = attr(CU_DEVICE_ATTRIBUTE_HOST_NATIVE_ATOMIC_SUPPORTED);
  p.pageableMemoryAccess = attr(CU_DEVICE_ATTRIBUTE_PAGEABLE_MEMORY_ACCESS);
  p.concurrentManagedAccess = attr(CU_DEVICE_ATTRIBUTE_CONCURRENT_MANAGED_ACCESS);
  p.computePreemptionSupported = attr(CU_DEVICE_ATTRIBUTE_COMPUTE_PREEMPTION_SUPPORTED);
  p.canUseHostPointerForRegisteredMem = attr(CU_DEVICE_ATTRIBUTE_CAN_USE_HOST_POINTER_FOR_REGISTERED_MEM);
  p.cooperativeLaunch = attr(CU_DEVICE_ATTRIBUTE_COOPERATIVE_LAUNCH);
  p.sharedMemPerBlockOptin = attr(CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN);
  p.pageableMemoryAccessUsesHostPageTables = attr(CU_DEVICE_ATTRIBUTE_PAGEABLE_MEMORY_ACCESS_USES_HOST_PAGE_TABLES);
  p.directManagedMemAccessFromHost = attr(CU_DEVICE_ATTRIBUTE_DIRECT_MANAGED_MEM_ACCESS_FROM_HOST);
  p.maxBlocksPerMultiProcessor = attr(CU_DEVICE_ATTRIBUTE_MAX_BLOCKS_PER_MULTIPROCESSOR);
  p.accessPolicyMaxWindowSize = attr(CU_DEVICE_ATTRIBUTE_MAX_ACCESS_POLICY_WINDOW_SIZE);
  p.reservedSharedMemPerBlock = attr(CU_DEVICE_ATTRIBUTE_RESERVED_SHARED_MEMORY_PER_BLOCK);
  p.hostRegisterSupported = attr(CU_DEVICE_ATTRIBUTE_HOST_REGISTER_SUPPORTED);
  p.sparseCudaArraySupported = attr(CU_DEVICE_ATTRIBUTE_SPARSE_CUDA_ARRAY_SUPPORTED);
  p.hostRegisterReadOnlySupported = attr(CU_DEVICE_ATTRIBUTE_READ_ONLY_HOST_REGISTER_SUPPORTED);
  p.timelineSemaphoreInteropSupported = attr(CU_DEVICE_ATTRIBUTE_TIMELINE_SEMAPHORE_INTEROP_SUPPORTED);
  p.memoryPoolsSupported = attr(CU_DEVICE_ATTRIBUTE_MEMORY_POOLS_SUPPORTED);
  p.gpuDirectRDMASupported = attr(CU_DEVICE_ATTRIBUTE_GPU_DIRECT_RDMA_SUPPORTED);
  p.gpuDirectRDMAFlushWritesOptions = attr(CU_DEVICE_ATTRIBUTE_GPU_DIRECT_RDMA_FLUSH_WRITES_OPTIONS);
  p.gpuDirectRDMAWritesOrdering = attr(CU_DEVICE_ATTRIBUTE_GPU_DIRECT_RDMA_WRITES_ORDERING);
  p.memoryPoolSupportedHandleTypes = attr(CU_DEVICE_ATTRIBUTE_MEMPOOL_SUPPORTED_HANDLE_TYPES);
  p.deferredMappingCudaArraySupported = attr(CU_DEVICE_ATTRIBUTE_DEFERRED_MAPPING_CUDA_ARRAY_SUPPORTED);
  p.ipcEventSupported = attr(CU_DEVICE_ATTRIBUTE_IPC_EVENT_SUPPORTED);
  p.clusterLaunch = attr(CU_DEVICE_ATTRIBUTE_CLUSTER_LAUNCH);
  p.unifiedFunctionPointers = attr(CU_DEVICE_ATTRIBUTE_UNIFIED_FUNCTION_POINTERS);
  p.deviceNumaConfig = attr(CU_DEVICE_ATTRIBUTE_NUMA_CONFIG);
  p.deviceNumaId = attr(CU_DEVICE_ATTRIBUTE_NUMA_ID);
  p.mpsEnabled = attr(CU_DEVICE_ATTRIBUTE_MPS_ENABLED);
  p.hostNumaId = attr(CU_DEVICE_ATTRIBUTE_HOST_NUMA_ID);
  p.gpuPciDeviceID = attr(CU_DEVICE_ATTRIBUTE_GPU_PCI_DEVICE_ID);
  p.gpuPciSubsystemID = attr(CU_DEVICE_ATTRIBUTE_GPU_PCI_SUBSYSTEM_ID);
  p.hostNumaMultinodeIpcSupported = attr(CU_DEVICE_ATTRIBUTE_HOST_NUMA_MULTINODE_IPC_SUPPORTED);

  info.clock_rate = attr(CU_DEVICE_ATTRIBUTE_CLOCK_RATE);
  info.device_overlap = attr(CU_DEVICE_ATTRIBUTE_GPU_OVERLAP);
  info.kernel_exec_timeout_enabled = attr(CU_DEVICE_ATTRIBUTE_KERNEL_EXEC_TIMEOUT);
  info.compute_mode = attr(CU_DEVICE_ATTRIBUTE_COMPUTE_MODE);
  info.max_texture1d_linear = attr(CU_DEVICE_ATTRIBUTE_MAXIMUM_TEXTURE1D_LINEAR_WIDTH);
  info.memory_clock_rate = attr(CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE);
  info.single_to_double_precision_perf_ratio = attr(CU_DEVICE_ATTRIBUTE_SINGLE_TO_DOUBLE_PRECISION_PERF_RATIO);
  info.cooperative_multi_device_launch = attr(CU_DEVICE_ATTRIBUTE_COOPERATIVE_MULTI_DEVICE_LAUNCH);
  return info;
}

void WriteDeviceProp13(const DeviceInfo& info, cudaDeviceProp* out) { *out = info.prop; }

void WriteDeviceProp12(const DeviceInfo& info, void* out, size_t bytes) {
  const cudaDeviceProp& p = info.prop;
  abi12::DeviceProp q{};
#define VGPU_COPY(field) std::memcpy(&q.field, &p.field, sizeof(q.field))
  VGPU_COPY(name); VGPU_COPY(uuid); VGPU_COPY(luid); VGPU_COPY(luidDeviceNodeMask);
  VGPU_COPY(totalGlobalMem); VGPU_COPY(sharedMemPerBlock); VGPU_COPY(regsPerBlock);
  VGPU_COPY(warpSize); VGPU_COPY(memPitch); VGPU_COPY(maxThreadsPerBlock);
  VGPU_COPY(maxThreadsDim); VGPU_COPY(maxGridSize); VGPU_COPY(totalConstMem);
  VGPU_COPY(major); VGPU_COPY(minor); VGPU_COPY(textureAlignment); VGPU_COPY(texturePitchAlignment);
  VGPU_COPY(multiProcessorCount); VGPU_COPY(integrated); VGPU_COPY(canMapHostMemory);
  VGPU_COPY(maxTexture1D); VGPU_COPY(maxTexture1DMipmap); VGPU_COPY(maxTexture2D);
  VGPU_COPY(maxTexture2DMipmap); VGPU_COPY(maxTexture2DLinear); VGPU_COPY(maxTexture2DGather);
  VGPU_COPY(maxTexture3D); VGPU_COPY(maxTexture3DAlt); VGPU_COPY(maxTextureCubemap);
  VGPU_COPY(maxTexture1DLayered); VGPU_COPY(maxTexture2DLayered); VGPU_COPY(maxTextureCubemapLayered);
  VGPU_COPY(maxSurface1D); VGPU_COPY(maxSurface2D); VGPU_COPY(maxSurface3D);
  VGPU_COPY(maxSurface1DLayered); VGPU_COPY(maxSurface2DLayered); VGPU_COPY(maxSurfaceCubemap);
  VGPU_COPY(maxSurfaceCubemapLayered); VGPU_COPY(surfaceAlignment); VGPU_COPY(concurrentKernels);
  VGPU_COPY(ECCEnabled); VGPU_COPY(pciBusID); VGPU_COPY(pciDeviceID); VGPU_COPY(pciDomainID);
  VGPU_COPY(tccDriver); VGPU_COPY(asyncEngineCount); VGPU_COPY(unifiedAddressing);
  VGPU_COPY(memoryBusWidth); VGPU_COPY(l2CacheSize); VGPU_COPY(persistingL2CacheMaxSize);
  VGPU_COPY(maxThreadsPerMultiProcessor); VGPU_COPY(streamPrioritiesSupported);
  VGPU_COPY(globalL1CacheSupported); VGPU_COPY(localL1CacheSupported);
  VGPU_COPY(sharedMemPerMultiprocessor); VGPU_COPY(regsPerMultiprocessor); VGPU_COPY(managedMemory);
  VGPU_COPY(isMultiGpuBoard); VGPU_COPY(multiGpuBoardGroupID); VGPU_COPY(hostNativeAtomicSupported);
  VGPU_COPY(pageableMemoryAccess); VGPU_COPY(concurrentManagedAccess);
  VGPU_COPY(computePreemptionSupported); VGPU_COPY(canUseHostPointerForRegisteredMem);
  VGPU_COPY(cooperativeLaunch); VGPU_COPY(sharedMemPerBlockOptin);
  VGPU_COPY(pageableMemoryAccessUsesHostPageTables); VGPU_COPY(directManagedMemAccessFromHost);
  VGPU_COPY(maxBlocksPerMultiProcessor); VGPU_COPY(accessPolicyMaxWindowSize);
  VGPU_COPY(reservedSharedMemPerBlock); VGPU_COPY(hostRegisterSupported);
  VGPU_COPY(sparseCudaArraySupported); VGPU_COPY(hostRegisterReadOnlySupported);
  VGPU_COPY(timelineSemaphoreInteropSupported); VGPU_COPY(memoryPoolsSupported);
  VGPU_COPY(gpuDirectRDMASupported); VGPU_COPY(gpuDirectRDMAFlushWritesOptions);
  VGPU_COPY(gpuDirectRDMAWritesOrdering); VGPU_COPY(memoryPoolSupportedHandleTypes);
  VGPU_COPY(deferredMappingCudaArraySupported); VGPU_COPY(ipcEventSupported);
  VGPU_COPY(clusterLaunch); VGPU_COPY(unifiedFunctionPointers);
#undef VGPU_COPY
  q.clockRate = info.clock_rate;
  q.deviceOverlap = info.device_overlap;
  q.kernelExecTimeoutEnabled = info.kernel_exec_timeout_enabled;
  q.computeMode = info.compute_mode;
  q.maxTexture1DLinear = info.max_texture1d_linear;
  q.memoryClockRate = info.memory_clock_rate;
  q.singleToDoublePrecisionPerfRatio = info.single_to_double_precision_perf_ratio;
  q.cooperativeMultiDeviceLaunch = info.cooperative_multi_device_launch;
  std::memcpy(out, &q, bytes < sizeof(q) ? bytes : sizeof(q));
}

}  // namespace vgpu::rt

// Kernel launch, function attributes and occupancy. Arguments are packed here
// with the layout the server reports (cuFuncGetParamInfo) and handed to the
// driver as one buffer (CU_LAUNCH_PARAM_BUFFER_POINTER), so libcuda never has
// to guess sizes from the void** nvcc builds.
#include <cstring>
#include <vector>

#include "libcudart/areas.h"
#include "libcudart/context.h"
#include "libcudart/errors.h"
#include "libcudart/exports.h"
#include "libcudart/registry.h"

namespace vgpu::rt {
namespace {

static_assert(sizeof(cudaLaunchAttribute) == sizeof(CUlaunchAttribute));
static_assert(sizeof(cudaLaunchAttributeValue) == sizeof(CUlaunchAttributeValue));

// Attributes that only tune scheduling: a launch without them computes the
// same result, so they may be dropped if the driver cannot take them.
bool IsSchedulingHint(cudaLaunchAttributeID id) {
  switch (id) {
    case cudaLaunchAttributeAccessPolicyWindow:
    case cudaLaunchAttributeSynchronizationPolicy:
    case cudaLaunchAttributeClusterSchedulingPolicyPreference:
    case cudaLaunchAttributeProgrammaticStreamSerialization:
    case cudaLaunchAttributePriority:
    case cudaLaunchAttributeMemSyncDomainMap:
    case cudaLaunchAttributeMemSyncDomain:
      return true;
    default:
      return false;
  }
}

struct Launch {
  const void* func;
  dim3 grid;
  dim3 block;
  void** args;
  size_t shared_mem;
  cudaStream_t stream;
  bool per_thread;
  const cudaLaunchAttribute* attrs = nullptr;
  unsigned num_attrs = 0;
};

Status DoLaunch(const Launch& l) {
  if (l.grid.x == 0 || l.grid.y == 0 || l.grid.z == 0 || l.block.x == 0 || l.block.y == 0 || l.block.z == 0)
    return RtError(cudaErrorInvalidConfiguration, "zero grid or block dimension");
  // The limits of every device since compute capability 3.0. The driver
  // reports these as CUDA_ERROR_INVALID_VALUE; the runtime, as CUDA's does,
  // calls them a bad configuration.
  if (l.block.x > 1024 || l.block.y > 1024 || l.block.z > 64 ||
      uint64_t{l.block.x} * l.block.y * l.block.z > 1024)
    return RtError(cudaErrorInvalidConfiguration, "more than 1024 threads per block or a block dimension too large");
  if (l.grid.x > 0x7fffffffu || l.grid.y > 65535 || l.grid.z > 65535)
    return RtError(cudaErrorInvalidConfiguration, "grid dimension too large");
  VGPU_ASSIGN_OR_RETURN(const LoadedKernel* kernel, ResolveKernel(l.func));
  CUstream stream = ToDriverStream(l.stream, l.per_thread);

  thread_local std::vector<unsigned char> buffer;
  size_t arg_bytes = kernel->arg_bytes;
  void* extra[] = {CU_LAUNCH_PARAM_BUFFER_POINTER, nullptr, CU_LAUNCH_PARAM_BUFFER_SIZE, &arg_bytes,
                   CU_LAUNCH_PARAM_END};
  void** kernel_params = l.args;
  void** extra_ptr = nullptr;
  if (kernel->layout_known && arg_bytes == 0) {
    kernel_params = nullptr;  // no parameters: nothing to pack
  } else if (kernel->layout_known) {
    buffer.assign(arg_bytes, 0);
    for (size_t i = 0; i < kernel->params.size(); ++i) {
      const ParamSlot& slot = kernel->params[i];
      if (slot.size == 0) continue;
      if (l.args == nullptr || l.args[i] == nullptr)
        return InvalidValue(kernel->name + ": missing argument " + std::to_string(i));
      std::memcpy(buffer.data() + slot.offset, l.args[i], slot.size);
    }
    extra[1] = buffer.data();
    kernel_params = nullptr;
    extra_ptr = extra;
  }

  if (l.num_attrs == 0) {
    CUresult res = cuLaunchKernel(kernel->function, l.grid.x, l.grid.y, l.grid.z, l.block.x, l.block.y, l.block.z,
                                  static_cast<unsigned>(l.shared_mem), stream, kernel_params, extra_ptr);
    if (res == CUDA_ERROR_NOT_SUPPORTED && extra_ptr != nullptr && l.args != nullptr) {
      // A driver that takes no packed buffer packs kernelParams itself.
      res = cuLaunchKernel(kernel->function, l.grid.x, l.grid.y, l.grid.z, l.block.x, l.block.y, l.block.z,
                           static_cast<unsigned>(l.shared_mem), stream, l.args, nullptr);
    }
    return DriverStatus(res, "cuLaunchKernel");
  }
  CUlaunchConfig config{};
  config.gridDimX = l.grid.x;
  config.gridDimY = l.grid.y;
  config.gridDimZ = l.grid.z;
  config.blockDimX = l.block.x;
  config.blockDimY = l.block.y;
  config.blockDimZ = l.block.z;
  config.sharedMemBytes = static_cast<unsigned>(l.shared_mem);
  config.hStream = stream;
  config.attrs = const_cast<CUlaunchAttribute*>(reinterpret_cast<const CUlaunchAttribute*>(l.attrs));
  config.numAttrs = l.num_attrs;
  CUresult res = cuLaunchKernelEx(&config, kernel->function, kernel_params, extra_ptr);
  if (res == CUDA_ERROR_NOT_SUPPORTED) {
    // A driver without cuLaunchKernelEx: drop what only tunes scheduling, and
    // take the cooperative launch entry point for a cooperative launch.
    bool cooperative = false, other = false;
    for (unsigned i = 0; i < l.num_attrs; ++i) {
      if (l.attrs[i].id == cudaLaunchAttributeCooperative)
        cooperative = l.attrs[i].val.cooperative != 0;
      else if (!IsSchedulingHint(l.attrs[i].id))
        other = true;
    }
    if (!other && !cooperative) {
      VGPU_CU(cuLaunchKernel(kernel->function, l.grid.x, l.grid.y, l.grid.z, l.block.x, l.block.y, l.block.z,
                             static_cast<unsigned>(l.shared_mem), stream, kernel_params, extra_ptr));
      return Status::Ok();
    }
    if (!other && l.args != nullptr) {
      // cuLaunchCooperativeKernel takes no `extra`: the driver packs kernelParams.
      VGPU_CU(cuLaunchCooperativeKernel(kernel->function, l.grid.x, l.grid.y, l.grid.z, l.block.x, l.block.y,
                                        l.block.z, static_cast<unsigned>(l.shared_mem), stream, l.args));
      return Status::Ok();
    }
  }
  return DriverStatus(res, "cuLaunchKernelEx");
}

cudaError_t LaunchSimple(const void* func, dim3 grid, dim3 block, void** args, size_t shmem, cudaStream_t stream,
                         bool per_thread) {
  return ToCudaError(DoLaunch({func, grid, block, args, shmem, stream, per_thread}));
}

cudaError_t LaunchEx(const cudaLaunchConfig_t* config, const void* func, void** args, bool per_thread) {
  if (config == nullptr) return cudaErrorInvalidValue;
  Launch l{func, config->gridDim, config->blockDim, args, config->dynamicSmemBytes, config->stream, per_thread};
  l.attrs = config->attrs;
  l.num_attrs = config->numAttrs;
  return ToCudaError(DoLaunch(l));
}

cudaError_t LaunchCooperative(const void* func, dim3 grid, dim3 block, void** args, size_t shmem,
                              cudaStream_t stream, bool per_thread) {
  cudaLaunchAttribute attr{};
  attr.id = cudaLaunchAttributeCooperative;
  attr.val.cooperative = 1;
  Launch l{func, grid, block, args, shmem, stream, per_thread};
  l.attrs = &attr;
  l.num_attrs = 1;
  return ToCudaError(DoLaunch(l));
}

Result<CUfunction> Function(const void* func) {
  VGPU_ASSIGN_OR_RETURN(const LoadedKernel* kernel, ResolveKernel(func));
  return kernel->function;
}

}  // namespace

namespace launch {

cudaError_t cudaLaunchKernel(const void* func, dim3 gridDim, dim3 blockDim, void** args, size_t sharedMem,
                             cudaStream_t stream) {
  return LaunchSimple(func, gridDim, blockDim, args, sharedMem, stream, false);
}
cudaError_t cudaLaunchKernel_ptsz(const void* func, dim3 gridDim, dim3 blockDim, void** args, size_t sharedMem,
                                  cudaStream_t stream) {
  return LaunchSimple(func, gridDim, blockDim, args, sharedMem, stream, true);
}
cudaError_t cudaLaunchKernelExC(const cudaLaunchConfig_t* config, const void* func, void** args) {
  return LaunchEx(config, func, args, false);
}
cudaError_t cudaLaunchKernelExC_ptsz(const cudaLaunchConfig_t* config, const void* func, void** args) {
  return LaunchEx(config, func, args, true);
}
cudaError_t cudaLaunchCooperativeKernel(const void* func, dim3 gridDim, dim3 blockDim, void** args,
                                        size_t sharedMem, cudaStream_t stream) {
  return LaunchCooperative(func, gridDim, blockDim, args, sharedMem, stream, false);
}
cudaError_t cudaLaunchCooperativeKernel_ptsz(const void* func, dim3 gridDim, dim3 blockDim, void** args,
                                             size_t sharedMem, cudaStream_t stream) {
  return LaunchCooperative(func, gridDim, blockDim, args, sharedMem, stream, true);
}

cudaError_t cudaFuncGetParamInfo(const void* func, size_t paramIndex, size_t* paramOffset, size_t* paramSize) {
  auto kernel = ResolveKernel(func);
  if (!kernel.ok()) return ToCudaError(kernel.status());
  if (!(*kernel)->layout_known) return cudaErrorNotSupported;
  if (paramIndex >= (*kernel)->params.size()) return cudaErrorInvalidValue;
  if (paramOffset) *paramOffset = (*kernel)->params[paramIndex].offset;
  if (paramSize) *paramSize = (*kernel)->params[paramIndex].size;
  return cudaSuccess;
}

cudaError_t cudaFuncGetName(const char** name, const void* func) {
  if (name == nullptr) return cudaErrorInvalidValue;
  auto kernel = ResolveKernel(func);
  if (!kernel.ok()) return ToCudaError(kernel.status());
  *name = (*kernel)->name.c_str();
  return cudaSuccess;
}

cudaError_t cudaFuncGetAttributes(struct cudaFuncAttributes* attr, const void* func) {
  if (attr == nullptr) return cudaErrorInvalidValue;
  auto f = Function(func);
  if (!f.ok()) return ToCudaError(f.status());
  auto get = [&](CUfunction_attribute a, int* out, bool required) -> CUresult {
    int value = 0;
    CUresult res = cuFuncGetAttribute(&value, a, *f);
    if (res == CUDA_SUCCESS) *out = value;
    return required ? res : CUDA_SUCCESS;
  };
  *attr = {};
  int v = 0;
  CUresult res = CUDA_SUCCESS;
  auto req = [&](CUfunction_attribute a) {
    v = 0;
    if (res == CUDA_SUCCESS) res = get(a, &v, true);
    return v;
  };
  attr->sharedSizeBytes = req(CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES);
  attr->constSizeBytes = req(CU_FUNC_ATTRIBUTE_CONST_SIZE_BYTES);
  attr->localSizeBytes = req(CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES);
  attr->maxThreadsPerBlock = req(CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK);
  attr->numRegs = req(CU_FUNC_ATTRIBUTE_NUM_REGS);
  attr->ptxVersion = req(CU_FUNC_ATTRIBUTE_PTX_VERSION);
  attr->binaryVersion = req(CU_FUNC_ATTRIBUTE_BINARY_VERSION);
  if (res != CUDA_SUCCESS) return ToCudaError(res);
  get(CU_FUNC_ATTRIBUTE_CACHE_MODE_CA, &attr->cacheModeCA, false);
  get(CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, &attr->maxDynamicSharedSizeBytes, false);
  get(CU_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT, &attr->preferredShmemCarveout, false);
  get(CU_FUNC_ATTRIBUTE_CLUSTER_SIZE_MUST_BE_SET, &attr->clusterDimMustBeSet, false);
  get(CU_FUNC_ATTRIBUTE_REQUIRED_CLUSTER_WIDTH, &attr->requiredClusterWidth, false);
  get(CU_FUNC_ATTRIBUTE_REQUIRED_CLUSTER_HEIGHT, &attr->requiredClusterHeight, false);
  get(CU_FUNC_ATTRIBUTE_REQUIRED_CLUSTER_DEPTH, &attr->requiredClusterDepth, false);
  get(CU_FUNC_ATTRIBUTE_CLUSTER_SCHEDULING_POLICY_PREFERENCE, &attr->clusterSchedulingPolicyPreference, false);
  get(CU_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED, &attr->nonPortableClusterSizeAllowed, false);
  return cudaSuccess;
}

cudaError_t cudaFuncSetAttribute(const void* func, enum cudaFuncAttribute attr, int value) {
  auto f = Function(func);
  if (!f.ok()) return ToCudaError(f.status());
  // cudaFuncAttribute values equal CUfunction_attribute values.
  return ToCudaError(cuFuncSetAttribute(*f, static_cast<CUfunction_attribute>(attr), value));
}

cudaError_t cudaFuncSetCacheConfig(const void* func, enum cudaFuncCache cacheConfig) {
  auto f = Function(func);
  if (!f.ok()) return ToCudaError(f.status());
  CUresult res = cuFuncSetCacheConfig(*f, static_cast<CUfunc_cache>(cacheConfig));
  // A preference only: a driver without it runs the kernel all the same.
  return res == CUDA_ERROR_NOT_SUPPORTED ? cudaSuccess : ToCudaError(res);
}

cudaError_t cudaGetFuncBySymbol(cudaFunction_t* functionPtr, const void* symbolPtr) {
  if (functionPtr == nullptr) return cudaErrorInvalidValue;
  auto f = Function(symbolPtr);
  if (!f.ok()) return ToCudaError(f.status());
  *functionPtr = *f;
  return cudaSuccess;
}

cudaError_t cudaGetKernel(cudaKernel_t* kernelPtr, const void* entryFuncAddr) {
  if (kernelPtr == nullptr) return cudaErrorInvalidValue;
  if (!IsRegisteredFunction(entryFuncAddr)) return cudaErrorInvalidDeviceFunction;
  // The kernel handle is the host stub itself, as the real cudart 13 does.
  *kernelPtr = reinterpret_cast<cudaKernel_t>(const_cast<void*>(entryFuncAddr));
  return cudaSuccess;
}

cudaError_t cudaOccupancyMaxActiveBlocksPerMultiprocessorWithFlags(int* numBlocks, const void* func, int blockSize,
                                                                   size_t dynamicSMemSize, unsigned int flags) {
  if (numBlocks == nullptr) return cudaErrorInvalidValue;
  auto f = Function(func);
  if (!f.ok()) return ToCudaError(f.status());
  return ToCudaError(cuOccupancyMaxActiveBlocksPerMultiprocessorWithFlags(numBlocks, *f, blockSize,
                                                                          dynamicSMemSize, flags));
}

cudaError_t cudaOccupancyMaxActiveBlocksPerMultiprocessor(int* numBlocks, const void* func, int blockSize,
                                                          size_t dynamicSMemSize) {
  return cudaOccupancyMaxActiveBlocksPerMultiprocessorWithFlags(numBlocks, func, blockSize, dynamicSMemSize,
                                                                cudaOccupancyDefault);
}

cudaError_t cudaOccupancyAvailableDynamicSMemPerBlock(size_t* dynamicSmemSize, const void* func, int numBlocks,
                                                      int blockSize) {
  if (dynamicSmemSize == nullptr) return cudaErrorInvalidValue;
  auto f = Function(func);
  if (!f.ok()) return ToCudaError(f.status());
  return ToCudaError(cuOccupancyAvailableDynamicSMemPerBlock(dynamicSmemSize, *f, numBlocks, blockSize));
}

cudaError_t cudaLaunchHostFunc(cudaStream_t stream, cudaHostFn_t fn, void* userData) {
  auto ctx = EnsureContext();
  if (!ctx.ok()) return ToCudaError(ctx.status());
  return ToCudaError(cuLaunchHostFunc(ToDriverStream(stream, false), fn, userData));
}
cudaError_t cudaLaunchHostFunc_ptsz(cudaStream_t stream, cudaHostFn_t fn, void* userData) {
  auto ctx = EnsureContext();
  if (!ctx.ok()) return ToCudaError(ctx.status());
  return ToCudaError(cuLaunchHostFunc(ToDriverStream(stream, true), fn, userData));
}

}  // namespace launch
}  // namespace vgpu::rt

// nvcc 13's launch path: __cudaGetKernel once per stub, then __cudaLaunchKernel.
extern "C" VGPU_RT_EXPORT cudaError_t __cudaGetKernel(cudaKernel_t* kernel, const void* hostFun) {
  return vgpu::rt::Enter<cudaError_t>("__cudaGetKernel",
                                      [&] { return vgpu::rt::launch::cudaGetKernel(kernel, hostFun); });
}

extern "C" VGPU_RT_EXPORT cudaError_t __cudaLaunchKernel(cudaKernel_t kernel, dim3 gridDim, dim3 blockDim,
                                                        void** args, size_t sharedMem, cudaStream_t stream) {
  return vgpu::rt::Enter<cudaError_t>("__cudaLaunchKernel", [&] {
    return vgpu::rt::launch::cudaLaunchKernel(kernel, gridDim, blockDim, args, sharedMem, stream);
  });
}

extern "C" VGPU_RT_EXPORT cudaError_t __cudaLaunchKernel_ptsz(cudaKernel_t kernel, dim3 gridDim, dim3 blockDim,
                                                             void** args, size_t sharedMem, cudaStream_t stream) {
  return vgpu::rt::Enter<cudaError_t>("__cudaLaunchKernel_ptsz", [&] {
    return vgpu::rt::launch::cudaLaunchKernel_ptsz(kernel, gridDim, blockDim, args, sharedMem, stream);
  });
}

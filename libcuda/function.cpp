// Function area: attributes and parameter layouts are local (they came with
// the module); launches are posted without waiting, with the arguments
// packed by the layout the server reported (design principle 4).
#include <algorithm>
#include <cstring>

#include "common/log.h"
#include "libcuda/areas.h"
#include "libcuda/objects.h"

namespace vgpu::cu::function {
namespace {

struct Launch {
  unsigned int grid[3];
  unsigned int block[3];
  unsigned int shared_mem_bytes;
  CUstream stream;
  bool cooperative;
};

// Packs the arguments: `kernelParams` (one pointer per parameter) or
// `extra` (CU_LAUNCH_PARAM_BUFFER_POINTER / _SIZE / _END).
Result<std::string> Pack(const CUfunc_st& function, void** kernelParams, void** extra) {
  std::string packed(function.param_bytes, '\0');
  if (kernelParams != nullptr) {
    for (size_t i = 0; i < function.params.size(); ++i) {
      auto [offset, size] = function.params[i];
      if (kernelParams[i] == nullptr) return InvalidValue("kernelParams[" + std::to_string(i) + "] is null");
      if (uint64_t{offset} + size > packed.size()) return InvalidImage("parameter layout exceeds the parameter size");
      std::memcpy(packed.data() + offset, kernelParams[i], size);
    }
    return packed;
  }
  if (extra != nullptr) {
    const void* buffer = nullptr;
    size_t buffer_size = 0;
    bool have_size = false;
    for (size_t i = 0; extra[i] != CU_LAUNCH_PARAM_END; i += 2) {
      if (i > 64) return InvalidValue("extra is not terminated by CU_LAUNCH_PARAM_END");
      if (extra[i] == CU_LAUNCH_PARAM_BUFFER_POINTER) {
        buffer = extra[i + 1];
      } else if (extra[i] == CU_LAUNCH_PARAM_BUFFER_SIZE) {
        if (extra[i + 1] == nullptr) return InvalidValue("CU_LAUNCH_PARAM_BUFFER_SIZE points nowhere");
        buffer_size = *static_cast<size_t*>(extra[i + 1]);
        have_size = true;
      } else {
        return InvalidValue("unknown entry in extra");
      }
    }
    if (buffer == nullptr || !have_size) return InvalidValue("extra needs both a buffer pointer and its size");
    if (buffer_size < function.param_bytes) {
      return InvalidValue("extra holds " + std::to_string(buffer_size) + " bytes; the kernel takes " +
                          std::to_string(function.param_bytes));
    }
    std::memcpy(packed.data(), buffer, function.param_bytes);
    return packed;
  }
  if (function.param_bytes != 0) return InvalidValue("the kernel takes parameters but none were given");
  return packed;
}

Status DoLaunch(CUfunction f, const Launch& launch, void** kernelParams, void** extra, bool per_thread) {
  VGPU_ASSIGN_OR_RETURN(Session * session, Connected());
  VGPU_ASSIGN_OR_RETURN(CUfunc_st * function, Objects::Get().Function(f));
  if (kernelParams != nullptr && extra != nullptr) return InvalidValue("pass kernelParams or extra, not both");
  for (int i = 0; i < 3; ++i) {
    if (launch.grid[i] == 0 || launch.block[i] == 0) return InvalidValue("launch dimensions must be nonzero");
  }
  uint64_t threads = uint64_t{launch.block[0]} * launch.block[1] * launch.block[2];
  int max_threads = function->attributes[CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK];
  if (max_threads > 0 && threads > static_cast<uint64_t>(max_threads)) {
    return InvalidValue(std::to_string(threads) + " threads per block exceed the kernel's limit of " +
                        std::to_string(max_threads));
  }
  VGPU_ASSIGN_OR_RETURN(StreamTarget target, ResolveStream(launch.stream, per_thread));
  if (target.ctx != function->module->ctx) return Status(Code::kInvalidContext, "the kernel belongs to another context");
  VGPU_ASSIGN_OR_RETURN(std::string packed, Pack(*function, kernelParams, extra));
  wire::Call call;
  auto* op = call.mutable_launch_kernel();
  op->set_ctx(target.ctx->id);
  op->set_module(function->module->id);
  op->set_function(function->index);
  op->set_grid_x(launch.grid[0]);
  op->set_grid_y(launch.grid[1]);
  op->set_grid_z(launch.grid[2]);
  op->set_block_x(launch.block[0]);
  op->set_block_y(launch.block[1]);
  op->set_block_z(launch.block[2]);
  op->set_shared_mem_bytes(launch.shared_mem_bytes);
  op->set_stream(target.stream);
  op->set_params(std::move(packed));
  op->set_cooperative(launch.cooperative);
  return session->Post(std::move(call));
}

Status DoLaunchEx(const CUlaunchConfig* config, CUfunction f, void** kernelParams, void** extra, bool per_thread) {
  if (config == nullptr) return InvalidValue("config is null");
  if (config->numAttrs > 0 && config->attrs == nullptr) return InvalidValue("attrs is null");
  Launch launch{{config->gridDimX, config->gridDimY, config->gridDimZ},
                {config->blockDimX, config->blockDimY, config->blockDimZ},
                config->sharedMemBytes,
                config->hStream,
                false};
  for (unsigned int i = 0; i < config->numAttrs; ++i) {
    const CUlaunchAttribute& attribute = config->attrs[i];
    switch (attribute.id) {
      case CU_LAUNCH_ATTRIBUTE_COOPERATIVE:
        launch.cooperative = attribute.value.cooperative != 0;
        break;
      case CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION:
        if (attribute.value.clusterDim.x * attribute.value.clusterDim.y * attribute.value.clusterDim.z > 1) {
          return NotSupported("thread block clusters are not supported by vgpu yet");
        }
        break;
      case CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION:
      case CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_EVENT:
      case CU_LAUNCH_ATTRIBUTE_PRIORITY:
      case CU_LAUNCH_ATTRIBUTE_ACCESS_POLICY_WINDOW:
      case CU_LAUNCH_ATTRIBUTE_MEM_SYNC_DOMAIN:
      case CU_LAUNCH_ATTRIBUTE_MEM_SYNC_DOMAIN_MAP:
        // Hints and overlap permissions: running the launch fully serialised
        // is always a correct way to honour them.
        break;
      default:
        return NotSupported("launch attribute " + std::to_string(attribute.id) + " is not supported by vgpu yet");
    }
  }
  return DoLaunch(f, launch, kernelParams, extra, per_thread);
}

Result<const wire::Device*> DeviceOf(const CUfunc_st& function) { return DeviceInfo(function.module->ctx->device); }

int DeviceAttribute(const wire::Device& device, int attribute) {
  return attribute < device.attributes_size() ? device.attributes(attribute) : 0;
}

// Blocks of `block_size` threads that fit on one multiprocessor at once.
int ActiveBlocks(const wire::Device& device, const CUfunc_st& function, int block_size, size_t dynamic_smem) {
  if (block_size <= 0) return 0;
  int warp = std::max(1, DeviceAttribute(device, CU_DEVICE_ATTRIBUTE_WARP_SIZE));
  int threads_per_sm = DeviceAttribute(device, CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR);
  int rounded = (block_size + warp - 1) / warp * warp;
  int blocks = threads_per_sm / rounded;
  blocks = std::min(blocks, DeviceAttribute(device, CU_DEVICE_ATTRIBUTE_MAX_BLOCKS_PER_MULTIPROCESSOR));
  size_t smem = dynamic_smem + static_cast<size_t>(function.attributes[CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES]);
  if (smem > 0) {
    blocks = std::min<int>(blocks, static_cast<int>(
        DeviceAttribute(device, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR) / smem));
  }
  int regs = function.attributes[CU_FUNC_ATTRIBUTE_NUM_REGS];
  if (regs > 0) {
    blocks = std::min(blocks, DeviceAttribute(device, CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_MULTIPROCESSOR) /
                                  (regs * rounded));
  }
  return std::max(0, blocks);
}

}  // namespace

// ---- attributes and layouts ----

Status cuFuncGetAttribute(int* pi, CUfunction_attribute attrib, CUfunction hfunc) {
  if (pi == nullptr) return InvalidValue("pi is null");
  VGPU_ASSIGN_OR_RETURN(CUfunc_st * function, Objects::Get().Function(hfunc));
  if (attrib < 0 || attrib >= CU_FUNC_ATTRIBUTE_MAX) return InvalidValue("unknown function attribute");
  *pi = function->attributes[attrib];
  return Status();
}

Status cuFuncSetAttribute(CUfunction hfunc, CUfunction_attribute attrib, int value) {
  VGPU_ASSIGN_OR_RETURN(Session * session, Connected());
  VGPU_ASSIGN_OR_RETURN(CUfunc_st * function, Objects::Get().Function(hfunc));
  if (attrib < 0 || attrib >= CU_FUNC_ATTRIBUTE_MAX) return InvalidValue("unknown function attribute");
  wire::Call call;
  auto* op = call.mutable_func_set_attribute();
  op->set_ctx(function->module->ctx->id);
  op->set_module(function->module->id);
  op->set_function(function->index);
  op->set_attribute(attrib);
  op->set_value(value);
  // Waits: a limit the device refuses must fail here, not at a later launch.
  VGPU_RETURN_IF_ERROR(session->Call(std::move(call)).status());
  function->attributes[attrib] = value;
  return Status();
}

Status cuFuncGetParamInfo(CUfunction func, size_t paramIndex, size_t* paramOffset, size_t* paramSize) {
  VGPU_ASSIGN_OR_RETURN(CUfunc_st * function, Objects::Get().Function(func));
  if (paramIndex >= function->params.size()) return InvalidValue("no parameter " + std::to_string(paramIndex));
  if (paramOffset) *paramOffset = function->params[paramIndex].first;
  if (paramSize) *paramSize = function->params[paramIndex].second;
  return Status();
}

Status cuFuncSetCacheConfig(CUfunction hfunc, CUfunc_cache) {
  return Objects::Get().Function(hfunc).status();  // a preference the device may ignore
}

Status cuFuncSetSharedMemConfig(CUfunction hfunc, CUsharedconfig) { return Objects::Get().Function(hfunc).status(); }

Status cuFuncGetName(const char** name, CUfunction hfunc) {
  if (name == nullptr) return InvalidValue("name is null");
  VGPU_ASSIGN_OR_RETURN(CUfunc_st * function, Objects::Get().Function(hfunc));
  *name = function->name.c_str();
  return Status();
}

Status cuFuncGetModule(CUmodule* hmod, CUfunction hfunc) {
  if (hmod == nullptr) return InvalidValue("hmod is null");
  VGPU_ASSIGN_OR_RETURN(CUfunc_st * function, Objects::Get().Function(hfunc));
  *hmod = function->module;
  return Status();
}

Status cuFuncIsLoaded(CUfunctionLoadingState* state, CUfunction hfunc) {
  if (state == nullptr) return InvalidValue("state is null");
  VGPU_RETURN_IF_ERROR(Objects::Get().Function(hfunc).status());
  *state = CU_FUNCTION_LOADING_STATE_LOADED;
  return Status();
}

Status cuFuncLoad(CUfunction hfunc) { return Objects::Get().Function(hfunc).status(); }

// ---- launches ----

Status cuLaunchKernel(CUfunction f, unsigned int gridDimX, unsigned int gridDimY, unsigned int gridDimZ,
                      unsigned int blockDimX, unsigned int blockDimY, unsigned int blockDimZ,
                      unsigned int sharedMemBytes, CUstream hStream, void** kernelParams, void** extra) {
  return DoLaunch(f, {{gridDimX, gridDimY, gridDimZ}, {blockDimX, blockDimY, blockDimZ}, sharedMemBytes, hStream, false},
                  kernelParams, extra, false);
}

Status cuLaunchKernel_ptsz(CUfunction f, unsigned int gridDimX, unsigned int gridDimY, unsigned int gridDimZ,
                           unsigned int blockDimX, unsigned int blockDimY, unsigned int blockDimZ,
                           unsigned int sharedMemBytes, CUstream hStream, void** kernelParams, void** extra) {
  return DoLaunch(f, {{gridDimX, gridDimY, gridDimZ}, {blockDimX, blockDimY, blockDimZ}, sharedMemBytes, hStream, false},
                  kernelParams, extra, true);
}

Status cuLaunchCooperativeKernel(CUfunction f, unsigned int gridDimX, unsigned int gridDimY, unsigned int gridDimZ,
                                 unsigned int blockDimX, unsigned int blockDimY, unsigned int blockDimZ,
                                 unsigned int sharedMemBytes, CUstream hStream, void** kernelParams) {
  return DoLaunch(f, {{gridDimX, gridDimY, gridDimZ}, {blockDimX, blockDimY, blockDimZ}, sharedMemBytes, hStream, true},
                  kernelParams, nullptr, false);
}

Status cuLaunchCooperativeKernel_ptsz(CUfunction f, unsigned int gridDimX, unsigned int gridDimY,
                                      unsigned int gridDimZ, unsigned int blockDimX, unsigned int blockDimY,
                                      unsigned int blockDimZ, unsigned int sharedMemBytes, CUstream hStream,
                                      void** kernelParams) {
  return DoLaunch(f, {{gridDimX, gridDimY, gridDimZ}, {blockDimX, blockDimY, blockDimZ}, sharedMemBytes, hStream, true},
                  kernelParams, nullptr, true);
}

Status cuLaunchKernelEx(const CUlaunchConfig* config, CUfunction f, void** kernelParams, void** extra) {
  return DoLaunchEx(config, f, kernelParams, extra, false);
}

Status cuLaunchKernelEx_ptsz(const CUlaunchConfig* config, CUfunction f, void** kernelParams, void** extra) {
  return DoLaunchEx(config, f, kernelParams, extra, true);
}

// ---- occupancy, computed from the inventory and the kernel's attributes ----

Status cuOccupancyMaxActiveBlocksPerMultiprocessorWithFlags(int* numBlocks, CUfunction func, int blockSize,
                                                            size_t dynamicSMemSize, unsigned int) {
  if (numBlocks == nullptr) return InvalidValue("numBlocks is null");
  VGPU_ASSIGN_OR_RETURN(CUfunc_st * function, Objects::Get().Function(func));
  VGPU_ASSIGN_OR_RETURN(const wire::Device* device, DeviceOf(*function));
  *numBlocks = ActiveBlocks(*device, *function, blockSize, dynamicSMemSize);
  return Status();
}

Status cuOccupancyMaxActiveBlocksPerMultiprocessor(int* numBlocks, CUfunction func, int blockSize,
                                                   size_t dynamicSMemSize) {
  return function::cuOccupancyMaxActiveBlocksPerMultiprocessorWithFlags(numBlocks, func, blockSize, dynamicSMemSize, 0);
}

Status cuOccupancyMaxPotentialBlockSizeWithFlags(int* minGridSize, int* blockSize, CUfunction func,
                                                 CUoccupancyB2DSize blockSizeToDynamicSMemSize,
                                                 size_t dynamicSMemSize, int blockSizeLimit, unsigned int) {
  if (minGridSize == nullptr || blockSize == nullptr) return InvalidValue("null argument");
  VGPU_ASSIGN_OR_RETURN(CUfunc_st * function, Objects::Get().Function(func));
  VGPU_ASSIGN_OR_RETURN(const wire::Device* device, DeviceOf(*function));
  int warp = std::max(1, DeviceAttribute(*device, CU_DEVICE_ATTRIBUTE_WARP_SIZE));
  int limit = function->attributes[CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK];
  if (blockSizeLimit > 0) limit = std::min(limit, blockSizeLimit);
  int best_size = 0, best_threads = 0, best_blocks = 0;
  for (int size = limit / warp * warp; size >= warp; size -= warp) {
    size_t smem = blockSizeToDynamicSMemSize ? blockSizeToDynamicSMemSize(size) : dynamicSMemSize;
    int blocks = ActiveBlocks(*device, *function, size, smem);
    if (blocks * size > best_threads) {
      best_threads = blocks * size;
      best_size = size;
      best_blocks = blocks;
    }
  }
  *blockSize = best_size;
  *minGridSize = best_blocks * DeviceAttribute(*device, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
  return Status();
}

Status cuOccupancyMaxPotentialBlockSize(int* minGridSize, int* blockSize, CUfunction func,
                                        CUoccupancyB2DSize blockSizeToDynamicSMemSize, size_t dynamicSMemSize,
                                        int blockSizeLimit) {
  return function::cuOccupancyMaxPotentialBlockSizeWithFlags(minGridSize, blockSize, func, blockSizeToDynamicSMemSize,
                                                   dynamicSMemSize, blockSizeLimit, 0);
}

Status cuOccupancyAvailableDynamicSMemPerBlock(size_t* dynamicSmemSize, CUfunction func, int numBlocks,
                                               int blockSize) {
  if (dynamicSmemSize == nullptr || numBlocks <= 0 || blockSize <= 0) return InvalidValue("bad argument");
  VGPU_ASSIGN_OR_RETURN(CUfunc_st * function, Objects::Get().Function(func));
  VGPU_ASSIGN_OR_RETURN(const wire::Device* device, DeviceOf(*function));
  size_t per_sm = static_cast<size_t>(DeviceAttribute(*device, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR));
  size_t static_smem = static_cast<size_t>(function->attributes[CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES]);
  size_t per_block = per_sm / static_cast<size_t>(numBlocks);
  size_t optin = static_cast<size_t>(DeviceAttribute(*device, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN));
  per_block = std::min(per_block, optin);
  *dynamicSmemSize = per_block > static_smem ? per_block - static_smem : 0;
  return Status();
}

}  // namespace vgpu::cu::function

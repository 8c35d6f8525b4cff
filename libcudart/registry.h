// What nvcc's generated code registers (fatbins, kernels, variables), and the
// lazy upload of a fatbin to the current context the first time one of its
// kernels or variables is used. Registration itself never calls the driver:
// discovery processes register about 1 GB of fatbins and never launch.
#pragma once

#include <cuda.h>

#include <cstddef>
#include <string>
#include <vector>

#include "common/status.h"

namespace vgpu::rt {

struct ParamSlot {
  size_t offset;
  size_t size;
};

// A kernel loaded into one context.
struct LoadedKernel {
  CUfunction function = nullptr;
  std::string name;
  bool layout_known = false;  // false: the driver reported no parameter layout
  std::vector<ParamSlot> params;
  size_t arg_bytes = 0;  // end of the last parameter
};

struct LoadedVar {
  CUdeviceptr address = 0;
  size_t size = 0;
};

// Opaque handle returned to nvcc's code by __cudaRegisterFatBinary.
using FatBinaryHandle = void**;

FatBinaryHandle RegisterFatBinary(const void* wrapper);
void UnregisterFatBinary(FatBinaryHandle handle);
void RegisterFunction(FatBinaryHandle handle, const void* host_fun, const char* device_name);
void RegisterVar(FatBinaryHandle handle, const void* host_var, const char* device_name, size_t size,
                 void** managed_slot);
bool IsRegisteredFunction(const void* host_fun);

// In the current context (EnsureContext first): loads the fatbin on first use.
Result<const LoadedKernel*> ResolveKernel(const void* host_fun);
Result<LoadedVar> ResolveVar(const void* host_var);
// __cudaInitModule: loads the fatbin and fills its managed variables' slots.
Status InitModule(FatBinaryHandle handle);

// Forgets modules loaded into `ctx` (after cudaDeviceReset destroyed it).
void ForgetContext(CUcontext ctx);

// Reads a kernel's layout with cuFuncGetParamInfo (index 0, 1, ... until
// CUDA_ERROR_INVALID_VALUE). Exposed for tests.
Status QueryParamLayout(CUfunction function, LoadedKernel* kernel);

}  // namespace vgpu::rt

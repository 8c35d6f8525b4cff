// Modules and kernels: load an image, list its kernels with their parameter
// layouts and attributes (the server decides layouts, design principle 4),
// and launch them with the packed parameter buffer the client sent.
#include <algorithm>

#include "server/backends/cuda/context.h"
#include "server/backends/cuda/module_image.h"

namespace vgpu::backend::cuda {
namespace {

// More parameters than fit in the largest parameter space (32 KiB) means
// the driver is not answering what we asked.
constexpr size_t kMaxParams = 32 * 1024;

Status DescribeKernel(const Driver& d, CUfunction function, FunctionInfo* info) {
  const char* name = nullptr;
  VGPU_RETURN_IF_ERROR(d.Check(d.cuFuncGetName(&name, function), "cuFuncGetName"));
  info->name = name ? name : "";

  // With lazy loading (the default since CUDA 12.2) some attributes need
  // the kernel fully loaded: load it only when the driver says so.
  info->attributes.assign(CU_FUNC_ATTRIBUTE_MAX, 0);
  bool loaded = false;
  for (int a = 0; a < CU_FUNC_ATTRIBUTE_MAX; ++a) {
    const auto attribute = static_cast<CUfunction_attribute>(a);
    int value = 0;
    CUresult r = d.cuFuncGetAttribute(&value, attribute, function);
    if (r == CUDA_ERROR_FUNCTION_NOT_LOADED && !loaded) {
      VGPU_RETURN_IF_ERROR(d.Check(d.cuFuncLoad(function), "cuFuncLoad (" + info->name + ")"));
      loaded = true;
      r = d.cuFuncGetAttribute(&value, attribute, function);
    }
    // Attributes newer than the host's driver are rejected: they read as 0.
    if (r == CUDA_SUCCESS) info->attributes[a] = value;
  }

  // Index 0, 1, ... until the driver says there is no such parameter.
  info->params.clear();
  info->param_bytes = 0;
  for (size_t index = 0;; ++index) {
    size_t offset = 0, size = 0;
    CUresult r = d.cuFuncGetParamInfo(function, index, &offset, &size);
    if (r == CUDA_ERROR_INVALID_VALUE) break;
    VGPU_RETURN_IF_ERROR(d.Check(r, "cuFuncGetParamInfo (" + info->name + ", " + std::to_string(index) + ")"));
    if (index >= kMaxParams || offset + size > UINT32_MAX) {
      return Status(Code::kUnknown, "cuFuncGetParamInfo (" + info->name + "): implausible layout");
    }
    info->params.push_back(ParamSlot{static_cast<uint32_t>(offset), static_cast<uint32_t>(size)});
    info->param_bytes = std::max<uint32_t>(info->param_bytes, static_cast<uint32_t>(offset + size));
  }
  return Status();
}

}  // namespace

Result<Handle> CudaContext::ModuleLoad(std::span<const uint8_t> image, ModuleInfo* info) {
  VGPU_RETURN_IF_ERROR(Enter());
  VGPU_ASSIGN_OR_RETURN(std::vector<uint64_t> bytes, PrepareModuleImage(image));
  CUmodule module = nullptr;
  VGPU_RETURN_IF_ERROR(d().Check(d().cuModuleLoadData(&module, bytes.data()),
                                 "cuModuleLoadData (" + std::to_string(image.size()) + " bytes)"));

  Module loaded{module, {}};
  ModuleInfo described;
  auto describe = [&]() -> Status {
    unsigned int count = 0;
    VGPU_RETURN_IF_ERROR(d().Check(d().cuModuleGetFunctionCount(&count, module), "cuModuleGetFunctionCount"));
    std::vector<CUfunction> functions(count);
    if (count > 0) {
      VGPU_RETURN_IF_ERROR(d().Check(d().cuModuleEnumerateFunctions(functions.data(), count, module),
                                     "cuModuleEnumerateFunctions"));
    }
    for (CUfunction function : functions) {
      FunctionInfo function_info;
      VGPU_RETURN_IF_ERROR(DescribeKernel(d(), function, &function_info));
      loaded.kernels.push_back(Kernel{function, function_info.params, function_info.param_bytes});
      described.functions.push_back(std::move(function_info));
    }
    return Status();
  };
  if (Status s = describe(); !s.ok()) {
    (void)d().cuModuleUnload(module);
    return s;
  }

  // Globals are looked up by name on demand (ModuleGetGlobal).
  described.globals.clear();
  *info = std::move(described);
  const Handle handle = ToHandle(module);
  modules_[handle] = std::move(loaded);
  return handle;
}

Status CudaContext::ModuleUnload(Handle module) {
  VGPU_RETURN_IF_ERROR(Enter());
  auto it = modules_.find(module);
  if (it == modules_.end()) return InvalidHandle("cuModuleUnload: module " + Hex(module) + " is not loaded here");
  CUmodule cu_module = it->second.module;
  // Forget it even if the driver fails: the context's teardown frees it then.
  modules_.erase(it);
  return d().Check(d().cuModuleUnload(cu_module), "cuModuleUnload (" + Hex(module) + ")");
}

Result<GlobalInfo> CudaContext::ModuleGetGlobal(Handle module, const std::string& name) {
  VGPU_RETURN_IF_ERROR(Enter());
  auto it = modules_.find(module);
  if (it == modules_.end()) {
    return InvalidHandle("cuModuleGetGlobal_v2: module " + Hex(module) + " is not loaded here");
  }
  CUdeviceptr dptr = 0;
  size_t bytes = 0;
  VGPU_RETURN_IF_ERROR(d().Check(d().cuModuleGetGlobal(&dptr, &bytes, it->second.module, name.c_str()),
                                 "cuModuleGetGlobal_v2 (" + name + ")"));
  return GlobalInfo{name, static_cast<DevicePtr>(dptr), bytes};
}

Result<const CudaContext::Kernel*> CudaContext::FindKernel(Handle module, uint32_t function, const char* call) const {
  auto it = modules_.find(module);
  if (it == modules_.end()) {
    return InvalidHandle(std::string(call) + ": module " + Hex(module) + " is not loaded here");
  }
  if (function >= it->second.kernels.size()) {
    return InvalidHandle(std::string(call) + ": module " + Hex(module) + " has no function #" +
                         std::to_string(function));
  }
  return &it->second.kernels[function];
}

Status CudaContext::Launch(Handle module, uint32_t function, const LaunchConfig& config,
                           std::span<const uint8_t> params, Handle stream) {
  VGPU_RETURN_IF_ERROR(Enter());
  const char* call = config.cooperative ? "cuLaunchCooperativeKernel" : "cuLaunchKernel";
  VGPU_ASSIGN_OR_RETURN(const Kernel* kernel, FindKernel(module, function, call));
  // The driver reads the kernel's whole parameter space from our buffer.
  if (params.size() < kernel->param_bytes) {
    return InvalidValue(std::string(call) + ": " + std::to_string(params.size()) +
                        " parameter bytes, the kernel takes " + std::to_string(kernel->param_bytes));
  }
  // The driver only reads the parameters; its API just is not const.
  uint8_t* buffer = const_cast<uint8_t*>(params.data());
  CUresult r;
  if (!config.cooperative) {
    // Exactly the kernel's parameter space, as the driver reported it.
    size_t size = kernel->param_bytes;
    void* extra[] = {CU_LAUNCH_PARAM_BUFFER_POINTER, buffer, CU_LAUNCH_PARAM_BUFFER_SIZE, &size, CU_LAUNCH_PARAM_END};
    r = d().cuLaunchKernel(kernel->function, config.grid[0], config.grid[1], config.grid[2], config.block[0],
                           config.block[1], config.block[2], config.shared_mem_bytes, ToStream(stream), nullptr,
                           size > 0 ? extra : nullptr);
  } else {
    // Cooperative launches take no `extra`: point at each parameter instead.
    std::vector<void*> args;
    args.reserve(kernel->params.size());
    for (const ParamSlot& slot : kernel->params) args.push_back(buffer + slot.offset);
    r = d().cuLaunchCooperativeKernel(kernel->function, config.grid[0], config.grid[1], config.grid[2],
                                      config.block[0], config.block[1], config.block[2], config.shared_mem_bytes,
                                      ToStream(stream), args.empty() ? nullptr : args.data());
  }
  return d().Check(r, [&] {
    return std::string(call) + " (module " + Hex(module) + ", function #" + std::to_string(function) + ")";
  });
}

Status CudaContext::FuncSetAttribute(Handle module, uint32_t function, int32_t attribute, int32_t value) {
  VGPU_RETURN_IF_ERROR(Enter());
  VGPU_ASSIGN_OR_RETURN(const Kernel* kernel, FindKernel(module, function, "cuFuncSetAttribute"));
  return d().Check(d().cuFuncSetAttribute(kernel->function, static_cast<CUfunction_attribute>(attribute), value),
                   "cuFuncSetAttribute (function #" + std::to_string(function) + ", attribute " +
                       std::to_string(attribute) + ")");
}

}  // namespace vgpu::backend::cuda

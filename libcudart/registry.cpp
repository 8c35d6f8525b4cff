#include "libcudart/registry.h"

#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "common/log.h"
#include "libcudart/context.h"
#include "libcudart/errors.h"

namespace vgpu::rt {
namespace {

struct FatBinary {
  void* self = nullptr;  // the handle nvcc keeps points here
  const void* wrapper = nullptr;
  std::map<CUcontext, CUmodule> modules;
};

struct Function {
  FatBinary* fatbin;
  std::string name;
  std::map<CUcontext, std::unique_ptr<LoadedKernel>> loaded;
};

struct Var {
  FatBinary* fatbin;
  std::string name;
  size_t size;
  void** managed_slot;  // non-null for __managed__ variables
  std::map<CUcontext, CUdeviceptr> loaded;
  size_t driver_size = 0;  // what cuModuleGetGlobal reported
};

// nvcc's registered size is exact; the driver's bounds it, so a mismatch can
// never let a copy run past the real variable.
size_t EffectiveSize(const Var& var) {
  if (var.size == 0) return var.driver_size;
  return var.driver_size != 0 && var.driver_size < var.size ? var.driver_size : var.size;
}

struct Registry {
  std::mutex mu;
  std::unordered_map<FatBinary*, std::unique_ptr<FatBinary>> fatbins;
  std::unordered_map<const void*, Function> functions;
  std::unordered_map<const void*, Var> vars;
};

Registry& Reg() {
  static Registry* registry = [] {
    auto* r = new Registry();  // never destroyed: __cudaUnregisterFatBinary runs from atexit
    AddResetListener([](CUcontext ctx) { ForgetContext(ctx); });
    return r;
  }();
  return *registry;
}

FatBinary* FromHandle(FatBinaryHandle handle) {
  return handle == nullptr ? nullptr : static_cast<FatBinary*>(*handle);
}

// Caller holds mu.
Result<CUmodule> LoadModule(FatBinary* fatbin, CUcontext ctx) {
  auto it = fatbin->modules.find(ctx);
  if (it != fatbin->modules.end()) return it->second;
  CUmodule module = nullptr;
  VGPU_CU(cuModuleLoadData(&module, fatbin->wrapper));
  VGPU_LOG(Debug, "module", "loaded fatbin %p into context %p", fatbin->wrapper, static_cast<void*>(ctx));
  fatbin->modules[ctx] = module;
  return module;
}

}  // namespace

Status QueryParamLayout(CUfunction function, LoadedKernel* kernel) {
  kernel->params.clear();
  kernel->arg_bytes = 0;
  for (size_t i = 0;; ++i) {
    size_t offset = 0, size = 0;
    CUresult res = cuFuncGetParamInfo(function, i, &offset, &size);
    if (res == CUDA_ERROR_INVALID_VALUE) break;  // past the last parameter
    if (res != CUDA_SUCCESS) {
      kernel->params.clear();
      kernel->layout_known = false;
      return DriverStatus(res, "cuFuncGetParamInfo");
    }
    kernel->params.push_back({offset, size});
    if (offset + size > kernel->arg_bytes) kernel->arg_bytes = offset + size;
  }
  kernel->layout_known = true;
  return Status::Ok();
}

FatBinaryHandle RegisterFatBinary(const void* wrapper) {
  Registry& reg = Reg();
  auto fatbin = std::make_unique<FatBinary>();
  FatBinary* raw = fatbin.get();
  raw->self = raw;
  raw->wrapper = wrapper;
  std::lock_guard lock(reg.mu);
  reg.fatbins[raw] = std::move(fatbin);
  return &raw->self;
}

void UnregisterFatBinary(FatBinaryHandle handle) {
  Registry& reg = Reg();
  std::lock_guard lock(reg.mu);
  FatBinary* fatbin = FromHandle(handle);
  if (fatbin == nullptr || !reg.fatbins.count(fatbin)) return;
  // Modules stay loaded: this runs from atexit, after which the session (and
  // everything it holds on the server) goes away with the process.
  std::erase_if(reg.functions, [fatbin](const auto& kv) { return kv.second.fatbin == fatbin; });
  std::erase_if(reg.vars, [fatbin](const auto& kv) { return kv.second.fatbin == fatbin; });
  reg.fatbins.erase(fatbin);
}

void RegisterFunction(FatBinaryHandle handle, const void* host_fun, const char* device_name) {
  Registry& reg = Reg();
  std::lock_guard lock(reg.mu);
  FatBinary* fatbin = FromHandle(handle);
  if (fatbin == nullptr || device_name == nullptr || !reg.fatbins.count(fatbin)) return;
  reg.functions[host_fun] = Function{fatbin, device_name, {}};
}

void RegisterVar(FatBinaryHandle handle, const void* host_var, const char* device_name, size_t size,
                 void** managed_slot) {
  Registry& reg = Reg();
  std::lock_guard lock(reg.mu);
  FatBinary* fatbin = FromHandle(handle);
  if (fatbin == nullptr || device_name == nullptr || !reg.fatbins.count(fatbin)) return;
  reg.vars[host_var] = Var{fatbin, device_name, size, managed_slot, {}, 0};
}

bool IsRegisteredFunction(const void* host_fun) {
  Registry& reg = Reg();
  std::lock_guard lock(reg.mu);
  return reg.functions.count(host_fun) != 0;
}

Result<const LoadedKernel*> ResolveKernel(const void* host_fun) {
  VGPU_ASSIGN_OR_RETURN(CUcontext ctx, EnsureContext());
  Registry& reg = Reg();
  std::lock_guard lock(reg.mu);
  auto it = reg.functions.find(host_fun);
  if (it == reg.functions.end())
    return RtError(cudaErrorInvalidDeviceFunction, "not a registered kernel");
  Function& fn = it->second;
  auto loaded = fn.loaded.find(ctx);
  if (loaded != fn.loaded.end()) return loaded->second.get();
  VGPU_ASSIGN_OR_RETURN(CUmodule module, LoadModule(fn.fatbin, ctx));
  auto kernel = std::make_unique<LoadedKernel>();
  kernel->name = fn.name;
  VGPU_CU(cuModuleGetFunction(&kernel->function, module, fn.name.c_str()));
  if (Status s = QueryParamLayout(kernel->function, kernel.get()); !s.ok()) {
    // Without a layout the driver packs kernelParams itself.
    VGPU_LOG(Debug, "launch", "%s: no parameter layout (%s)", fn.name.c_str(), s.message().c_str());
  }
  const LoadedKernel* out = kernel.get();
  fn.loaded[ctx] = std::move(kernel);
  return out;
}

Result<LoadedVar> ResolveVar(const void* host_var) {
  VGPU_ASSIGN_OR_RETURN(CUcontext ctx, EnsureContext());
  Registry& reg = Reg();
  std::lock_guard lock(reg.mu);
  auto it = reg.vars.find(host_var);
  if (it == reg.vars.end()) return RtError(cudaErrorInvalidSymbol, "not a registered symbol");
  Var& var = it->second;
  auto loaded = var.loaded.find(ctx);
  if (loaded != var.loaded.end()) return LoadedVar{loaded->second, EffectiveSize(var)};
  VGPU_ASSIGN_OR_RETURN(CUmodule module, LoadModule(var.fatbin, ctx));
  CUdeviceptr address = 0;
  size_t size = 0;
  VGPU_CU(cuModuleGetGlobal(&address, &size, module, var.name.c_str()));
  var.loaded[ctx] = address;
  var.driver_size = size;
  return LoadedVar{address, EffectiveSize(var)};
}

Status InitModule(FatBinaryHandle handle) {
  VGPU_ASSIGN_OR_RETURN(CUcontext ctx, EnsureContext());
  Registry& reg = Reg();
  std::lock_guard lock(reg.mu);
  FatBinary* fatbin = FromHandle(handle);
  if (fatbin == nullptr || !reg.fatbins.count(fatbin)) return InvalidValue("unknown fatbin handle");
  VGPU_ASSIGN_OR_RETURN(CUmodule module, LoadModule(fatbin, ctx));
  for (auto& [host_var, var] : reg.vars) {
    if (var.fatbin != fatbin || var.managed_slot == nullptr) continue;
    CUdeviceptr address = 0;
    size_t size = 0;
    VGPU_CU(cuModuleGetGlobal(&address, &size, module, var.name.c_str()));
    var.loaded[ctx] = address;
    // The slot holds a device address: host code that dereferences it cannot
    // work against a remote GPU, but cudaMemcpy through it does.
    *var.managed_slot = reinterpret_cast<void*>(address);
  }
  return Status::Ok();
}

void ForgetContext(CUcontext ctx) {
  Registry& reg = Reg();
  std::lock_guard lock(reg.mu);
  for (auto& [ptr, fatbin] : reg.fatbins) fatbin->modules.erase(ctx);
  for (auto& [ptr, fn] : reg.functions) fn.loaded.erase(ctx);
  for (auto& [ptr, var] : reg.vars) var.loaded.erase(ctx);
}

}  // namespace vgpu::rt

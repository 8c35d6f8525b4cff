#include "server/backends/emu/module.h"

#include <cuda.h>

#include <cstring>

#include "common/log.h"
#include "image/cubin.h"
#include "image/fatbin.h"
#include "image/select.h"
#include "server/backends/emu/inventory.h"

namespace vgpu::backend::emu {
namespace {

uint32_t DeviceSm(const DeviceInfo& device) {
  return static_cast<uint32_t>(device.attributes[CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR] * 10 +
                               device.attributes[CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR]);
}

// ptx_arch: the virtual architecture the PTX was compiled for (80 for
// ".target sm_80"), which is what the driver reports as PTX_VERSION, not the
// ISA version (".version 9.1"): CUB matches ptxVersion * 10 against
// __CUDA_ARCH_LIST__ and fails with cudaErrorInvalidDeviceFunction otherwise.
FunctionInfo Describe(const ptx::Kernel& kernel, uint32_t ptx_arch, uint32_t sm) {
  FunctionInfo info;
  info.name = kernel.name;
  for (const auto& param : kernel.params) info.params.push_back({param.offset, param.size});
  info.param_bytes = kernel.param_bytes;
  info.attributes.assign(CU_FUNC_ATTRIBUTE_MAX, 0);
  auto& a = info.attributes;
  a[CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK] = static_cast<int32_t>(kernel.max_threads_per_block);
  a[CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES] = static_cast<int32_t>(kernel.static_shared_bytes);
  a[CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES] = static_cast<int32_t>(kernel.local_bytes_per_thread);
  a[CU_FUNC_ATTRIBUTE_NUM_REGS] = static_cast<int32_t>(kernel.num_regs);
  a[CU_FUNC_ATTRIBUTE_PTX_VERSION] = static_cast<int32_t>(ptx_arch);
  a[CU_FUNC_ATTRIBUTE_BINARY_VERSION] = static_cast<int32_t>(sm);
  a[CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES] =
      kSharedMemoryPerBlock - static_cast<int32_t>(std::min<uint32_t>(kernel.static_shared_bytes, kSharedMemoryPerBlock));
  a[CU_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT] = -1;
  return info;
}

FunctionInfo Describe(const image::CubinKernel& kernel, uint32_t sm) {
  FunctionInfo info;
  info.name = kernel.name;
  for (const auto& param : kernel.params) info.params.push_back({param.offset, param.size});
  info.param_bytes = kernel.param_bytes;
  info.attributes.assign(CU_FUNC_ATTRIBUTE_MAX, 0);
  info.attributes[CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK] =
      static_cast<int32_t>(kernel.max_threads ? kernel.max_threads : kMaxThreadsPerBlock);
  info.attributes[CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES] = static_cast<int32_t>(kernel.static_shared_bytes);
  info.attributes[CU_FUNC_ATTRIBUTE_NUM_REGS] = static_cast<int32_t>(kernel.num_regs);
  info.attributes[CU_FUNC_ATTRIBUTE_BINARY_VERSION] = static_cast<int32_t>(sm);
  return info;
}

}  // namespace

Result<std::unique_ptr<EmuModule>> EmuModule::Load(std::span<const uint8_t> image, const DeviceInfo& device,
                                                   SessionMemory& memory, ModuleInfo* info) {
  const uint32_t sm = DeviceSm(device);
  VGPU_ASSIGN_OR_RETURN(std::vector<image::Entry> entries, image::Entries(image));
  std::unique_ptr<EmuModule> module(new EmuModule(memory));

  const image::Entry* ptx_entry = image::SelectForDevice(entries, sm, /*want_ptx=*/true);
  if (ptx_entry != nullptr && ptx_entry->kind == image::Entry::Kind::kPtx) {
    VGPU_ASSIGN_OR_RETURN(module->ptx_, ptx::Module::Parse(ptx_entry->bytes));
    for (const auto& kernel : module->ptx_->kernels()) {
      module->functions_.push_back(Describe(kernel, module->ptx_->target_sm(), sm));
    }
    for (const auto& global : module->ptx_->globals()) {
      VGPU_ASSIGN_OR_RETURN(uint64_t dptr, memory.Allocate(std::max<uint64_t>(global.size, 1)));
      uint8_t* bytes = memory.Translate(dptr, global.size);
      if (bytes != nullptr && !global.init.empty()) {
        std::memcpy(bytes, global.init.data(), std::min<size_t>(global.init.size(), global.size));
      }
      module->global_addresses_[global.name] = dptr;
      module->globals_.push_back({global.name, dptr, global.size});
    }
  } else {
    // No PTX this device can run: list what a cubin holds, so lookups and
    // layouts work, but a launch says why it cannot run.
    const image::Entry* cubin = image::SelectForDevice(entries, sm, /*want_ptx=*/false);
    if (cubin == nullptr) {
      for (const auto& entry : entries) {
        if (entry.kind == image::Entry::Kind::kCubin) cubin = &entry;
      }
    }
    if (cubin == nullptr) {
      return Status(Code::kNoBinaryForGpu, "the image has no PTX the software GPU (sm_" + std::to_string(sm) +
                                               ") can run, and no cubin to list");
    }
    std::span<const uint8_t> elf(reinterpret_cast<const uint8_t*>(cubin->bytes.data()), cubin->bytes.size());
    VGPU_ASSIGN_OR_RETURN(image::CubinInfo cubin_info, image::ParseCubin(elf));
    for (const auto& kernel : cubin_info.kernels) module->functions_.push_back(Describe(kernel, cubin_info.sm));
  }
  for (const auto& function : module->functions_) {
    module->max_dynamic_shared_.push_back(
        static_cast<uint32_t>(function.attributes[CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES]));
  }
  info->functions = module->functions_;
  info->globals = module->globals_;
  return module;
}

EmuModule::~EmuModule() {
  for (const auto& global : globals_) (void)memory_.Free(global.dptr);
}

Result<GlobalInfo> EmuModule::Global(const std::string& name) const {
  for (const auto& global : globals_) {
    if (global.name == name) return global;
  }
  return NotFound("the module has no variable named " + name);
}

namespace {

class PrintfToDeviceOutput final : public ptx::HostOutput {
 public:
  explicit PrintfToDeviceOutput(DeviceOutput& output) : output_(output) {}
  void Printf(std::string_view text) override { output_.Printf(text); }

 private:
  DeviceOutput& output_;
};

}  // namespace

Status EmuModule::Launch(uint32_t function, const LaunchConfig& config, std::span<const uint8_t> params,
                         SessionMemory& memory, DeviceOutput& output, const ptx::LaunchLimits& limits) {
  if (function >= functions_.size()) return InvalidHandle("function index out of range");
  const FunctionInfo& info = functions_[function];
  if (!ptx_) {
    return NotSupported("the software GPU runs PTX; the image of " + info.name + " has only a cubin");
  }
  if (config.cooperative) return NotSupported("cooperative launches are not supported by the software GPU");
  uint64_t threads = uint64_t{config.block[0]} * config.block[1] * config.block[2];
  if (threads > static_cast<uint64_t>(info.attributes[CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK])) {
    return InvalidValue(info.name + ": " + std::to_string(threads) + " threads per block exceed the kernel's limit");
  }
  if (config.shared_mem_bytes > max_dynamic_shared_[function]) {
    return Status(Code::kInvalidValue, info.name + ": " + std::to_string(config.shared_mem_bytes) +
                                           " bytes of dynamic shared memory exceed the kernel's limit");
  }
  ptx::LaunchConfig launch;
  for (int i = 0; i < 3; ++i) {
    launch.grid[i] = config.grid[i];
    launch.block[i] = config.block[i];
  }
  launch.dynamic_shared_bytes = config.shared_mem_bytes;
  PrintfToDeviceOutput printf_output(output);
  launch.output = &printf_output;
  Status status = ptx::Launch(*ptx_, info.name, launch, params, memory, global_addresses_, limits);
  if (status.code() == Code::kAssert) {
    // As CUDA does, the message goes to the client's stderr (the interpreter logged it here).
    output.Error(status.message() + "\n");
  } else if (!status.ok()) {
    VGPU_LOG(Debug, "emu", "launch of %s: %s", info.name.c_str(), status.message().c_str());
  }
  return status;
}

Status EmuModule::SetAttribute(uint32_t function, int32_t attribute, int32_t value) {
  if (function >= functions_.size()) return InvalidHandle("function index out of range");
  FunctionInfo& info = functions_[function];
  switch (attribute) {
    case CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES: {
      int32_t limit = kSharedMemoryPerBlockOptin - info.attributes[CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES];
      if (value < 0 || value > limit) {
        return InvalidValue("dynamic shared memory of " + std::to_string(value) + " bytes exceeds " +
                            std::to_string(limit));
      }
      max_dynamic_shared_[function] = static_cast<uint32_t>(value);
      info.attributes[attribute] = value;
      return Status();
    }
    case CU_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT:
      if (value < -1 || value > 100) return InvalidValue("carveout must be -1 or 0..100");
      info.attributes[attribute] = value;
      return Status();
    default:
      return InvalidValue("function attribute " + std::to_string(attribute) + " cannot be set");
  }
}

}  // namespace vgpu::backend::emu

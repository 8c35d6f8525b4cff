#include "server/backends/emu/ptx/decode.h"
#include "server/backends/emu/ptx/ir.h"

namespace vgpu::ptx {

Module::Module() : data_(std::make_unique<ModuleData>()) {}
Module::~Module() = default;

Result<std::shared_ptr<const Module>> Module::Parse(std::string_view ptx) { return ModuleBuilder::Build(ptx); }

const Kernel* Module::FindKernel(std::string_view name) const {
  auto it = data_->kernel_index.find(std::string(name));
  return it == data_->kernel_index.end() ? nullptr : &kernels_[it->second];
}

}  // namespace vgpu::ptx

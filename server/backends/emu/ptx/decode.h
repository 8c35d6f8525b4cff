// Builds a Module from PTX text: parse, then decode every function once.
#pragma once

#include <memory>
#include <string_view>

#include "server/backends/emu/ptx/ptx.h"

namespace vgpu::ptx {

class ModuleBuilder {
 public:
  static Result<std::shared_ptr<const Module>> Build(std::string_view ptx);
};

}  // namespace vgpu::ptx

// Recursive-descent parser from tokens to an AstModule.
#pragma once

#include <string_view>

#include "common/status.h"
#include "server/backends/emu/ptx/ast.h"

namespace vgpu::ptx {

Result<AstModule> ParseAst(std::string_view ptx);

}  // namespace vgpu::ptx

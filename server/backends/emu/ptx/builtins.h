// Functions a module may declare .extern and call that the interpreter provides itself,
// as the CUDA driver does (execute_builtin.cpp runs them).
#pragma once

#include <string_view>

namespace vgpu::ptx {

inline bool IsBuiltinFunction(std::string_view name) { return name == "vprintf" || name == "__assertfail"; }

}  // namespace vgpu::ptx

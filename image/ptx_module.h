// Server side: the kernels and module-scope variables that PTX text declares, in
// the same shape as ParseCubin's result so a backend treats both forms alike.
// Parameter layouts follow the .entry signatures (cuda-abi.md §4): each parameter
// at its natural or `.align` alignment, param_bytes the end of the last one.
#pragma once

#include <string_view>

#include "common/status.h"
#include "image/cubin.h"

namespace vgpu::image {

// kernels: every .entry (name, params, param_bytes, static_shared_bytes from the
// .shared declarations in its body, max_threads from .reqntid/.maxntid, else
// 1024; num_regs is 0 since PTX has no allocation yet).
// globals: module-scope .global/.const definitions (not .extern) with their size
// and initial bytes from literal initializers; an initializer that is not a
// literal list (e.g. generic(sym)) is kNotSupported.
// sm: from .target. Untrusted input: malformed declarations are kInvalidImage.
Result<CubinInfo> ParsePtx(std::string_view ptx);

}  // namespace vgpu::image

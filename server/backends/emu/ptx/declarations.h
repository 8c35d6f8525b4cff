// What a PTX text declares, without decoding it: the .entry kernels and module-scope
// variables. For callers that only need names (the session asks a backend for each
// variable); Module::Parse gives the full picture.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace vgpu::ptx {

struct Declarations {
  std::vector<std::string> entries;  // .entry functions with a body, in order
  std::vector<std::string> globals;  // module-scope .global/.const definitions (not .extern), in order
};

// Parses untrusted PTX text with the interpreter's parser; errors as Module::Parse's.
Result<Declarations> ListDeclarations(std::string_view ptx);

}  // namespace vgpu::ptx

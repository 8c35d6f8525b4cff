// Makes an untrusted module image safe to hand to cuModuleLoadData, which
// takes a bare pointer and trusts the sizes written inside the image.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "common/status.h"

namespace vgpu::backend::cuda {

// Returns an 8-byte aligned copy of `image` whose inner sizes stay inside
// the bytes received:
// - fatbin container (0xBA55ED50): header and every entry within fatSize;
// - ELF cubin: ELF64, section and program header tables and every section's
//   contents within the image;
// - anything else is PTX text: NUL-terminated (one is appended if missing).
// Fatbin wrappers (0x466243B1, which hold host pointers) and ar archives are
// rejected with Code::kInvalidImage, as are truncated containers and ELFs.
Result<std::vector<uint64_t>> PrepareModuleImage(std::span<const uint8_t> image);

}  // namespace vgpu::backend::cuda

// Client side: how many bytes a module image spans, from the pointer a program
// passed to cuModuleLoadData(Ex) / cuLibraryLoadData. The pointer carries no
// length, so each form's own header says how far to read.
#pragma once

#include <cstdint>
#include <span>

#include "common/status.h"

namespace vgpu::image {

// The bytes to ship to the server:
//   wrapper   -> the container its `data` points to (versions 1 and 2);
//   container -> headerSize + fatSize;
//   cubin     -> the ELF size from its tables (elf::ImageSize);
//   PTX       -> strlen + 1, the NUL included;
//   archive   -> kNotSupported; anything else -> kInvalidImage.
// Reads nothing beyond what the format says.
Result<std::span<const uint8_t>> Resolve(const void* image);

}  // namespace vgpu::image

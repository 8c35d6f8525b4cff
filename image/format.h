// Module image forms that cuModuleLoadData(Ex) / cuLibraryLoadData accept, told
// apart by their first bytes (cuda-abi.md §3).
#pragma once

#include <cstdint>
#include <span>

namespace vgpu::image {

enum class Format { kFatbinWrapper, kFatbin, kCubin, kPtx, kArchive, kUnknown };

inline constexpr uint32_t kWrapperMagic = 0x466243B1;    // __fatBinC_Wrapper_t
inline constexpr uint32_t kContainerMagic = 0xBA55ED50;  // fatbin container header

const char* FormatName(Format format);

// From the first bytes of a caller's pointer. Compares byte by byte and stops at
// the first mismatch, so a short NUL-terminated PTX string is never overrun.
// PTX is any text that starts with a printable or whitespace character; nullptr,
// an empty string or binary junk is kUnknown.
Format Detect(const void* image);

// The same on bounded bytes: never reads past image.size().
Format Detect(std::span<const uint8_t> image);

}  // namespace vgpu::image

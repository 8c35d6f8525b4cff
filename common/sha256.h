// SHA-256 of a byte range, as lowercase hex. Content addresses for module
// images and checksums for installer backups.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace vgpu {

std::string Sha256Hex(const void* data, size_t size);
inline std::string Sha256Hex(std::string_view bytes) { return Sha256Hex(bytes.data(), bytes.size()); }

}  // namespace vgpu

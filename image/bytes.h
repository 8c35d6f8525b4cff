// Little-endian loads and overflow-safe range checks for parsing untrusted images.
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>

namespace vgpu::image {

// Loads a little-endian T from p (any alignment). Hosts are little-endian x86-64/aarch64.
template <typename T>
T LoadLe(const uint8_t* p) {
  static_assert(std::is_trivially_copyable_v<T>);
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

// True when [offset, offset+length) lies inside [0, total), with no overflow.
inline bool InRange(uint64_t offset, uint64_t length, uint64_t total) {
  return offset <= total && length <= total - offset;
}

}  // namespace vgpu::image

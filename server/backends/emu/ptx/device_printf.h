// Device printf as nvcc compiles it: `vprintf(format, args)`, where `args` points at a local
// buffer holding every argument at its natural alignment, after C's default promotions
// (char and short widen to int, float to double; pointers and long long take 8 bytes).
// The text is formatted here, on the server, as the host's printf would format it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace vgpu::ptx {

// How many bytes of argument buffer `format` reads.
size_t DevicePrintfArgBytes(std::string_view format);

// The NUL-terminated string at a device address (%s), or nullopt when it is not readable.
using ReadDeviceString = std::function<std::optional<std::string>(uint64_t address)>;

// Formats `format` with the arguments packed in `args` (at least DevicePrintfArgBytes bytes).
// Conversions CUDA does not support (%n) are written out as they stand.
std::string FormatDevicePrintf(std::string_view format, std::span<const uint8_t> args,
                               const ReadDeviceString& read_string);

// The longest string a %s (or the format itself) may read from device memory.
inline constexpr size_t kMaxDeviceString = 64 * 1024;

}  // namespace vgpu::ptx

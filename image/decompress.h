// Decompression of fatbin entry payloads (Zstd frames, raw LZ4 blocks).
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "common/status.h"

namespace vgpu::image {

// Upper bound on one decompressed entry: a hostile header must not make the
// server allocate without limit.
inline constexpr uint64_t kMaxDecompressedEntry = 1ull << 30;
// Upper bound on all entries of one container together: tiny Zstd frames can
// claim 1 GiB each, and a container may hold many.
inline constexpr uint64_t kMaxDecompressedContainer = 4ull << 30;

// Decompresses one Zstd frame whose content is `expected_size` bytes.
Result<std::string> DecompressZstd(std::span<const uint8_t> src, uint64_t expected_size);

// Decompresses one raw LZ4 block (no frame header) into at most `expected_size` bytes.
Result<std::string> DecompressLz4(std::span<const uint8_t> src, uint64_t expected_size);

}  // namespace vgpu::image

#include "image/decompress.h"

#include <lz4.h>
#include <zstd.h>

#include <climits>

namespace vgpu::image {

Result<std::string> DecompressZstd(std::span<const uint8_t> src, uint64_t expected_size) {
  if (expected_size == 0 || expected_size > kMaxDecompressedEntry) {
    return InvalidImage("zstd entry: implausible uncompressed size " + std::to_string(expected_size));
  }
  // nvcc writes the content size into the frame; when present it must agree, which
  // also catches a corrupted size field before a large allocation.
  unsigned long long frame_size = ZSTD_getFrameContentSize(src.data(), src.size());
  if (frame_size == ZSTD_CONTENTSIZE_ERROR) return InvalidImage("zstd entry: not a zstd frame");
  if (frame_size != ZSTD_CONTENTSIZE_UNKNOWN && frame_size != expected_size) {
    return InvalidImage("zstd entry: frame size disagrees with the entry header");
  }
  std::string out(expected_size, '\0');
  size_t got = ZSTD_decompress(out.data(), out.size(), src.data(), src.size());
  if (ZSTD_isError(got)) {
    return InvalidImage(std::string("zstd entry: ") + ZSTD_getErrorName(got));
  }
  if (got != expected_size) return InvalidImage("zstd entry: decompressed size disagrees with the entry header");
  return out;
}

Result<std::string> DecompressLz4(std::span<const uint8_t> src, uint64_t expected_size) {
  // A raw LZ4 block expands at most ~255x, which bounds the allocation.
  if (expected_size == 0 || expected_size > kMaxDecompressedEntry || expected_size > INT_MAX ||
      src.size() > INT_MAX || expected_size > src.size() * 255 + 64) {
    return InvalidImage("lz4 entry: implausible uncompressed size " + std::to_string(expected_size));
  }
  std::string out(expected_size, '\0');
  int got = LZ4_decompress_safe(reinterpret_cast<const char*>(src.data()), out.data(),
                                static_cast<int>(src.size()), static_cast<int>(out.size()));
  if (got < 0) return InvalidImage("lz4 entry: corrupt block");
  if (static_cast<uint64_t>(got) != expected_size) {
    return InvalidImage("lz4 entry: decompressed size disagrees with the entry header");
  }
  return out;
}

}  // namespace vgpu::image

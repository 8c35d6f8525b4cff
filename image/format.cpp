#include "image/format.h"

#include <cstddef>

namespace vgpu::image {
namespace {

// Little-endian byte images of the magics, compared one byte at a time.
constexpr uint8_t kWrapperBytes[] = {0xB1, 0x43, 0x62, 0x46};
constexpr uint8_t kContainerBytes[] = {0x50, 0xED, 0x55, 0xBA};
constexpr uint8_t kElfBytes[] = {0x7F, 'E', 'L', 'F'};
constexpr uint8_t kArchiveBytes[] = {'!', '<', 'a', 'r', 'c', 'h', '>', '\n'};

// Reads p[0..n) only while bytes keep matching and stay below `avail`.
template <size_t N>
bool StartsWith(const uint8_t* p, size_t avail, const uint8_t (&magic)[N]) {
  for (size_t i = 0; i < N; ++i) {
    if (i >= avail || p[i] != magic[i]) return false;
  }
  return true;
}

bool IsTextStart(uint8_t c) { return (c >= 0x20 && c < 0x7F) || c == '\t' || c == '\n' || c == '\r'; }

Format DetectBounded(const uint8_t* p, size_t avail) {
  if (p == nullptr || avail == 0) return Format::kUnknown;
  if (StartsWith(p, avail, kWrapperBytes)) return Format::kFatbinWrapper;
  if (StartsWith(p, avail, kContainerBytes)) return Format::kFatbin;
  if (StartsWith(p, avail, kElfBytes)) return Format::kCubin;
  if (StartsWith(p, avail, kArchiveBytes)) return Format::kArchive;
  return IsTextStart(p[0]) ? Format::kPtx : Format::kUnknown;
}

}  // namespace

const char* FormatName(Format format) {
  switch (format) {
    case Format::kFatbinWrapper: return "fatbin wrapper";
    case Format::kFatbin: return "fatbin container";
    case Format::kCubin: return "cubin";
    case Format::kPtx: return "PTX";
    case Format::kArchive: return "archive";
    case Format::kUnknown: break;
  }
  return "unknown";
}

Format Detect(const void* image) {
  return DetectBounded(static_cast<const uint8_t*>(image), SIZE_MAX);
}

Format Detect(std::span<const uint8_t> image) { return DetectBounded(image.data(), image.size()); }

}  // namespace vgpu::image

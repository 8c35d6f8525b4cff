#include "image/resolve.h"

#include <cstring>
#include <string>

#include "image/bytes.h"
#include "image/elf.h"
#include "image/format.h"

namespace vgpu::image {
namespace {

// Larger images are certainly a misread header, not a module.
constexpr uint64_t kMaxImageSize = 1ull << 36;

// The wrapper nvcc emits into .nvFatBinSegment (include/fatbinary_section.h).
struct Wrapper {
  int32_t magic;
  int32_t version;
  const void* data;
  void* filename_or_fatbins;
};

Result<std::span<const uint8_t>> ResolveDirect(const uint8_t* p, Format format) {
  switch (format) {
    case Format::kFatbin: {
      const uint64_t header_size = LoadLe<uint16_t>(p + 6);
      const uint64_t fat_size = LoadLe<uint64_t>(p + 8);
      if (header_size < 16) return InvalidImage("fatbin: header size too small");
      if (fat_size > kMaxImageSize) return InvalidImage("fatbin: implausible size " + std::to_string(fat_size));
      return std::span<const uint8_t>(p, header_size + fat_size);
    }
    case Format::kCubin: {
      VGPU_ASSIGN_OR_RETURN(uint64_t size, elf::ImageSize(p, UINT64_MAX));
      if (size > kMaxImageSize) return InvalidImage("cubin: implausible size " + std::to_string(size));
      return std::span<const uint8_t>(p, size);
    }
    case Format::kPtx:
      return std::span<const uint8_t>(p, std::strlen(reinterpret_cast<const char*>(p)) + 1);
    case Format::kArchive:
      return NotSupported("image: archives are linker input, not loadable modules");
    case Format::kFatbinWrapper:
      return InvalidImage("fatbin wrapper: points to another wrapper");
    case Format::kUnknown:
      break;
  }
  return InvalidImage("image: unrecognised format");
}

}  // namespace

Result<std::span<const uint8_t>> Resolve(const void* image) {
  if (image == nullptr) return InvalidValue("image: null pointer");
  const auto* p = static_cast<const uint8_t*>(image);
  Format format = Detect(image);
  if (format != Format::kFatbinWrapper) return ResolveDirect(p, format);
  Wrapper w;
  std::memcpy(&w, p, sizeof(w));
  // Version 2 (-rdc) also lists the pre-link fatbins; `data` is the linked one.
  if (w.version != 1 && w.version != 2) {
    return NotSupported("fatbin wrapper: version " + std::to_string(w.version));
  }
  if (w.data == nullptr) return InvalidImage("fatbin wrapper: null data");
  Format inner = Detect(w.data);
  if (inner == Format::kFatbinWrapper) return InvalidImage("fatbin wrapper: points to another wrapper");
  return ResolveDirect(static_cast<const uint8_t*>(w.data), inner);
}

}  // namespace vgpu::image

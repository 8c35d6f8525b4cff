#include "server/backends/cuda/module_image.h"

#include <cstring>
#include <string>

namespace vgpu::backend::cuda {
namespace {

constexpr uint32_t kFatbinMagic = 0xBA55ED50;
constexpr uint32_t kWrapperMagic = 0x466243B1;

template <typename T>
T Load(std::span<const uint8_t> bytes, uint64_t offset) {
  T value;
  std::memcpy(&value, bytes.data() + offset, sizeof(T));
  return value;
}

// offset + count * size <= limit, without overflow.
bool Fits(uint64_t offset, uint64_t count, uint64_t size, uint64_t limit) {
  if (offset > limit) return false;
  if (size != 0 && count > (limit - offset) / size) return false;
  return true;
}

Status CheckFatbin(std::span<const uint8_t> image) {
  if (image.size() < 16) return InvalidImage("fatbin: header truncated");
  const uint16_t header_size = Load<uint16_t>(image, 6);
  const uint64_t fat_size = Load<uint64_t>(image, 8);
  if (header_size < 16 || !Fits(header_size, 1, fat_size, image.size())) {
    return InvalidImage("fatbin: " + std::to_string(header_size) + "+" + std::to_string(fat_size) +
                        " bytes claimed, " + std::to_string(image.size()) + " received");
  }
  const uint64_t end = header_size + fat_size;
  uint64_t offset = header_size;
  while (offset < end) {
    if (end - offset < 16) return InvalidImage("fatbin: entry header truncated at " + std::to_string(offset));
    const uint32_t entry_header = Load<uint32_t>(image, offset + 4);
    const uint64_t payload = Load<uint64_t>(image, offset + 8);
    if (entry_header < 16 || !Fits(offset + entry_header, 1, payload, end)) {
      return InvalidImage("fatbin: entry at " + std::to_string(offset) + " runs past the container");
    }
    if (entry_header >= 20) {
      const uint32_t compressed = Load<uint32_t>(image, offset + 16);
      if (compressed > payload) {
        return InvalidImage("fatbin: entry at " + std::to_string(offset) + " has a compressed size past its payload");
      }
    }
    offset += entry_header + payload;
  }
  return Status();
}

Status CheckElf(std::span<const uint8_t> image) {
  if (image.size() < 64) return InvalidImage("cubin: ELF header truncated");
  if (image[4] != 2 || image[5] != 1) return InvalidImage("cubin: not a little-endian ELF64");
  const uint64_t size = image.size();
  const uint64_t phoff = Load<uint64_t>(image, 0x20);
  const uint64_t shoff = Load<uint64_t>(image, 0x28);
  const uint16_t phentsize = Load<uint16_t>(image, 0x36);
  const uint16_t phnum = Load<uint16_t>(image, 0x38);
  const uint16_t shentsize = Load<uint16_t>(image, 0x3a);
  const uint16_t shnum = Load<uint16_t>(image, 0x3c);
  if (phnum && (phentsize < 56 || !Fits(phoff, phnum, phentsize, size))) {
    return InvalidImage("cubin: program headers outside the image");
  }
  if (shnum && (shentsize < 64 || !Fits(shoff, shnum, shentsize, size))) {
    return InvalidImage("cubin: section headers outside the image");
  }
  for (uint16_t i = 0; i < shnum; ++i) {
    const uint64_t sh = shoff + uint64_t{i} * shentsize;
    const uint32_t type = Load<uint32_t>(image, sh + 4);
    const uint64_t offset = Load<uint64_t>(image, sh + 0x18);
    const uint64_t bytes = Load<uint64_t>(image, sh + 0x20);
    constexpr uint32_t kNoBits = 8;
    if (type != kNoBits && type != 0 && !Fits(offset, 1, bytes, size)) {
      return InvalidImage("cubin: section " + std::to_string(i) + " outside the image");
    }
  }
  for (uint16_t i = 0; i < phnum; ++i) {
    const uint64_t ph = phoff + uint64_t{i} * phentsize;
    const uint64_t offset = Load<uint64_t>(image, ph + 0x08);
    const uint64_t file_bytes = Load<uint64_t>(image, ph + 0x20);
    if (!Fits(offset, 1, file_bytes, size)) {
      return InvalidImage("cubin: segment " + std::to_string(i) + " outside the image");
    }
  }
  return Status();
}

}  // namespace

Result<std::vector<uint64_t>> PrepareModuleImage(std::span<const uint8_t> image) {
  if (image.empty()) return InvalidImage("module image is empty");
  size_t bytes = image.size();
  if (image.size() >= 4) {
    const uint32_t magic = Load<uint32_t>(image, 0);
    if (magic == kWrapperMagic) return InvalidImage("a fatbin wrapper holds host pointers; send the container");
    if (image.size() >= 8 && std::memcmp(image.data(), "!<arch>\n", 8) == 0) {
      return InvalidImage("an ar archive is linker input, not a module");
    }
    if (magic == kFatbinMagic) {
      VGPU_RETURN_IF_ERROR(CheckFatbin(image));
    } else if (std::memcmp(image.data(), "\x7f" "ELF", 4) == 0) {
      VGPU_RETURN_IF_ERROR(CheckElf(image));
    } else if (image.back() != 0) {
      bytes += 1;  // PTX text: the driver reads up to a NUL
    }
  } else if (image.back() != 0) {
    bytes += 1;
  }
  std::vector<uint64_t> copy((bytes + 7) / 8, 0);  // zero-filled: the appended NUL
  std::memcpy(copy.data(), image.data(), image.size());
  return copy;
}

}  // namespace vgpu::backend::cuda

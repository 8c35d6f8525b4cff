#include "image/fatbin.h"

#include <cstring>

#include "common/log.h"
#include "image/bytes.h"
#include "image/cubin.h"
#include "image/decompress.h"
#include "image/elf.h"
#include "image/format.h"
#include "image/ptx.h"

namespace vgpu::image {
namespace {

constexpr uint64_t kContainerHeaderSize = 16;
constexpr uint64_t kEntryHeaderMinSize = 64;
constexpr uint16_t kKindPtx = 1;
constexpr uint16_t kKindElf = 2;

// Fields of one entry header that the parser uses (offsets in cuda-abi.md §3).
struct EntryHeader {
  uint16_t kind;
  uint32_t header_size;
  uint64_t payload_size;
  uint32_t compressed_size;
  uint32_t sm;
  uint64_t flags;
  uint64_t uncompressed_size;
};

EntryHeader ReadEntryHeader(const uint8_t* p) {
  EntryHeader h;
  h.kind = LoadLe<uint16_t>(p);
  h.header_size = LoadLe<uint32_t>(p + 4);
  h.payload_size = LoadLe<uint64_t>(p + 8);
  h.compressed_size = LoadLe<uint32_t>(p + 16);
  h.sm = LoadLe<uint32_t>(p + 28);
  h.flags = LoadLe<uint64_t>(p + 40);
  h.uncompressed_size = LoadLe<uint64_t>(p + 56);
  return h;
}

// PTX text ends at its first NUL: uncompressed payloads are NUL-padded.
std::string TrimPtx(std::string text) {
  size_t nul = text.find('\0');
  if (nul != std::string::npos) text.resize(nul);
  return text;
}

// `budget` is what the container may still decompress; it shrinks by this entry.
Result<std::string> EntryPayload(const EntryHeader& h, std::span<const uint8_t> payload, size_t index,
                                 uint64_t* budget) {
  const bool lz4 = (h.flags & kEntryFlagLz4) != 0;
  const bool zstd = (h.flags & kEntryFlagZstd) != 0;
  const std::string where = "fatbin entry " + std::to_string(index) + ": ";
  if (lz4 && zstd) return InvalidImage(where + "both LZ4 and Zstd flags set");
  if (!lz4 && !zstd) return std::string(reinterpret_cast<const char*>(payload.data()), payload.size());
  if (h.compressed_size == 0 || h.compressed_size > payload.size()) {
    return InvalidImage(where + "compressed size exceeds the payload");
  }
  if (h.uncompressed_size > *budget) return InvalidImage(where + "container decompresses to too many bytes");
  *budget -= h.uncompressed_size;
  std::span<const uint8_t> src = payload.first(h.compressed_size);
  Result<std::string> out = zstd ? DecompressZstd(src, h.uncompressed_size) : DecompressLz4(src, h.uncompressed_size);
  if (!out.ok()) return InvalidImage(where + out.status().message());
  return out;
}

Result<Entry> CubinEntry(std::string bytes) {
  auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  VGPU_ASSIGN_OR_RETURN(uint64_t size, elf::ImageSize(data, bytes.size()));
  bytes.resize(size);
  VGPU_ASSIGN_OR_RETURN(uint32_t sm, CubinSm({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}));
  return Entry{Entry::Kind::kCubin, sm, std::move(bytes)};
}

}  // namespace

Result<std::vector<Entry>> ParseFatbin(std::span<const uint8_t> c) {
  if (c.size() < kContainerHeaderSize) return InvalidImage("fatbin: shorter than its header");
  if (LoadLe<uint32_t>(c.data()) != kContainerMagic) return InvalidImage("fatbin: bad magic");
  const uint64_t header_size = LoadLe<uint16_t>(c.data() + 6);
  const uint64_t fat_size = LoadLe<uint64_t>(c.data() + 8);
  if (header_size < kContainerHeaderSize) return InvalidImage("fatbin: header size too small");
  if (!InRange(header_size, fat_size, c.size())) {
    return InvalidImage("fatbin: container extends past the " + std::to_string(c.size()) + " bytes received");
  }
  std::vector<Entry> entries;
  uint64_t pos = header_size;
  const uint64_t end = header_size + fat_size;
  uint64_t budget = kMaxDecompressedContainer;
  for (size_t index = 0; pos < end; ++index) {
    const std::string where = "fatbin entry " + std::to_string(index) + ": ";
    if (end - pos < kEntryHeaderMinSize) return InvalidImage(where + "truncated header");
    EntryHeader h = ReadEntryHeader(c.data() + pos);
    if (h.header_size < kEntryHeaderMinSize || h.header_size > end - pos) {
      return InvalidImage(where + "bad header size " + std::to_string(h.header_size));
    }
    if (h.payload_size > end - pos - h.header_size) return InvalidImage(where + "payload extends past the container");
    std::span<const uint8_t> payload = c.subspan(pos + h.header_size, h.payload_size);
    pos += h.header_size + h.payload_size;
    if (h.kind != kKindPtx && h.kind != kKindElf) {
      VGPU_LOG(Debug, "image", "fatbin entry %zu: skipping kind %u", index, static_cast<unsigned>(h.kind));
      continue;
    }
    VGPU_ASSIGN_OR_RETURN(std::string bytes, EntryPayload(h, payload, index, &budget));
    if (h.kind == kKindPtx) {
      entries.push_back(Entry{Entry::Kind::kPtx, h.sm, TrimPtx(std::move(bytes))});
      continue;
    }
    Result<Entry> cubin = CubinEntry(std::move(bytes));
    if (!cubin.ok()) return InvalidImage(where + cubin.status().message());
    // The header's SM is what drivers select on; the ELF's flags fill in a zero.
    if (h.sm != 0) cubin->sm = h.sm;
    entries.push_back(std::move(cubin).value());
  }
  return entries;
}

Result<std::vector<std::span<const uint8_t>>> SplitContainers(std::span<const uint8_t> section) {
  std::vector<std::span<const uint8_t>> out;
  uint64_t pos = 0;
  while (pos < section.size()) {
    std::span<const uint8_t> rest = section.subspan(pos);
    // Padding between containers is zero bytes.
    if (rest.size() < kContainerHeaderSize) {
      for (uint8_t b : rest) {
        if (b != 0) return InvalidImage("fatbin section: trailing bytes are not a container");
      }
      break;
    }
    if (LoadLe<uint32_t>(rest.data()) != kContainerMagic) {
      if (LoadLe<uint64_t>(rest.data()) == 0) {
        pos += 8;
        continue;
      }
      return InvalidImage("fatbin section: no container at offset " + std::to_string(pos));
    }
    const uint64_t header_size = LoadLe<uint16_t>(rest.data() + 6);
    const uint64_t fat_size = LoadLe<uint64_t>(rest.data() + 8);
    if (header_size < kContainerHeaderSize || !InRange(header_size, fat_size, rest.size())) {
      return InvalidImage("fatbin section: container at offset " + std::to_string(pos) + " is truncated");
    }
    out.push_back(rest.first(header_size + fat_size));
    pos += (header_size + fat_size + 7) & ~uint64_t{7};
  }
  return out;
}

Result<std::vector<Entry>> Entries(std::span<const uint8_t> image) {
  switch (Detect(image)) {
    case Format::kFatbin:
      return ParseFatbin(image);
    case Format::kCubin: {
      VGPU_ASSIGN_OR_RETURN(Entry e, CubinEntry(std::string(reinterpret_cast<const char*>(image.data()), image.size())));
      std::vector<Entry> out;
      out.push_back(std::move(e));
      return out;
    }
    case Format::kPtx: {
      std::string text = TrimPtx(std::string(reinterpret_cast<const char*>(image.data()), image.size()));
      VGPU_ASSIGN_OR_RETURN(uint32_t sm, PtxTargetSm(text));
      std::vector<Entry> out;
      out.push_back(Entry{Entry::Kind::kPtx, sm, std::move(text)});
      return out;
    }
    case Format::kFatbinWrapper:
      return InvalidImage("image: a fatbin wrapper holds host pointers; send the container it points to");
    case Format::kArchive:
      return NotSupported("image: archives are linker input, not loadable modules");
    case Format::kUnknown:
      break;
  }
  return InvalidImage("image: unrecognised format");
}

}  // namespace vgpu::image

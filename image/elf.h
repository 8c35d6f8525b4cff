// A minimal, bounds-checked ELF64 little-endian reader for CUDA cubins.
// Everything it returns points into the caller's bytes, which must outlive it.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace vgpu::image::elf {

inline constexpr uint32_t kShtNull = 0;
inline constexpr uint32_t kShtSymtab = 2;
inline constexpr uint32_t kShtStrtab = 3;
inline constexpr uint32_t kShtNobits = 8;
// Relocatable (-rdc) cubins give .nv.global, .nv.local.* and .nv.shared.* these
// processor-specific types instead of SHT_NOBITS; they occupy no file bytes either
// (observed for global and shared; local inferred).
inline constexpr uint32_t kShtCudaGlobal = 0x70000007;
inline constexpr uint32_t kShtCudaLocal = 0x70000009;
inline constexpr uint32_t kShtCudaShared = 0x7000000a;
inline constexpr uint8_t kSttObject = 1;
inline constexpr uint8_t kSttCudaObject = 13;  // variables in relocatable cubins
inline constexpr uint8_t kSttFunc = 2;
inline constexpr uint8_t kStoCudaEntry = 0x10;  // st_other bit nvcc sets on __global__ functions
inline constexpr uint8_t kStoCudaManaged = 0x04;  // st_other bit on __managed__ variables (observed)

// False for sections that have a size but no bytes in the file.
bool HasFileBytes(uint32_t section_type);

// The size an ELF64 image occupies, from its own tables (cuda-abi.md §3): the
// maximum of the section table end, the program header table end and the end of
// every section with file bytes. Reads only the ELF header and the section table, and
// never at or beyond `avail` bytes (pass UINT64_MAX for a trusted pointer of
// unknown length).
Result<uint64_t> ImageSize(const uint8_t* data, uint64_t avail);

struct Section {
  std::string_view name;
  uint32_t type = 0;
  uint64_t flags = 0;
  uint64_t offset = 0;
  uint64_t size = 0;
  uint32_t link = 0;
  uint32_t info = 0;
  uint64_t entsize = 0;
  // File bytes; empty when !HasFileBytes(type).
  std::span<const uint8_t> bytes;
};

struct Symbol {
  std::string_view name;
  uint8_t type = 0;  // STT_*
  uint8_t bind = 0;  // STB_*
  uint8_t other = 0;
  uint16_t shndx = 0;
  uint64_t value = 0;
  uint64_t size = 0;
};

class File {
 public:
  // Validates the header, the section table, every section's file range and the
  // section names. Untrusted input: any inconsistency is kInvalidImage.
  static Result<File> Parse(std::span<const uint8_t> bytes);

  uint16_t machine() const { return machine_; }
  uint32_t flags() const { return flags_; }
  uint8_t abi_version() const { return abi_version_; }
  const std::vector<Section>& sections() const { return sections_; }
  // Index of the first section called `name`, or -1.
  int FindSection(std::string_view name) const;
  // The symbols of the first SHT_SYMTAB section (empty when there is none).
  Result<std::vector<Symbol>> Symbols() const;

 private:
  std::span<const uint8_t> bytes_;
  uint16_t machine_ = 0;
  uint32_t flags_ = 0;
  uint8_t abi_version_ = 0;
  std::vector<Section> sections_;
};

}  // namespace vgpu::image::elf

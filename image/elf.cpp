#include "image/elf.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "image/bytes.h"

namespace vgpu::image::elf {
namespace {

constexpr uint64_t kEhdrSize = 64;
constexpr uint64_t kShdrSize = 64;
constexpr uint64_t kSymSize = 24;
constexpr uint16_t kShnXindex = 0xFFFF;
// Guards against absurd tables in hostile headers; real cubins have < 10^5 sections.
constexpr uint64_t kMaxSections = 1u << 20;

// Header fields the parsers need (offsets from the ELF64 specification).
struct Ehdr {
  uint64_t phoff, shoff;
  uint32_t flags;
  uint16_t phentsize, phnum, shentsize, shnum, shstrndx, machine;
  uint8_t abi_version;
};

Result<Ehdr> ReadEhdr(const uint8_t* d, uint64_t avail) {
  if (avail < kEhdrSize) return InvalidImage("ELF: shorter than its header");
  if (std::memcmp(d, "\x7f" "ELF", 4) != 0) return InvalidImage("ELF: bad magic");
  if (d[4] != 2) return NotSupported("ELF: only 64-bit cubins are supported");
  if (d[5] != 1) return NotSupported("ELF: only little-endian cubins are supported");
  Ehdr h;
  h.abi_version = d[8];
  h.machine = LoadLe<uint16_t>(d + 18);
  h.phoff = LoadLe<uint64_t>(d + 32);
  h.shoff = LoadLe<uint64_t>(d + 40);
  h.flags = LoadLe<uint32_t>(d + 48);
  h.phentsize = LoadLe<uint16_t>(d + 54);
  h.phnum = LoadLe<uint16_t>(d + 56);
  h.shentsize = LoadLe<uint16_t>(d + 58);
  h.shnum = LoadLe<uint16_t>(d + 60);
  h.shstrndx = LoadLe<uint16_t>(d + 62);
  return h;
}

// The section count, following the extended-numbering rule (e_shnum 0 means the
// count is in section 0's sh_size).
Result<uint64_t> SectionCount(const uint8_t* d, uint64_t avail, const Ehdr& h) {
  if (h.shoff == 0) return uint64_t{0};
  if (h.shentsize < kShdrSize) return InvalidImage("ELF: section header entries too small");
  uint64_t count = h.shnum;
  if (count == 0) {
    if (!InRange(h.shoff, kShdrSize, avail)) return InvalidImage("ELF: section table out of bounds");
    count = LoadLe<uint64_t>(d + h.shoff + 32);
  }
  if (count > kMaxSections) return InvalidImage("ELF: too many sections");
  if (!InRange(h.shoff, count * h.shentsize, avail)) return InvalidImage("ELF: section table out of bounds");
  return count;
}

}  // namespace

bool HasFileBytes(uint32_t type) {
  return type != kShtNull && type != kShtNobits && type != kShtCudaGlobal && type != kShtCudaLocal &&
         type != kShtCudaShared;
}

Result<uint64_t> ImageSize(const uint8_t* d, uint64_t avail) {
  if (d == nullptr) return InvalidImage("ELF: null image");
  VGPU_ASSIGN_OR_RETURN(Ehdr h, ReadEhdr(d, avail));
  VGPU_ASSIGN_OR_RETURN(uint64_t count, SectionCount(d, avail, h));
  uint64_t size = kEhdrSize;
  if (count > 0) size = std::max(size, h.shoff + count * h.shentsize);
  if (h.phoff != 0 && h.phnum != 0) {
    uint64_t table = uint64_t{h.phnum} * h.phentsize;
    if (h.phoff > UINT64_MAX - table) return InvalidImage("ELF: program header table overflows");
    size = std::max(size, h.phoff + table);
  }
  for (uint64_t i = 0; i < count; ++i) {
    const uint8_t* sh = d + h.shoff + i * h.shentsize;
    uint32_t type = LoadLe<uint32_t>(sh + 4);
    if (!HasFileBytes(type)) continue;
    uint64_t offset = LoadLe<uint64_t>(sh + 24);
    uint64_t length = LoadLe<uint64_t>(sh + 32);
    if (offset > UINT64_MAX - length) return InvalidImage("ELF: section range overflows");
    size = std::max(size, offset + length);
  }
  if (size > avail) return InvalidImage("ELF: tables extend past the available bytes");
  return size;
}

Result<File> File::Parse(std::span<const uint8_t> bytes) {
  const uint8_t* d = bytes.data();
  const uint64_t n = bytes.size();
  VGPU_ASSIGN_OR_RETURN(Ehdr h, ReadEhdr(d, n));
  VGPU_ASSIGN_OR_RETURN(uint64_t count, SectionCount(d, n, h));
  File f;
  f.bytes_ = bytes;
  f.machine_ = h.machine;
  f.flags_ = h.flags;
  f.abi_version_ = h.abi_version;
  f.sections_.resize(count);
  std::vector<uint32_t> name_offsets(count);
  for (uint64_t i = 0; i < count; ++i) {
    const uint8_t* sh = d + h.shoff + i * h.shentsize;
    Section& s = f.sections_[i];
    name_offsets[i] = LoadLe<uint32_t>(sh);
    s.type = LoadLe<uint32_t>(sh + 4);
    s.flags = LoadLe<uint64_t>(sh + 8);
    s.offset = LoadLe<uint64_t>(sh + 24);
    s.size = LoadLe<uint64_t>(sh + 32);
    s.link = LoadLe<uint32_t>(sh + 40);
    s.info = LoadLe<uint32_t>(sh + 44);
    s.entsize = LoadLe<uint64_t>(sh + 56);
    if (HasFileBytes(s.type)) {
      if (!InRange(s.offset, s.size, n)) {
        return InvalidImage("ELF: section " + std::to_string(i) + " lies outside the image");
      }
      s.bytes = bytes.subspan(s.offset, s.size);
    }
  }
  if (count == 0) return f;
  uint64_t strndx = h.shstrndx == kShnXindex ? LoadLe<uint32_t>(d + h.shoff + 40) : h.shstrndx;
  if (strndx >= count || f.sections_[strndx].type != kShtStrtab) {
    return InvalidImage("ELF: bad section name table index");
  }
  std::span<const uint8_t> names = f.sections_[strndx].bytes;
  for (uint64_t i = 0; i < count; ++i) {
    uint32_t off = name_offsets[i];
    if (off >= names.size()) {
      if (i == 0 && off == 0) continue;  // empty names table is fine for the null section
      return InvalidImage("ELF: section name out of bounds");
    }
    const void* nul = std::memchr(names.data() + off, 0, names.size() - off);
    if (nul == nullptr) return InvalidImage("ELF: unterminated section name");
    f.sections_[i].name = std::string_view(reinterpret_cast<const char*>(names.data() + off),
                                           static_cast<const uint8_t*>(nul) - (names.data() + off));
  }
  return f;
}

int File::FindSection(std::string_view name) const {
  for (size_t i = 0; i < sections_.size(); ++i) {
    if (sections_[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

Result<std::vector<Symbol>> File::Symbols() const {
  std::vector<Symbol> out;
  const Section* symtab = nullptr;
  for (const Section& s : sections_) {
    if (s.type == kShtSymtab) {
      symtab = &s;
      break;
    }
  }
  if (symtab == nullptr) return out;
  if (symtab->entsize != kSymSize) return InvalidImage("ELF: unexpected symbol entry size");
  if (symtab->link >= sections_.size() || sections_[symtab->link].type != kShtStrtab) {
    return InvalidImage("ELF: symbol table has no string table");
  }
  std::span<const uint8_t> strings = sections_[symtab->link].bytes;
  const uint64_t count = symtab->bytes.size() / kSymSize;
  out.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    const uint8_t* e = symtab->bytes.data() + i * kSymSize;
    Symbol sym;
    uint32_t name = LoadLe<uint32_t>(e);
    sym.type = e[4] & 0xF;
    sym.bind = e[4] >> 4;
    sym.other = e[5];
    sym.shndx = LoadLe<uint16_t>(e + 6);
    sym.value = LoadLe<uint64_t>(e + 8);
    sym.size = LoadLe<uint64_t>(e + 16);
    if (name != 0 || !strings.empty()) {
      if (name >= strings.size()) return InvalidImage("ELF: symbol name out of bounds");
      const void* nul = std::memchr(strings.data() + name, 0, strings.size() - name);
      if (nul == nullptr) return InvalidImage("ELF: unterminated symbol name");
      sym.name = std::string_view(reinterpret_cast<const char*>(strings.data() + name),
                                  static_cast<const uint8_t*>(nul) - (strings.data() + name));
    }
    out.push_back(sym);
  }
  return out;
}

}  // namespace vgpu::image::elf

#include "tests/unit/libcuda/api_test_support.h"

#include <dlfcn.h>
#include <elf.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

namespace vgpu::cu::testing {

const std::vector<Row>& Rows() {
  static const std::vector<Row> rows = {
#define VGPU_CU(area, status, name, base, since, flavor, params, args) \
  {#area, #status, #name, #base, since, #flavor},
#include "libcuda/api.def"
#undef VGPU_CU
  };
  return rows;
}

const std::vector<Row>& InteropRows() {
  static const std::vector<Row> rows = {
#define VGPU_CU_INTEROP(header, name, base, since, flavor, params) \
  {"driver", "TODO", #name, #base, since, #flavor},
#include "libcuda/interop.def"
#undef VGPU_CU_INTEROP
  };
  return rows;
}

std::string LogPath() {
  static const std::string path =
      "/tmp/vgpu_libcuda_api_test." + std::to_string(getpid()) + ".log";
  // Removes the log when the test binary exits.
  static const struct Cleanup {
    ~Cleanup() { std::remove(path.c_str()); }
  } cleanup;
  return path;
}

void* Library() {
  static void* handle = [] {
    std::remove(LogPath().c_str());
    setenv("VGPU_LOG", ("warn:" + LogPath()).c_str(), 1);
    void* h = dlopen(VGPU_LIBCUDA_PATH, RTLD_NOW | RTLD_LOCAL);
    if (h == nullptr) FAIL("dlopen " VGPU_LIBCUDA_PATH ": " << dlerror());
    return h;
  }();
  return handle;
}

void* Symbol(const char* name) {
  void* fn = dlsym(Library(), name);
  if (fn == nullptr) FAIL("dlsym " << name << " failed");
  return fn;
}

ElfExports ReadElfExports(const std::string& path) {
  ElfExports out;
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    out.error = "cannot open " + path;
    return out;
  }
  std::string data((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  auto in_bounds = [&](uint64_t offset, uint64_t size) { return offset <= data.size() && size <= data.size() - offset; };
  if (!in_bounds(0, sizeof(Elf64_Ehdr)) || std::memcmp(data.data(), ELFMAG, SELFMAG) != 0 ||
      data[EI_CLASS] != ELFCLASS64) {
    out.error = path + " is not an ELF64 file";
    return out;
  }
  const auto* ehdr = reinterpret_cast<const Elf64_Ehdr*>(data.data());
  if (!in_bounds(ehdr->e_shoff, uint64_t{ehdr->e_shnum} * sizeof(Elf64_Shdr))) {
    out.error = "bad section table";
    return out;
  }
  const auto* sections = reinterpret_cast<const Elf64_Shdr*>(data.data() + ehdr->e_shoff);
  for (int i = 0; i < ehdr->e_shnum; ++i) {
    const Elf64_Shdr& sec = sections[i];
    if (sec.sh_type != SHT_DYNSYM && sec.sh_type != SHT_DYNAMIC) continue;
    if (sec.sh_link >= ehdr->e_shnum || !in_bounds(sec.sh_offset, sec.sh_size)) continue;
    const Elf64_Shdr& strtab = sections[sec.sh_link];
    if (!in_bounds(strtab.sh_offset, strtab.sh_size)) continue;
    auto str = [&](uint64_t offset) {
      return offset < strtab.sh_size ? std::string(data.data() + strtab.sh_offset + offset) : std::string();
    };
    if (sec.sh_type == SHT_DYNSYM) {
      const auto* syms = reinterpret_cast<const Elf64_Sym*>(data.data() + sec.sh_offset);
      for (uint64_t j = 0; j < sec.sh_size / sizeof(Elf64_Sym); ++j) {
        if (syms[j].st_shndx == SHN_UNDEF) continue;
        out.defined.push_back({str(syms[j].st_name), ELF64_ST_TYPE(syms[j].st_info),
                               ELF64_ST_BIND(syms[j].st_info), syms[j].st_shndx == SHN_ABS});
      }
    } else {
      const auto* dyn = reinterpret_cast<const Elf64_Dyn*>(data.data() + sec.sh_offset);
      for (uint64_t j = 0; j < sec.sh_size / sizeof(Elf64_Dyn); ++j) {
        if (dyn[j].d_tag == DT_SONAME) out.soname = str(dyn[j].d_un.d_val);
      }
    }
  }
  out.ok = true;
  return out;
}

}  // namespace vgpu::cu::testing

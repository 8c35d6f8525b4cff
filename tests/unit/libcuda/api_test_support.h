// Shared by the libcuda API tests: the api.def rows as data, the built
// libcuda.so.1 opened with dlopen, and a small ELF reader.
#pragma once

#include <string>
#include <vector>

#include "libcuda/cuda_internal.h"

namespace vgpu::cu::testing {

struct Row {
  const char* area;
  const char* status;  // "IMPL" or "TODO"
  const char* name;
  const char* base;
  int since;
  const char* flavor;  // "def", "ptds" or "ptsz"
};

// Every api.def row, in file order.
const std::vector<Row>& Rows();

// Every libcuda/interop.def row (graphics interop, always NOT_SUPPORTED),
// with area "driver" and status "TODO".
const std::vector<Row>& InteropRows();

// The built libcuda.so.1, opened once with RTLD_NOW | RTLD_LOCAL. Logging
// goes to LogPath() at warn level (VGPU_LOG is set before the dlopen).
void* Library();
std::string LogPath();

// dlsym in Library(); fails the test if absent.
void* Symbol(const char* name);

template <class F>
F Function(const char* name) {
  return reinterpret_cast<F>(Symbol(name));
}

// Dynamic symbol table and SONAME of an ELF64 shared object.
struct ElfExports {
  bool ok = false;
  std::string error;
  std::string soname;
  struct Symbol {
    std::string name;
    int type;     // STT_*
    int binding;  // STB_*
    bool absolute;
  };
  std::vector<Symbol> defined;  // defined dynamic symbols only
};
ElfExports ReadElfExports(const std::string& path);

}  // namespace vgpu::cu::testing

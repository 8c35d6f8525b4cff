// Server side: what a cubin (CUDA ELF) declares: its kernels with their parameter
// layouts and resource use, and its module-scope variables. Untrusted input.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"

namespace vgpu::image {

struct ParamSlot {
  uint32_t offset;  // bytes from the start of the parameter buffer
  uint32_t size;    // bytes
};

struct CubinKernel {
  std::string name;                // mangled, as cuModuleGetFunction takes it
  std::vector<ParamSlot> params;   // by ordinal
  uint32_t param_bytes;            // EIATTR_CBANK_PARAM_SIZE (else the end of the last slot)
  uint32_t num_regs;               // EIATTR_REGCOUNT, 0 when absent
  uint32_t static_shared_bytes;    // size of .nv.shared.<name>
  uint32_t max_threads;            // product of .maxntid/.reqntid, 1024 when unspecified
};

struct CubinGlobal {
  std::string name;
  uint64_t size;
  bool constant;     // lives in a .nv.constant<N> bank (__constant__)
  std::string init;  // initial bytes (empty when zero-initialised, e.g. .nv.global)
  bool managed = false;  // __managed__: st_other bit 0x4 (observed), `.attribute(.managed)` in PTX
};

struct CubinInfo {
  std::vector<CubinKernel> kernels;
  std::vector<CubinGlobal> globals;
  uint32_t sm;
};

// The SM of a cubin from its ELF header: EI_ABIVERSION >= 8 (CUDA 13) keeps it in
// e_flags bits 8..15, older ABIs in bits 0..7.
Result<uint32_t> CubinSm(std::span<const uint8_t> elf);

// Kernels are the STO_CUDA_ENTRY functions in .text.<name>, described by
// .nv.info.<name> (KPARAM_INFO, CBANK_PARAM_SIZE, MAX_THREADS, REQNTID) and the
// module-wide .nv.info (REGCOUNT); globals are the object symbols in .nv.global*
// and .nv.constant* sections. Errors are kInvalidImage with a message.
Result<CubinInfo> ParseCubin(std::span<const uint8_t> elf);

}  // namespace vgpu::image

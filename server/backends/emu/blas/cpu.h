// The emu backend's cuBLAS arithmetic on the CPU with OpenBLAS: the routines
// of routine.h for S, D, C and Z, and GemmEx for every type combination of
// gemm.h (f16/bf16 operands converted to f32 and rounded back once). Column-
// major like cuBLAS. Pure code on host memory: the caller has checked every
// range (routine.h's extents) against the session's allocations.
//
// Threads: OpenBLAS's own pool runs each call; it is sized once, from
// VGPU_EMU_BLAS_THREADS or the core count (the emu PTX pool is idle while a
// BLAS call runs, since the executor runs one call at a time per session).
#pragma once

#include "common/status.h"
#include "server/backends/emu/blas/gemm.h"
#include "server/backends/emu/blas/routine.h"

namespace vgpu::emu::blas {

// Operand pointers for one batch entry of `r`; unused ones may be null.
// alpha/beta point at ScalarSize(r) bytes; result at ResultSize(r) bytes.
struct Operands {
  const void* alpha = nullptr;
  const void* beta = nullptr;
  void* a = nullptr;
  void* b = nullptr;
  void* c = nullptr;
  void* x = nullptr;
  void* y = nullptr;
  void* result = nullptr;
};

// Runs one checked routine (CheckRoutine(r) == kOk). Fails only for sizes
// OpenBLAS's 32-bit interface cannot take.
Status Run(const Routine& r, const Operands& o);

// GemmEx on the CPU: as Gemm() in gemm.h, through OpenBLAS.
Status GemmCpu(const GemmShape& shape, double alpha, const void* a, const void* b, double beta, void* c);

}  // namespace vgpu::emu::blas

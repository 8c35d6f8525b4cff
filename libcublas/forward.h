// How libcublas reaches the server: libcuda's session table, the handle's
// server-side id, and scalars captured by pointer mode.
#pragma once

#include <cuda.h>

#include <cstring>

#include "libcublas/blas.h"
#include "libcuda/session_table.h"

namespace vgpu::blas {

// libcuda's session table, or nullptr when libcuda is not vgpu's.
const VgpuSessionTable* Table();
cublasStatus_t FromCu(CUresult r);
// The handle's server-side id, created with its first computation.
cublasStatus_t ServerHandle(cublasContext* h, const VgpuSessionTable* table, uint64_t* id);

// A scalar argument: by value in host pointer mode, by address in device mode.
template <typename T>
VgpuBlasScalar Scalar(const cublasContext* h, const T* p) {
  VgpuBlasScalar s{};
  if (h->pointer_mode == CUBLAS_POINTER_MODE_DEVICE) {
    s.device = reinterpret_cast<uint64_t>(p);
  } else {
    std::memcpy(s.value, p, sizeof(T));
    s.size = sizeof(T);
  }
  return s;
}

// Checks the routine (vgpu::emu::blas::CheckRoutine) and posts it on the
// handle's stream. `result` (result_size bytes) is the level-1 result: in
// host pointer mode the call waits for it; in device mode it stays there.
cublasStatus_t Forward(cublasHandle_t handle, VgpuBlasCall& call, void* result = nullptr, size_t result_size = 0);

}  // namespace vgpu::blas

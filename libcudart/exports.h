// The one crossing between C callers and vgpu::rt: every export (generated
// thunk or hand-written) goes through Enter, which catches exceptions, records
// the per-thread last error and never lets anything escape into the host.
#pragma once

#include <cuda_runtime_api.h>

#include <new>
#include <type_traits>

#include "libcudart/errors.h"

#define VGPU_RT_EXPORT __attribute__((visibility("default")))

namespace vgpu::rt {

// 12 for libcudart.so.12, 13 for libcudart.so.13; defined per library.
int AbiVersion();
// cudaRuntimeGetVersion: 12080 or 13000.
int RuntimeVersion();

// Returns cudaErrorNotSupported (logging `name` once per process).
cudaError_t NotSupportedOnce(const char* name);

template <typename Ret, typename F>
Ret Enter(const char* name, F&& body) {
  if constexpr (std::is_same_v<Ret, cudaError_t>) {
    cudaError_t err;
    try {
      err = body();
    } catch (const std::bad_alloc&) {
      err = cudaErrorMemoryAllocation;
    } catch (...) {
      err = cudaErrorUnknown;
    }
    if (err != cudaSuccess) RecordError(name, err);
    return err;
  } else {
    try {
      return body();
    } catch (...) {
      return Ret{};
    }
  }
}

template <typename Ret>
Ret NotSupported(const char* name) {
  cudaError_t err = NotSupportedOnce(name);
  if constexpr (std::is_same_v<Ret, cudaError_t>) {
    RecordError(name, err);
    return err;
  } else {
    return Ret{};
  }
}

}  // namespace vgpu::rt

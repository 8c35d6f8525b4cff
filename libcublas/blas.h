// Shared parts of libcublas.so.12/.13 and libcublasLt.so.12/.13: the client
// handle, and the "not supported" answer of every name not yet forwarded.
#pragma once

#include <cublas_api.h>

#include <cstddef>
#include <cstdint>
#include <type_traits>

#define VGPU_BLAS_EXPORT __attribute__((visibility("default")))

namespace vgpu::blas {

// Logs `name` once per process (VGPU_LOG=warn) and returns CUBLAS_STATUS_NOT_SUPPORTED.
cublasStatus_t NotSupportedOnce(const char* name);

template <typename Ret>
Ret NotSupported(const char* name) {
  cublasStatus_t status = NotSupportedOnce(name);
  if constexpr (std::is_same_v<Ret, cublasStatus_t>) {
    return status;
  } else if constexpr (!std::is_void_v<Ret>) {
    return Ret{};
  }
}

// CUBLAS_STATUS_* as "CUBLAS_STATUS_SUCCESS" and as a sentence, like NVIDIA's.
const char* StatusName(cublasStatus_t status);
const char* StatusString(cublasStatus_t status);

// Destroys the server-side handle `id` (0: none was created).
void ReleaseServerHandle(uint64_t id);

// cublasGetVersion's answer, e.g. 120804 or 130100.
int LibraryVersion();
// The CUDA runtime version this library is paired with (12080 or 13000).
size_t CudartVersion();
// cublas(Lt)GetProperty: the parts of LibraryVersion().
cublasStatus_t LibraryProperty(libraryPropertyType type, int* value);

}  // namespace vgpu::blas

// The object behind cublasHandle_t. `id` names the server-side handle; it is
// minted by libcuda (no round trip) at the handle's first computation, when a
// context is sure to be current.
struct cublasContext {
  static constexpr uint64_t kMagic = 0x7667707562736c61ull;  // "vgpubsla"
  uint64_t magic = kMagic;
  uint64_t id = 0;
  cudaStream_t stream = nullptr;
  cublasMath_t math_mode = CUBLAS_DEFAULT_MATH;
  cublasPointerMode_t pointer_mode = CUBLAS_POINTER_MODE_HOST;
  cublasAtomicsMode_t atomics_mode = CUBLAS_ATOMICS_NOT_ALLOWED;
  void* workspace = nullptr;
  size_t workspace_size = 0;
  int sm_count_target = 0;
};

namespace vgpu::blas {
// The handle if it is one of ours and alive, else nullptr.
cublasContext* Checked(cublasHandle_t handle);
}  // namespace vgpu::blas

// Handle state kept on the client: create/destroy, stream, math and pointer
// modes, workspace. None of these needs the server; the server-side handle is
// created with the handle's first computation (gemm.cpp).
#include <mutex>
#include <unordered_set>

#include "libcublas/blas.h"

namespace vgpu::blas {
namespace {
std::mutex g_mu;
std::unordered_set<cublasContext*>& Live() {
  static auto* live = new std::unordered_set<cublasContext*>();
  return *live;
}
}  // namespace

cublasContext* Checked(cublasHandle_t handle) {
  if (handle == nullptr) return nullptr;
  std::lock_guard lock(g_mu);
  return Live().count(handle) ? handle : nullptr;
}

// The getters of handle state: a live handle and somewhere to write the value.
template <typename Out, typename Field>
cublasStatus_t GetSetting(cublasHandle_t handle, Out* out, Field cublasContext::*field) {
  cublasContext* h = Checked(handle);
  if (h == nullptr) return CUBLAS_STATUS_NOT_INITIALIZED;
  if (out == nullptr) return CUBLAS_STATUS_INVALID_VALUE;
  *out = h->*field;
  return CUBLAS_STATUS_SUCCESS;
}

}  // namespace vgpu::blas

using vgpu::blas::Checked;
using vgpu::blas::GetSetting;

extern "C" {

VGPU_BLAS_EXPORT cublasStatus_t cublasCreate_v2(cublasHandle_t* handle) {
  if (handle == nullptr) return CUBLAS_STATUS_INVALID_VALUE;
  auto* h = new (std::nothrow) cublasContext();
  if (h == nullptr) return CUBLAS_STATUS_ALLOC_FAILED;
  {
    std::lock_guard lock(vgpu::blas::g_mu);
    vgpu::blas::Live().insert(h);
  }
  *handle = h;
  return CUBLAS_STATUS_SUCCESS;
}

VGPU_BLAS_EXPORT cublasStatus_t cublasDestroy_v2(cublasHandle_t handle) {
  {
    std::lock_guard lock(vgpu::blas::g_mu);
    if (handle == nullptr || vgpu::blas::Live().erase(handle) == 0) return CUBLAS_STATUS_NOT_INITIALIZED;
  }
  vgpu::blas::ReleaseServerHandle(handle->id);
  handle->magic = 0;
  delete handle;
  return CUBLAS_STATUS_SUCCESS;
}

VGPU_BLAS_EXPORT cublasStatus_t cublasSetStream_v2(cublasHandle_t handle, cudaStream_t streamId) {
  cublasContext* h = Checked(handle);
  if (h == nullptr) return CUBLAS_STATUS_NOT_INITIALIZED;
  h->stream = streamId;
  // cuBLAS drops a user workspace when the stream changes.
  h->workspace = nullptr;
  h->workspace_size = 0;
  return CUBLAS_STATUS_SUCCESS;
}

VGPU_BLAS_EXPORT cublasStatus_t cublasGetStream_v2(cublasHandle_t handle, cudaStream_t* streamId) {
  return GetSetting(handle, streamId, &cublasContext::stream);
}

VGPU_BLAS_EXPORT cublasStatus_t cublasSetWorkspace_v2(cublasHandle_t handle, void* workspace, size_t workspaceSizeInBytes) {
  cublasContext* h = Checked(handle);
  if (h == nullptr) return CUBLAS_STATUS_NOT_INITIALIZED;
  if (workspace == nullptr && workspaceSizeInBytes != 0) return CUBLAS_STATUS_INVALID_VALUE;
  h->workspace = workspace;
  h->workspace_size = workspaceSizeInBytes;
  return CUBLAS_STATUS_SUCCESS;
}

VGPU_BLAS_EXPORT cublasStatus_t cublasSetMathMode(cublasHandle_t handle, cublasMath_t mode) {
  cublasContext* h = Checked(handle);
  if (h == nullptr) return CUBLAS_STATUS_NOT_INITIALIZED;
  h->math_mode = mode;
  return CUBLAS_STATUS_SUCCESS;
}

VGPU_BLAS_EXPORT cublasStatus_t cublasGetMathMode(cublasHandle_t handle, cublasMath_t* mode) {
  return GetSetting(handle, mode, &cublasContext::math_mode);
}

VGPU_BLAS_EXPORT cublasStatus_t cublasSetPointerMode_v2(cublasHandle_t handle, cublasPointerMode_t mode) {
  cublasContext* h = Checked(handle);
  if (h == nullptr) return CUBLAS_STATUS_NOT_INITIALIZED;
  if (mode != CUBLAS_POINTER_MODE_HOST && mode != CUBLAS_POINTER_MODE_DEVICE) return CUBLAS_STATUS_INVALID_VALUE;
  h->pointer_mode = mode;
  return CUBLAS_STATUS_SUCCESS;
}

VGPU_BLAS_EXPORT cublasStatus_t cublasGetPointerMode_v2(cublasHandle_t handle, cublasPointerMode_t* mode) {
  return GetSetting(handle, mode, &cublasContext::pointer_mode);
}

VGPU_BLAS_EXPORT cublasStatus_t cublasSetAtomicsMode(cublasHandle_t handle, cublasAtomicsMode_t mode) {
  cublasContext* h = Checked(handle);
  if (h == nullptr) return CUBLAS_STATUS_NOT_INITIALIZED;
  h->atomics_mode = mode;
  return CUBLAS_STATUS_SUCCESS;
}

VGPU_BLAS_EXPORT cublasStatus_t cublasGetAtomicsMode(cublasHandle_t handle, cublasAtomicsMode_t* mode) {
  return GetSetting(handle, mode, &cublasContext::atomics_mode);
}

VGPU_BLAS_EXPORT cublasStatus_t cublasSetSmCountTarget(cublasHandle_t handle, int smCountTarget) {
  cublasContext* h = Checked(handle);
  if (h == nullptr) return CUBLAS_STATUS_NOT_INITIALIZED;
  if (smCountTarget < 0) return CUBLAS_STATUS_INVALID_VALUE;
  h->sm_count_target = smCountTarget;
  return CUBLAS_STATUS_SUCCESS;
}

VGPU_BLAS_EXPORT cublasStatus_t cublasGetSmCountTarget(cublasHandle_t handle, int* smCountTarget) {
  return GetSetting(handle, smCountTarget, &cublasContext::sm_count_target);
}

VGPU_BLAS_EXPORT cublasStatus_t cublasGetVersion_v2(cublasHandle_t handle, int* version) {
  if (Checked(handle) == nullptr) return CUBLAS_STATUS_NOT_INITIALIZED;
  if (version == nullptr) return CUBLAS_STATUS_INVALID_VALUE;
  *version = vgpu::blas::LibraryVersion();
  return CUBLAS_STATUS_SUCCESS;
}

VGPU_BLAS_EXPORT cublasStatus_t cublasGetProperty(libraryPropertyType type, int* value) {
  return vgpu::blas::LibraryProperty(type, value);
}

VGPU_BLAS_EXPORT size_t cublasGetCudartVersion(void) {
  return vgpu::blas::CudartVersion();
}

VGPU_BLAS_EXPORT const char* cublasGetStatusName(cublasStatus_t status) { return vgpu::blas::StatusName(status); }
VGPU_BLAS_EXPORT const char* cublasGetStatusString(cublasStatus_t status) { return vgpu::blas::StatusString(status); }

}  // extern "C"

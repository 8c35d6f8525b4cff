// Versions and driver entry points. Entry points are vgpu libcuda's own
// functions, looked up with its cuGetProcAddress.
#include "libcudart/areas.h"
#include "libcudart/context.h"
#include "libcudart/errors.h"
#include "libcudart/exports.h"

namespace vgpu::rt {
namespace {

cudaError_t EntryPoint(const char* symbol, void** funcPtr, unsigned version, unsigned long long flags,
                       cudaDriverEntryPointQueryResult* driverStatus, bool per_thread) {
  if (symbol == nullptr || funcPtr == nullptr) return cudaErrorInvalidValue;
  Status s = EnsureInit();
  if (!s.ok()) return ToCudaError(s);
  // cudaEnable* flags have the CU_GET_PROC_ADDRESS_* values; in _ptsz builds
  // the default means per-thread.
  if (per_thread && flags == cudaEnableDefault) flags = cudaEnablePerThreadDefaultStream;
  CUdriverProcAddressQueryResult status = CU_GET_PROC_ADDRESS_SUCCESS;
  CUresult res = cuGetProcAddress(symbol, funcPtr, static_cast<int>(version), flags, &status);
  if (driverStatus) *driverStatus = static_cast<cudaDriverEntryPointQueryResult>(status);
  if (res == CUDA_ERROR_NOT_FOUND) {
    *funcPtr = nullptr;
    // Not finding a symbol is reported through driverStatus, not as an error.
    return driverStatus ? cudaSuccess : cudaErrorSymbolNotFound;
  }
  return ToCudaError(res);
}

}  // namespace

namespace driver {

cudaError_t cudaDriverGetVersion(int* driverVersion) {
  if (driverVersion == nullptr) return cudaErrorInvalidValue;
  CUresult res = cuDriverGetVersion(driverVersion);
  if (res != CUDA_SUCCESS) *driverVersion = 0;
  return cudaSuccess;  // as cudart: 0 means no driver, not an error
}

cudaError_t cudaRuntimeGetVersion(int* runtimeVersion) {
  if (runtimeVersion == nullptr) return cudaErrorInvalidValue;
  *runtimeVersion = RuntimeVersion();
  return cudaSuccess;
}

cudaError_t cudaGetDriverEntryPoint(const char* symbol, void** funcPtr, unsigned long long flags,
                                    enum cudaDriverEntryPointQueryResult* driverStatus) {
  return EntryPoint(symbol, funcPtr, RuntimeVersion(), flags, driverStatus, false);
}
cudaError_t cudaGetDriverEntryPoint_ptsz(const char* symbol, void** funcPtr, unsigned long long flags,
                                         enum cudaDriverEntryPointQueryResult* driverStatus) {
  return EntryPoint(symbol, funcPtr, RuntimeVersion(), flags, driverStatus, true);
}
cudaError_t cudaGetDriverEntryPointByVersion(const char* symbol, void** funcPtr, unsigned int cudaVersion,
                                             unsigned long long flags,
                                             enum cudaDriverEntryPointQueryResult* driverStatus) {
  return EntryPoint(symbol, funcPtr, cudaVersion, flags, driverStatus, false);
}
cudaError_t cudaGetDriverEntryPointByVersion_ptsz(const char* symbol, void** funcPtr, unsigned int cudaVersion,
                                                  unsigned long long flags,
                                                  enum cudaDriverEntryPointQueryResult* driverStatus) {
  return EntryPoint(symbol, funcPtr, cudaVersion, flags, driverStatus, true);
}

// No profiler is attached to a remote device; as with the real runtime
// without a profiler, starting and stopping succeed and do nothing.
cudaError_t cudaProfilerStart(void) { return cudaSuccess; }
cudaError_t cudaProfilerStop(void) { return cudaSuccess; }

}  // namespace driver
}  // namespace vgpu::rt
